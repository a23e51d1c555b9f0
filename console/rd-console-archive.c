/* rd-console-archive.c: the offline check of an archive package. See rd-console-archive.h. */
#include "console/rd-console-archive.h"
#include "console/rd-console-commands.h"
#include "config/rd-config-hex.h"

#include <json-glib/json-glib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define ED25519_PUBLIC_LEN 32
#define ED25519_SIG_LEN    64
#define FILE_CHUNK         (1024 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)

typedef struct
{
  gint64 files, bytes, entries, withheld, checkpoint_seq;
  char *problem;
} Report;

static gboolean
ed25519_ok (const guint8 *pub, const guint8 *sig, const void *data, gsize len)
{
  g_autoptr (EVP_PKEY) pkey =
      EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, pub, ED25519_PUBLIC_LEN);
  g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();

  return pkey && ctx && EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, pkey) == 1 &&
         EVP_DigestVerify (ctx, sig, ED25519_SIG_LEN, data, len) == 1;
}

static const char *
str (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

static gint64
num (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
             ? json_node_get_int (n)
             : -1;
}

static gboolean fail (Report *r, const char *format, ...) G_GNUC_PRINTF (2, 3);
static gboolean
fail (Report *r, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  r->problem = g_strdup_vprintf (format, ap);
  va_end (ap);
  return FALSE;
}

static gboolean
check_checkpoint (JsonObject *cp, const guint8 *pub, const char *pub_hex, Report *r)
{
  guint8 sig[ED25519_SIG_LEN];
  g_autofree char *message = NULL;

  if (!cp || num (cp, "seq") < 1 || !str (cp, "head_hash") || !str (cp, "at"))
    return fail (r, "manifest.json: no ledger checkpoint");
  if (g_ascii_strcasecmp (str (cp, "public_key") ? str (cp, "public_key") : "", pub_hex) != 0)
    return fail (r, "the ledger checkpoint is signed by another key (%s)", str (cp, "public_key"));
  message = g_strdup_printf ("%s\nseq=%" G_GINT64_FORMAT "\nhead=%s\nat=%s\n",
                             str (cp, "format") ? str (cp, "format") : "", num (cp, "seq"),
                             str (cp, "head_hash"), str (cp, "at"));
  if (!rd_hex_decode (str (cp, "signature"), sig, sizeof sig) ||
      !ed25519_ok (pub, sig, message, strlen (message)))
    return fail (r, "the ledger checkpoint's signature does not verify");
  r->checkpoint_seq = num (cp, "seq");
  return TRUE;
}

/* One entry given in full: its hash and its fields. */
static gboolean
check_entry (JsonObject *e, Report *r)
{
  const char *entry = str (e, "entry"), *prev = str (e, "prev_hash"), *hash = str (e, "hash");
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *a;

  if (!prev || !hash)
    return fail (r, "ledger entry %" G_GINT64_FORMAT ": no hashes", num (e, "seq"));
  if (entry == NULL)
    {
      r->withheld++;
      return TRUE;
    }
  g_checksum_update (sum, (const guchar *)prev, strlen (prev));
  g_checksum_update (sum, (const guchar *)entry, strlen (entry));
  if (g_strcmp0 (g_checksum_get_string (sum), hash) != 0)
    return fail (r, "ledger entry %" G_GINT64_FORMAT ": its hash does not match its content",
                 num (e, "seq"));
  if (!json_parser_load_from_data (parser, entry, -1, NULL) ||
      !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)) ||
      json_array_get_length (a = json_node_get_array (json_parser_get_root (parser))) != 5 ||
      json_array_get_int_element (a, 0) != num (e, "seq") ||
      g_strcmp0 (json_array_get_string_element (a, 1), str (e, "tbl")) != 0 ||
      json_array_get_int_element (a, 2) != num (e, "row_id") ||
      g_strcmp0 (json_array_get_string_element (a, 3), str (e, "op")) != 0)
    return fail (r, "ledger entry %" G_GINT64_FORMAT ": its fields differ from its content",
                 num (e, "seq"));
  return TRUE;
}

static gboolean
check_entries (JsonArray *entries, JsonObject *cp, Report *r)
{
  JsonObject *before = NULL;

  for (guint i = 0; entries && i < json_array_get_length (entries); i++)
    {
      JsonObject *e = json_array_get_object_element (entries, i);
      gint64 seq = num (e, "seq");

      if (!e || seq < 1 || seq > r->checkpoint_seq)
        return fail (r, "ledger entry %" G_GINT64_FORMAT ": not covered by the checkpoint", seq);
      if (!check_entry (e, r))
        return FALSE;
      if (before && seq <= num (before, "seq"))
        return fail (r, "ledger entry %" G_GINT64_FORMAT ": out of order", seq);
      if (before && seq == num (before, "seq") + 1 &&
          g_strcmp0 (str (e, "prev_hash"), str (before, "hash")) != 0)
        return fail (r, "ledger entry %" G_GINT64_FORMAT ": not linked to entry %" G_GINT64_FORMAT,
                     seq, seq - 1);
      if (seq == r->checkpoint_seq && g_strcmp0 (str (e, "hash"), str (cp, "head_hash")) != 0)
        return fail (r, "ledger entry %" G_GINT64_FORMAT ": not the checkpoint's head", seq);
      before = e;
      r->entries++;
    }
  return TRUE;
}

static gboolean
check_file (const char *dir, JsonObject *f, Report *r)
{
  const char *name = str (f, "name"), *want = str (f, "sha256");
  g_autofree char *path = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = NULL;
  gint64 size = 0;
  FILE *fp;
  size_t n;

  if (want == NULL)
    return TRUE; /* an unrecoverable segment: listed, never archived */
  if (!name || !*name || strchr (name, '/') || g_str_equal (name, "..") || g_str_equal (name, "."))
    return fail (r, "manifest.json: a file with a bad name");
  path = g_build_filename (dir, name, NULL);
  if (!(fp = fopen (path, "rb")))
    return fail (r, "%s: missing (%s)", name, g_strerror (errno));
  buf = g_malloc (FILE_CHUNK);
  while ((n = fread (buf, 1, FILE_CHUNK, fp)) > 0)
    {
      g_checksum_update (sum, buf, n);
      size += n;
    }
  fclose (fp);
  if (size != num (f, "size_bytes"))
    return fail (r, "%s: %" G_GINT64_FORMAT " bytes, the manifest says %" G_GINT64_FORMAT, name,
                 size, num (f, "size_bytes"));
  if (g_ascii_strcasecmp (g_checksum_get_string (sum), want) != 0)
    return fail (r, "%s: SHA-256 %s, the manifest says %s", name, g_checksum_get_string (sum),
                 want);
  r->files++;
  r->bytes += size;
  return TRUE;
}

static gboolean
check (const char *dir, const char *trusted_hex, Report *r)
{
  g_autofree char *mpath = g_build_filename (dir, "manifest.json", NULL);
  g_autofree char *spath = g_build_filename (dir, "manifest.json.sig", NULL);
  g_autofree char *text = NULL, *sig = NULL;
  gsize text_len = 0, sig_len = 0;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  guint8 pub[ED25519_PUBLIC_LEN];
  JsonObject *m, *key, *ledger;
  JsonArray *files;
  const char *pub_hex;

  if (!g_file_get_contents (mpath, &text, &text_len, &error))
    return fail (r, "%s", error->message);
  if (!json_parser_load_from_data (parser, text, text_len, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return fail (r, "manifest.json: not a JSON object%s%s", error ? ": " : "",
                 error ? error->message : "");
  m = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (str (m, "format"), "receptiond-archive-1") != 0)
    return fail (r, "manifest.json: unknown format \"%s\"", str (m, "format"));
  key = json_object_get_object_member (m, "public_key");
  pub_hex = str (key, "ed25519");
  if (!rd_hex_decode (pub_hex, pub, sizeof pub))
    return fail (r, "manifest.json: no Ed25519 public key");
  if (trusted_hex && g_ascii_strcasecmp (trusted_hex, pub_hex) != 0)
    return fail (r, "manifest.json: signed by key %s, not by the room key given (%s)", pub_hex,
                 trusted_hex);
  if (!g_file_get_contents (spath, &sig, &sig_len, &error))
    return fail (r, "%s", error->message);
  if (sig_len != ED25519_SIG_LEN || !ed25519_ok (pub, (guint8 *)sig, text, text_len))
    return fail (r, "manifest.json.sig: not a signature of manifest.json by key %s", pub_hex);
  ledger = json_object_get_object_member (m, "ledger");
  if (!ledger ||
      !check_checkpoint (json_object_get_object_member (ledger, "checkpoint"), pub, pub_hex, r) ||
      !check_entries (json_object_get_array_member (ledger, "entries"),
                      json_object_get_object_member (ledger, "checkpoint"), r))
    return r->problem ? FALSE : fail (r, "manifest.json: no ledger section");
  files = json_object_get_array_member (m, "files");
  for (guint i = 0; files && i < json_array_get_length (files); i++)
    if (!check_file (dir, json_array_get_object_element (files, i), r))
      return FALSE;
  return TRUE;
}

int
rd_console_archive_check (int argc, char **argv, gboolean json)
{
  const char *dir = NULL, *trusted = NULL;
  Report r = { 0 };
  gboolean ok;
  g_autofree char *manifest = NULL;

  for (int i = 0; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--public-key") && i + 1 < argc)
        trusted = argv[++i];
      else if (g_str_has_prefix (argv[i], "--public-key="))
        trusted = argv[i] + strlen ("--public-key=");
      else if (argv[i][0] != '-' && !dir)
        dir = argv[i];
      else
        return rd_console_usage_error ("archive check: unexpected '%s'", argv[i]);
    }
  if (!dir)
    return rd_console_usage_error ("archive check needs a directory");
  manifest = g_build_filename (dir, "manifest.json", NULL);
  if (!g_file_test (manifest, G_FILE_TEST_EXISTS))
    {
      fprintf (stderr, "receptionctl: %s: no manifest.json: not an archive package\n", dir);
      return EX_NOINPUT;
    }
  ok = check (dir, trusted, &r);
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, ok);
      json_builder_set_member_name (b, "files");
      json_builder_add_int_value (b, r.files);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, r.bytes);
      json_builder_set_member_name (b, "entries");
      json_builder_add_int_value (b, r.entries);
      json_builder_set_member_name (b, "withheld");
      json_builder_add_int_value (b, r.withheld);
      json_builder_set_member_name (b, "checkpoint_seq");
      json_builder_add_int_value (b, r.checkpoint_seq);
      json_builder_set_member_name (b, "problem");
      if (r.problem)
        json_builder_add_string_value (b, r.problem);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      text = json_to_string (root, TRUE);
      printf ("%s\n", text);
    }
  if (!ok)
    {
      fprintf (stderr, "receptionctl: archive package %s: %s\n", dir, r.problem);
      g_free (r.problem);
      return 1;
    }
  if (!json)
    printf ("archive package %s is whole: %" G_GINT64_FORMAT " files (%" G_GINT64_FORMAT
            " bytes), %" G_GINT64_FORMAT " ledger entries (%" G_GINT64_FORMAT
            " withheld) under checkpoint %" G_GINT64_FORMAT "\n",
            dir, r.files, r.bytes, r.entries, r.withheld, r.checkpoint_seq);
  return EX_OK;
}

static const char *
jstr (JsonObject *o, const char *name)
{
  return str (o, name) ? str (o, name) : "-";
}

void
rd_console_print_archive_status (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  JsonArray *jobs = json_object_get_array_member (o, "jobs");
  g_autofree char *backlog = g_format_size (num (o, "backlog_bytes"));

  if (!json_object_get_boolean_member_with_default (o, "enabled", FALSE))
    printf ("archive off ([archive] url not set)\n");
  printf ("%" G_GINT64_FORMAT " queued (%s to upload), %" G_GINT64_FORMAT
          " failed, %" G_GINT64_FORMAT " archived\n",
          num (o, "queued"), backlog, num (o, "failed"), num (o, "archived"));
  if (str (o, "waiting"))
    printf ("waiting for %s to end\n", str (o, "waiting"));
  if (jobs && json_array_get_length (jobs))
    printf ("  %-5s %-16s %-9s %-8s %-21s %s\n", "JOB", "SESSION", "STATE", "ATTEMPTS", "UPLOADED",
            "LAST ERROR / NEXT ATTEMPT");
  for (guint i = 0; jobs && i < json_array_get_length (jobs); i++)
    {
      JsonObject *j = json_array_get_object_element (jobs, i);
      g_autofree char *done = g_format_size (num (j, "bytes_uploaded"));
      g_autofree char *all = g_format_size (num (j, "bytes"));
      g_autofree char *uploaded = g_strdup_printf ("%s of %s", done, all);

      g_autofree char *state = g_strdup_printf (
          "%s%s", jstr (j, "state"),
          json_object_get_boolean_member_with_default (j, "held", FALSE) ? ",held" : "");

      printf ("  %-5" G_GINT64_FORMAT " %-16s %-9s %-8" G_GINT64_FORMAT " %-21s %s%s%s\n",
              num (j, "id"), jstr (j, "session"), state, num (j, "attempts"), uploaded,
              str (j, "last_error") ? str (j, "last_error") : "",
              str (j, "next_at") ? "; next at " : "", str (j, "next_at") ? str (j, "next_at") : "");
    }
}

void
rd_console_print_archive_verify (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  JsonArray *objects = json_object_get_array_member (o, "objects");

  for (guint i = 0; objects && i < json_array_get_length (objects); i++)
    {
      JsonObject *x = json_array_get_object_element (objects, i);
      printf ("  %-4s %s%s%s\n",
              json_object_get_boolean_member_with_default (x, "ok", FALSE) ? "ok" : "BAD",
              jstr (x, "key"), str (x, "problem") ? ": " : "",
              str (x, "problem") ? str (x, "problem") : "");
    }
  printf ("archive job %" G_GINT64_FORMAT " (session %s): %s\n", num (o, "job"),
          jstr (o, "session"),
          json_object_get_boolean_member_with_default (o, "ok", FALSE)
              ? (json_object_get_boolean_member_with_default (o, "quick", FALSE)
                     ? "every object there, size and ETag as sent"
                     : "every object there, its SHA-256 as in the ledger")
              : "NOT as in the ledger");
}

int
rd_console_archive_verify_verdict (JsonNode *result)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (result) ? json_node_get_object (result) : NULL;

  if (o && json_object_get_boolean_member_with_default (o, "ok", FALSE))
    return 0;
  fprintf (stderr, "receptionctl: archive verify: %s\n",
           o && str (o, "first_problem") ? str (o, "first_problem") : "failed");
  return 1;
}
