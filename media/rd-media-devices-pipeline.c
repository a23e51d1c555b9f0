/* rd-media-devices-pipeline.c: the room's devices given as "pipeline:<gst-launch description>"
 * ([media] camera, microphone, display, speakers). See rd_media_check_devices() in
 * rd-media-devices.h and rd_media_make_pipeline_device() in rd-media-private.h.
 *
 * A description is parsed as a bin (gst_parse_bin_from_description_full, with
 * GST_PARSE_FLAG_FATAL_ERRORS so that a missing element or a bad property refuses the whole
 * description instead of leaving a part of it). Among the bin's children exactly one pad is left
 * unlinked, of the direction the role needs (src for camera and microphone, sink for display
 * and speakers), and none of the other direction unless a child adds pads while it runs (a
 * decoder, whose pads gst_parse links when they come). That pad is ghosted as the bin's "src"
 * or "sink"; its caps must meet raw video or raw audio, which the room converts from or to.
 * Nothing here changes an element's state, so no device is opened. */
#include "media/rd-media-devices.h"
#include "media/rd-media-error.h"
#include "media/rd-media-private.h"

#include <string.h>

typedef struct
{
  const char *role;
  RdDeviceSetting (*get) (const RdConfig *config);
  GstPadDirection direction;
  const char *caps; /* what the room takes from the source or gives the sink */
  const char *what; /* those caps for people */
} PipelineRole;

static const PipelineRole pipeline_roles[] = {
  { "camera", rd_config_get_camera, GST_PAD_SRC, "video/x-raw", "raw video" },
  { "microphone", rd_config_get_microphone, GST_PAD_SRC, "audio/x-raw", "raw audio" },
  { "display", rd_config_get_display, GST_PAD_SINK, "video/x-raw", "raw video" },
  { "speakers", rd_config_get_speakers, GST_PAD_SINK, "audio/x-raw", "raw audio" },
};

static const PipelineRole *
find_role (const char *role)
{
  for (gsize i = 0; i < G_N_ELEMENTS (pipeline_roles); i++)
    if (g_str_equal (pipeline_roles[i].role, role))
      return &pipeline_roles[i];
  return NULL;
}

static const char *
direction_name (GstPadDirection direction)
{
  return direction == GST_PAD_SRC ? "src" : "sink";
}

/* Adds the unlinked pads of @bin's children to @src and @sink, by direction (a ref each). */
static void
find_unlinked_pads (GstBin *bin, GPtrArray *src, GPtrArray *sink)
{
  g_autoptr (GstIterator) elements = gst_bin_iterate_elements (bin);
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (elements, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      g_autoptr (GstIterator) pads = gst_element_iterate_pads (element);
      GValue pad_item = G_VALUE_INIT;

      while (gst_iterator_next (pads, &pad_item) == GST_ITERATOR_OK)
        {
          GstPad *pad = g_value_get_object (&pad_item);

          if (!gst_pad_is_linked (pad))
            g_ptr_array_add (GST_PAD_IS_SRC (pad) ? src : sink, gst_object_ref (pad));
          g_value_reset (&pad_item);
        }
      g_value_unset (&pad_item);
      g_value_reset (&item);
    }
  g_value_unset (&item);
}

/* TRUE when a child of @bin may add a pad of @direction once it runs (a "sometimes" pad, as a
 * decoder's or demuxer's source pads): gst_parse links those when they come. */
static gboolean
has_sometimes_pads (GstBin *bin, GstPadDirection direction)
{
  g_autoptr (GstIterator) elements = gst_bin_iterate_elements (bin);
  GValue item = G_VALUE_INIT;
  gboolean found = FALSE;

  while (!found && gst_iterator_next (elements, &item) == GST_ITERATOR_OK)
    {
      GstElementClass *klass = GST_ELEMENT_GET_CLASS (g_value_get_object (&item));

      for (GList *l = gst_element_class_get_pad_template_list (klass); l && !found; l = l->next)
        found = GST_PAD_TEMPLATE_DIRECTION (l->data) == direction &&
                GST_PAD_TEMPLATE_PRESENCE (l->data) == GST_PAD_SOMETIMES;
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return found;
}

/* "a:src, b:src", in the description's order (a bin lists its children newest first).
 * (transfer full) */
static char *
pad_names (GPtrArray *pads)
{
  GString *out = g_string_new (NULL);

  for (guint i = pads->len; i > 0; i--)
    {
      GstPad *pad = pads->pdata[i - 1];

      g_string_append_printf (out, "%s%s:%s", out->len ? ", " : "",
                              GST_OBJECT_NAME (GST_OBJECT_PARENT (pad)), GST_PAD_NAME (pad));
    }
  return g_string_free (out, FALSE);
}

/* The media types in @caps, each once: "image/jpeg, video/x-h264"; "" for ANY. (transfer full) */
static char *
media_types (const GstCaps *caps)
{
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();
  g_auto (GStrv) list = NULL;

  for (guint i = 0; !gst_caps_is_any (caps) && i < gst_caps_get_size (caps); i++)
    {
      const char *name = gst_structure_get_name (gst_caps_get_structure (caps, i));

      if (g_ptr_array_find_with_equal_func (seen, name, g_str_equal, NULL))
        continue;
      g_ptr_array_add (seen, (gpointer)name);
      g_strv_builder_add (names, name);
    }
  list = g_strv_builder_end (names);
  return g_strjoinv (", ", list);
}

/* The factory of @bin's outermost element on the side away from @pad: a child with no sink pads
 * (a source) for a src pad, with no src pads (a sink) for a sink pad; else the pad's owner. */
static char *
end_element (GstBin *bin, GstPad *pad)
{
  g_autoptr (GstIterator) elements = gst_bin_iterate_sorted (bin);
  GValue item = G_VALUE_INIT;
  char *found = NULL;
  GstElementFactory *factory;

  while (!found && gst_iterator_next (elements, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GList *other = GST_PAD_IS_SRC (pad) ? element->sinkpads : element->srcpads;

      factory = gst_element_get_factory (element);
      if (!other && factory)
        found = g_strdup (GST_OBJECT_NAME (factory));
      g_value_reset (&item);
    }
  g_value_unset (&item);
  if (found)
    return found;
  factory = gst_element_get_factory (GST_ELEMENT (GST_OBJECT_PARENT (pad)));
  return g_strdup (factory ? GST_OBJECT_NAME (factory) : "bin");
}

G_GNUC_PRINTF (3, 4)
static void
set_device_error (GError **error, const PipelineRole *role, const char *format, ...)
{
  va_list args;
  g_autofree char *why = NULL;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE_CONFIG, "[media] %s: pipeline: %s",
               role->role, why);
}

/* Checks @bin's unlinked pads for @role and ghosts the one it may have. FALSE with @error. */
static gboolean
ghost_the_pad (GstBin *bin, const PipelineRole *role, char **element, GError **error)
{
  g_autoptr (GPtrArray) src = g_ptr_array_new_with_free_func (gst_object_unref);
  g_autoptr (GPtrArray) sink = g_ptr_array_new_with_free_func (gst_object_unref);
  GPtrArray *wanted, *other;
  g_autofree char *names = NULL;
  g_autoptr (GstCaps) needed = gst_caps_from_string (role->caps);
  g_autoptr (GstCaps) caps = NULL;
  g_autofree char *types = NULL;
  GstPad *pad, *ghost;

  find_unlinked_pads (bin, src, sink);
  wanted = role->direction == GST_PAD_SRC ? src : sink;
  other = role->direction == GST_PAD_SRC ? sink : src;
  if (wanted->len != 1)
    {
      names = pad_names (wanted);
      if (wanted->len == 0)
        set_device_error (error, role, "has no unlinked %s pad, needs one (the room's %s)",
                          direction_name (role->direction),
                          role->direction == GST_PAD_SRC ? "input" : "output");
      else
        set_device_error (error, role, "has %u unlinked %s pads (%s), needs one", wanted->len,
                          direction_name (role->direction), names);
      return FALSE;
    }
  /* Nothing feeds a source pipeline's unlinked sink pad (or drains a sink pipeline's src pad),
   * unless a pad added while running will: "... ! decodebin ! videoconvert". */
  if (other->len > 0 && !has_sometimes_pads (bin, role->direction))
    {
      names = pad_names (other);
      set_device_error (error, role, "has an unlinked %s pad (%s): a %s pipeline must %s",
                        direction_name (other == src ? GST_PAD_SRC : GST_PAD_SINK), names,
                        role->role,
                        role->direction == GST_PAD_SRC ? "start with a source" : "end in a sink");
      return FALSE;
    }
  pad = wanted->pdata[0];
  caps = gst_pad_query_caps (pad, NULL);
  if (!gst_caps_can_intersect (caps, needed))
    {
      types = media_types (caps);
      set_device_error (error, role, "its %s pad %s %s, not %s (%s)",
                        direction_name (role->direction),
                        role->direction == GST_PAD_SRC ? "gives" : "takes",
                        *types ? types : "nothing", role->what, role->caps);
      return FALSE;
    }
  if (element)
    *element = end_element (bin, pad);
  ghost = gst_ghost_pad_new (direction_name (role->direction), pad);
  if (!gst_element_add_pad (GST_ELEMENT (bin), ghost))
    {
      set_device_error (error, role, "cannot add its %s pad to the bin",
                        direction_name (role->direction));
      return FALSE;
    }
  return TRUE;
}

GstElement *
rd_media_make_pipeline_device (const char *role_name, const char *description, char **element,
                               GError **error)
{
  const PipelineRole *role = find_role (role_name);
  g_autoptr (GError) local = NULL;
  GstElement *bin;

  g_return_val_if_fail (role != NULL, NULL);
  g_return_val_if_fail (description != NULL, NULL);

  bin = gst_parse_bin_from_description_full (description, FALSE, NULL, GST_PARSE_FLAG_FATAL_ERRORS,
                                             &local);
  if (!bin)
    {
      set_device_error (error, role, "%s", local ? local->message : "cannot be parsed");
      return NULL;
    }
  gst_object_ref_sink (bin);
  if (!ghost_the_pad (GST_BIN (bin), role, element, error))
    {
      gst_object_unref (bin);
      return NULL;
    }
  gst_object_set_name (GST_OBJECT (bin), role->role);
  /* floating again, like an element fresh from a factory, for gst_bin_add */
  g_object_force_floating (G_OBJECT (bin));
  return bin;
}

gboolean
rd_media_check_devices (RdConfig *config, GError **error)
{
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (config != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (pipeline_roles); i++)
    {
      const PipelineRole *role = &pipeline_roles[i];
      RdDeviceSetting s = role->get (config);
      GstElement *bin;

      if (s.kind != RD_DEVICE_PIPELINE)
        continue;
      if (!gst_is_initialized () && !gst_init_check (NULL, NULL, &local))
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                       "cannot initialise GStreamer: %s", local->message);
          return FALSE;
        }
      bin = rd_media_make_pipeline_device (role->role, s.description, NULL, error);
      if (!bin)
        return FALSE;
      gst_object_unref (gst_object_ref_sink (bin));
    }
  return TRUE;
}
