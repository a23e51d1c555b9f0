/* rd-signal-ratelimit.c: token buckets per key. See rd-signal-ratelimit.h for the contract. */
#include "signaling/rd-signal-ratelimit.h"

#include <math.h>

typedef struct
{
  char *key;
  double tokens;
  gint64 last_us; /* when tokens was last brought up to date */
  GList link;     /* in RdRateLimit.lru; data = this bucket */
} Bucket;

struct _RdRateLimit
{
  double burst;
  double per_second;
  guint max_keys;
  gint64 refill_us;  /* an empty bucket is full again after this long */
  GHashTable *table; /* key (owned by the bucket) -> Bucket */
  GQueue lru;        /* least recently used first; last_us ascending */
};

static void
bucket_free (gpointer data)
{
  Bucket *bucket = data;

  g_free (bucket->key);
  g_free (bucket);
}

RdRateLimit *
rd_rate_limit_new (guint burst, double per_second, guint max_keys)
{
  RdRateLimit *limit;

  g_return_val_if_fail (burst >= 1 && per_second > 0 && max_keys >= 1, NULL);

  limit = g_new0 (RdRateLimit, 1);
  limit->burst = burst;
  limit->per_second = per_second;
  limit->max_keys = max_keys;
  limit->refill_us = (gint64)ceil ((double)limit->burst / limit->per_second * G_USEC_PER_SEC);
  limit->table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, bucket_free);
  g_queue_init (&limit->lru);
  return limit;
}

void
rd_rate_limit_free (RdRateLimit *limit)
{
  if (!limit)
    return;
  /* The links live inside the buckets: empty the queue before the table frees them. */
  g_queue_init (&limit->lru);
  g_clear_pointer (&limit->table, g_hash_table_unref);
  g_free (limit);
}

static void
forget (RdRateLimit *limit, Bucket *bucket)
{
  g_queue_unlink (&limit->lru, &bucket->link);
  g_hash_table_remove (limit->table, bucket->key);
}

gboolean
rd_rate_limit_take (RdRateLimit *limit, const char *key, gint64 now_us, guint *retry_after_s)
{
  Bucket *bucket;
  GList *oldest;

  g_return_val_if_fail (limit != NULL && key != NULL, FALSE);

  /* Buckets idle long enough to be full again are the same as no bucket. */
  while ((oldest = g_queue_peek_head_link (&limit->lru)) &&
         now_us - ((Bucket *)oldest->data)->last_us >= limit->refill_us)
    forget (limit, oldest->data);

  bucket = g_hash_table_lookup (limit->table, key);
  if (bucket)
    {
      double elapsed_s = (double)MAX (now_us - bucket->last_us, 0) / G_USEC_PER_SEC;

      bucket->tokens = MIN (limit->burst, bucket->tokens + elapsed_s * limit->per_second);
      bucket->last_us = MAX (bucket->last_us, now_us);
      g_queue_unlink (&limit->lru, &bucket->link);
    }
  else
    {
      if (g_hash_table_size (limit->table) >= limit->max_keys)
        forget (limit, g_queue_peek_head (&limit->lru));
      bucket = g_new0 (Bucket, 1);
      bucket->key = g_strdup (key);
      bucket->tokens = limit->burst;
      bucket->last_us = now_us;
      bucket->link.data = bucket;
      g_hash_table_insert (limit->table, bucket->key, bucket);
    }
  g_queue_push_tail_link (&limit->lru, &bucket->link);

  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return TRUE;
    }
  if (retry_after_s)
    *retry_after_s = (guint)MAX (1.0, ceil ((1.0 - bucket->tokens) / limit->per_second));
  return FALSE;
}

guint
rd_rate_limit_get_size (RdRateLimit *limit)
{
  g_return_val_if_fail (limit != NULL, 0);
  return g_hash_table_size (limit->table);
}
