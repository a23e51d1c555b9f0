/* rd-media-record-header.c: what matroskamux writes only when it finalises a file (the
 * duration in the segment's Info, and the Cues), read from the file's EBML structure. See
 * rd-media-record-repair.h. */
#include "media/rd-media-record-repair.h"
#include "media/rd-media-error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#define EBML_ID_HEADER     0x1A45DFA3
#define EBML_ID_SEGMENT    0x18538067
#define EBML_ID_INFO       0x1549A966
#define EBML_ID_CUES       0x1C53BB6B
#define EBML_ID_CLUSTER    0x1F43B675
#define EBML_ID_TIME_SCALE 0x2AD7B1
#define EBML_ID_DURATION   0x4489
#define EBML_SIZE_UNKNOWN  G_MAXUINT64

/* Reads an EBML variable-length integer: an element ID (marker bit kept, up to 4 bytes) or a data
 * size (marker stripped, up to 8 bytes; all ones is "unknown"). */
static gboolean
read_vint (FILE *f, gboolean is_id, guint64 *value)
{
  int first = fgetc (f);
  int length = 1;
  guint64 v;
  gboolean all_ones;

  if (first == EOF || first == 0)
    return FALSE;
  while (!(first & (0x80 >> (length - 1))))
    length++;
  if (is_id && length > 4)
    return FALSE;
  v = is_id ? (guint64)first : (guint64)(first & (0xFF >> length));
  all_ones = v == (guint64)(0xFF >> length);
  for (int i = 1; i < length; i++)
    {
      int byte = fgetc (f);

      if (byte == EOF)
        return FALSE;
      v = (v << 8) | (guint64)byte;
      all_ones = all_ones && byte == 0xFF;
    }
  *value = !is_id && all_ones ? EBML_SIZE_UNKNOWN : v;
  return TRUE;
}

static gboolean
read_uint (FILE *f, guint64 size, guint64 *value)
{
  *value = 0;
  if (size > 8)
    return FALSE;
  for (guint64 i = 0; i < size; i++)
    {
      int byte = fgetc (f);
      if (byte == EOF)
        return FALSE;
      *value = (*value << 8) | (guint64)byte;
    }
  return TRUE;
}

/* The segment's Info (duration times timestamp scale) and whether it has Cues, walking the
 * segment's top-level elements by their sizes. A file whose elements cannot all be walked (an
 * unknown size: never finalised) ends the walk where it stops. */
static void
read_header (FILE *f, guint64 *duration_ns, gboolean *has_cues)
{
  guint64 id, size, scale = 1000000, raw = 0;
  double duration = -1;
  off_t end;

  *duration_ns = 0;
  *has_cues = FALSE;
  if (!read_vint (f, TRUE, &id) || id != EBML_ID_HEADER || !read_vint (f, FALSE, &size) ||
      size == EBML_SIZE_UNKNOWN || fseeko (f, (off_t)size, SEEK_CUR) != 0 ||
      !read_vint (f, TRUE, &id) || id != EBML_ID_SEGMENT || !read_vint (f, FALSE, &size))
    return;
  while (read_vint (f, TRUE, &id) && read_vint (f, FALSE, &size) && size != EBML_SIZE_UNKNOWN)
    {
      end = ftello (f) + (off_t)size;
      if (id == EBML_ID_CUES)
        *has_cues = TRUE;
      while (id == EBML_ID_INFO && ftello (f) < end && read_vint (f, TRUE, &id) &&
             read_vint (f, FALSE, &size) && size != EBML_SIZE_UNKNOWN)
        {
          off_t next = ftello (f) + (off_t)size;

          if (id == EBML_ID_TIME_SCALE)
            read_uint (f, size, &scale);
          else if (id == EBML_ID_DURATION && (size == 8 || size == 4) && read_uint (f, size, &raw))
            {
              /* A big-endian IEEE 754 float, read as an integer of the same bits. */
              guint32 raw32 = (guint32)raw;
              float d32;

              if (size == 8)
                memcpy (&duration, &raw, sizeof duration);
              else
                {
                  memcpy (&d32, &raw32, sizeof d32);
                  duration = d32;
                }
            }
          id = EBML_ID_INFO;
          if (fseeko (f, next, SEEK_SET) != 0)
            return;
        }
      if (fseeko (f, end, SEEK_SET) != 0)
        return;
    }
  if (duration > 0)
    *duration_ns = (guint64)(duration * (double)scale);
}

gboolean
rd_record_check_finalised (const char *path, guint64 *duration_ns, GError **error)
{
  FILE *f = fopen (path, "rbe");
  gboolean has_cues = FALSE;
  guint64 duration = 0;

  if (f == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "cannot read %s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  read_header (f, &duration, &has_cues);
  fclose (f);
  if (duration > 0 && has_cues)
    {
      if (duration_ns != NULL)
        *duration_ns = duration;
      return TRUE;
    }
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "%s was not finalised: it has %s",
               path,
               duration == 0 && !has_cues ? "neither a duration nor cues"
               : duration == 0            ? "no duration"
                                          : "no cues (seek index)");
  return FALSE;
}

gboolean
rd_record_holds_media (const char *path)
{
  FILE *f = fopen (path, "rbe");
  guint64 id, size;
  gboolean cluster = FALSE;

  if (f == NULL)
    return TRUE; /* unreadable: the repair says why */
  if (!read_vint (f, TRUE, &id) || id != EBML_ID_HEADER)
    {
      fclose (f);
      return TRUE; /* not Matroska: the repair says so */
    }
  if (read_vint (f, FALSE, &size) && size != EBML_SIZE_UNKNOWN &&
      fseeko (f, (off_t)size, SEEK_CUR) == 0 && read_vint (f, TRUE, &id) && id == EBML_ID_SEGMENT &&
      read_vint (f, FALSE, &size))
    /* the segment's top-level elements, by their sizes, up to the first cluster (whose size a
     * file cut short may not have) */
    while (!cluster && read_vint (f, TRUE, &id) && read_vint (f, FALSE, &size))
      {
        cluster = id == EBML_ID_CLUSTER;
        if (!cluster && (size == EBML_SIZE_UNKNOWN || fseeko (f, (off_t)size, SEEK_CUR) != 0))
          break;
      }
  fclose (f);
  return cluster;
}
