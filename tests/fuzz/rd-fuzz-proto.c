/* rd-fuzz-proto.c: libFuzzer target for the control protocol's reading of one request line
 * (proto/rd-proto.c): any member of the console group writes these bytes to the daemon. */
#include "proto/rd-proto.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) message = rd_proto_decode ((const char *)data, size, &error);

  g_assert ((message == NULL) != (error == NULL));
  if (message)
    {
      g_autoptr (GError) invalid = NULL;
      const char *method = NULL;
      JsonObject *params = NULL;

      if (rd_proto_parse_request (message, &method, &params, &invalid))
        g_assert (method != NULL);
      else
        g_assert (invalid != NULL);
    }
  return 0;
}
