/* rd-config-audio.c: the [media] keys of the room's sound processing: echo-cancel,
 * noise-suppression and gain-control. See rd-config.h for the contract, rd-config-private.h for
 * what the files share. */
#include "config/rd-config-private.h"

static const char *const echo_cancel_names[] = { "auto", "on", "off" };
static const char *const noise_suppression_names[] = { "off", "low", "moderate", "high",
                                                       "very-high" };

static gboolean
from_names (const char *const *names, guint n, const char *text, int *value)
{
  for (guint i = 0; text && i < n; i++)
    if (g_str_equal (text, names[i]))
      {
        *value = (int)i;
        return TRUE;
      }
  return FALSE;
}

static const char *
echo_cancel_to_string (RdEchoCancel mode)
{
  g_return_val_if_fail ((guint)mode < G_N_ELEMENTS (echo_cancel_names), "auto");
  return echo_cancel_names[mode];
}

const char *
rd_noise_suppression_to_string (RdNoiseSuppression level)
{
  g_return_val_if_fail ((guint)level < G_N_ELEMENTS (noise_suppression_names), "off");
  return noise_suppression_names[level];
}

gboolean
rd_config_parse_echo_cancel (RdConfig *c, const char *v, char **why)
{
  int value;

  if (!from_names (echo_cancel_names, G_N_ELEMENTS (echo_cancel_names), v, &value))
    return FALSE;
  c->echo_cancel = (RdEchoCancel)value;
  return TRUE;
}

gboolean
rd_config_parse_noise_suppression (RdConfig *c, const char *v, char **why)
{
  int value;

  if (!from_names (noise_suppression_names, G_N_ELEMENTS (noise_suppression_names), v, &value))
    return FALSE;
  c->noise_suppression = (RdNoiseSuppression)value;
  return TRUE;
}

gboolean
rd_config_parse_gain_control (RdConfig *c, const char *v, char **why)
{
  if (g_str_equal (v, "on"))
    c->gain_control = TRUE;
  else if (g_str_equal (v, "off"))
    c->gain_control = FALSE;
  else
    return FALSE;
  return TRUE;
}

gboolean
rd_config_get_echo_cancel_active (const RdConfig *c)
{
  if (c->echo_cancel == RD_ECHO_CANCEL_AUTO)
    return c->speakers.kind != RD_DEVICE_NONE;
  return c->echo_cancel == RD_ECHO_CANCEL_ON;
}

RdNoiseSuppression
rd_config_get_noise_suppression (const RdConfig *c)
{
  return c->noise_suppression;
}

gboolean
rd_config_get_gain_control (const RdConfig *c)
{
  return c->gain_control;
}

const char *
rd_config_audio_value_text (const RdConfig *c, const char *key)
{
  if (g_str_equal (key, "echo-cancel"))
    return echo_cancel_to_string (c->echo_cancel);
  if (g_str_equal (key, "noise-suppression"))
    return rd_noise_suppression_to_string (c->noise_suppression);
  if (g_str_equal (key, "gain-control"))
    return c->gain_control ? "on" : "off";
  return NULL;
}
