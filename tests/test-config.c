/* test-config.c: the configuration file, its defaults and every kind of error. */
#include <glib/gstdio.h>
#include <string.h>

#include "config/rd-config.h"
#include "config/rd-config-error.h"

static RdConfig *
load (const char *text, GError **error)
{
  return rd_config_load_data (text, "test.conf", error);
}

static void
test_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) c = load ("", &error);
  g_autoptr (RdConfig) embedded = rd_config_new_default ();

  g_assert_no_error (error);
  g_assert_cmpstr (rd_config_get_room_name (c), ==, "Reception room");
  g_assert_cmpint (rd_config_get_camera (c).kind, ==, RD_DEVICE_TEST);
  g_assert_cmpint (rd_config_get_microphone (c).kind, ==, RD_DEVICE_TEST);
  g_assert_cmpint (rd_config_get_display (c).kind, ==, RD_DEVICE_NONE);
  g_assert_cmpint (rd_config_get_speakers (c).kind, ==, RD_DEVICE_NONE);
  g_assert_cmpint (rd_config_get_video_codec (c), ==, RD_VIDEO_CODEC_VP8);
  g_assert_cmpstr (rd_config_get_listen_host (c), ==, "127.0.0.1");
  g_assert_cmpuint (rd_config_get_listen_port (c), ==, 8443);
  g_assert_cmpuint (g_strv_length ((GStrv)rd_config_get_ice_addresses (c)), ==, 0);
  g_assert_null (rd_config_get_stun_server (c));
  g_assert_null (rd_config_get_turn_server (c));
  g_assert_false (rd_config_get_force_relay (c));
  g_assert_cmpuint (rd_config_get_max_connections (c), ==, 256);
  g_assert_cmpuint (rd_config_get_max_connections_per_address (c), ==, 32);
  g_assert_cmpstr (rd_config_get_state_dir (c), ==, "/var/lib/receptiond");
  g_assert_cmpstr (rd_config_get_control_socket (c), ==, "/run/receptiond/control.sock");
  g_assert_cmpuint (rd_config_get_segment_seconds (c), ==, 300);
  g_assert_cmpuint (rd_config_get_min_free_mb (c), ==, 1024);
  g_assert_cmpuint (rd_config_get_warn_free_mb (c), ==, 4096);
  g_assert_cmpuint (rd_config_get_stop_free_mb (c), ==, 256);
  g_assert_cmpuint (rd_config_get_reconnect_seconds (c), ==, 120);
  g_assert_cmpuint (rd_config_get_max_parties (c), ==, 12);
  g_assert_cmpuint (rd_config_get_max_parties (embedded), ==, 12);
  g_assert_cmpuint (rd_config_get_segment_seconds (embedded), ==, 300);
  g_assert_cmpuint (rd_config_get_min_free_mb (embedded), ==, 1024);

  /* The embedded default keeps its state in the user's state dir, its socket inside it. */
  g_assert_true (g_str_has_suffix (rd_config_get_state_dir (embedded), "/receptiond") ||
                 g_str_has_suffix (rd_config_get_state_dir (embedded), "/var"));
  g_assert_true (g_str_has_prefix (rd_config_get_control_socket (embedded),
                                   rd_config_get_state_dir (embedded)));
  g_assert_cmpstr (rd_config_get_origin (embedded), ==, "(embedded default)");
}

static void
test_every_key (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) c = load ("[room]\nname=Phòng tiếp công dân phường Bến Nghé\n"
                                 "[media]\ncamera=/dev/video2\nmicrophone=hw:1,0\n"
                                 "display=kmssink\nspeakers=auto\nvideo-codec=h264\n"
                                 "[network]\nlisten=[::1]:0\nice-addresses=10.0.0.5, ::1\n"
                                 "stun-server=stun://stun.example.org:3478\n"
                                 "turn-server=turns://u:p@turn.example.org:5349\n"
                                 "force-relay=true\n"
                                 "certificate=/etc/ssl/c.pem\nprivate-key=/etc/ssl/k.pem\n"
                                 "max-connections=5\nmax-connections-per-address=5\n"
                                 "max-parties=3\n"
                                 "[control]\nsocket=/tmp/x.sock\ngroup=receptiond\n"
                                 "technicians=users\nofficers=staff\nsupervisors=adm\n"
                                 "[recording]\nsegment-seconds=3600\n"
                                 "[storage]\nstate-dir=/srv/reception\nmin-free-mb=10\n"
                                 "warn-free-mb=10\nstop-free-mb=9\n"
                                 "[links]\nreconnect-seconds=10\n",
                                 &error);
  const char *const *ice;

  g_assert_no_error (error);
  g_assert_cmpstr (rd_config_get_room_name (c), ==, "Phòng tiếp công dân phường Bến Nghé");
  g_assert_cmpint (rd_config_get_camera (c).kind, ==, RD_DEVICE_NAMED);
  g_assert_cmpstr (rd_config_get_camera (c).name, ==, "/dev/video2");
  g_assert_cmpstr (rd_config_get_microphone (c).name, ==, "hw:1,0");
  g_assert_cmpstr (rd_config_get_display (c).name, ==, "kmssink");
  g_assert_cmpint (rd_config_get_speakers (c).kind, ==, RD_DEVICE_AUTO);
  g_assert_cmpint (rd_config_get_video_codec (c), ==, RD_VIDEO_CODEC_H264);
  g_assert_cmpstr (rd_config_get_listen_host (c), ==, "::1");
  g_assert_cmpuint (rd_config_get_listen_port (c), ==, 0);
  ice = rd_config_get_ice_addresses (c);
  g_assert_cmpuint (g_strv_length ((GStrv)ice), ==, 2);
  g_assert_cmpstr (ice[0], ==, "10.0.0.5");
  g_assert_cmpstr (ice[1], ==, "::1");
  g_assert_cmpstr (rd_config_get_stun_server (c), ==, "stun://stun.example.org:3478");
  g_assert_cmpstr (rd_config_get_turn_server (c), ==, "turns://u:p@turn.example.org:5349");
  g_assert_true (rd_config_get_force_relay (c));
  g_assert_cmpstr (rd_config_get_tls_certificate (c), ==, "/etc/ssl/c.pem");
  g_assert_cmpstr (rd_config_get_tls_private_key (c), ==, "/etc/ssl/k.pem");
  g_assert_cmpuint (rd_config_get_max_connections (c), ==, 5);
  g_assert_cmpuint (rd_config_get_max_connections_per_address (c), ==, 5); /* equal is fine */
  g_assert_cmpuint (rd_config_get_max_parties (c), ==, 3);
  g_assert_cmpstr (rd_config_get_control_socket (c), ==, "/tmp/x.sock");
  g_assert_cmpstr (rd_config_get_control_group (c), ==, "receptiond");
  g_assert_cmpstr (rd_config_get_control_role_group (c, RD_CONFIG_ROLE_TECHNICIANS), ==, "users");
  g_assert_cmpstr (rd_config_get_control_role_group (c, RD_CONFIG_ROLE_OFFICERS), ==, "staff");
  g_assert_cmpstr (rd_config_get_control_role_group (c, RD_CONFIG_ROLE_SUPERVISORS), ==, "adm");
  g_assert_cmpstr (rd_config_get_state_dir (c), ==, "/srv/reception");
  g_assert_cmpuint (rd_config_get_segment_seconds (c), ==, 3600);
  g_assert_cmpuint (rd_config_get_min_free_mb (c), ==, 10);
  g_assert_cmpuint (rd_config_get_warn_free_mb (c), ==, 10); /* min <= warn: equal is fine */
  g_assert_cmpuint (rd_config_get_stop_free_mb (c), ==, 9);
  g_assert_cmpuint (rd_config_get_reconnect_seconds (c), ==, 10);
}

/* Each bad input, and the words its error must contain. */
static const struct
{
  const char *text;
  int code;
  const char *const must_say[4];
} bad[] = {
  { "[room\nname=x\n", RD_CONFIG_ERROR_SYNTAX, { "test.conf", "not a valid INI file" } },
  { "[rooms]\nname=x\n", RD_CONFIG_ERROR_UNKNOWN, { "test.conf", "unknown group [rooms]" } },
  { "[room]\ncolour=blue\n", RD_CONFIG_ERROR_UNKNOWN, { "[room] colour", "unknown key" } },
  { "[room]\nname=\n", RD_CONFIG_ERROR_INVALID, { "[room] name", "non-empty" } },
  { "[room]\nname=Phong\\ttiep\n",
    RD_CONFIG_ERROR_INVALID,
    { "[room] name", "control character" } },
  /* GKeyFile would keep the last one, or skip a localized one, without a word */
  { "[room]\nname=A\n[network]\nlisten=127.0.0.1:0\n[room]\n name = B\n",
    RD_CONFIG_ERROR_SYNTAX,
    { "test.conf", "line 6", "[room] name is given a second time (first on line 2)" } },
  { "[room]\nname=A\nname[vi]=Phong tiep cong dan\n",
    RD_CONFIG_ERROR_SYNTAX,
    { "line 3", "[room] name[vi]", "localized keys are not supported" } },
  { "[network]\nstun-server=stun://stun.example.org:0\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] stun-server", "port 0" } },
  { "[media]\ncamera=webcam\n",
    RD_CONFIG_ERROR_INVALID,
    { "[media] camera", "'webcam'",
      "test, auto, a device path such as /dev/video0 or pipeline:" } },
  { "[media]\ncamera=none\n", RD_CONFIG_ERROR_INVALID, { "[media] camera", "'none'" } },
  { "[media]\ndisplay=test\n",
    RD_CONFIG_ERROR_INVALID,
    { "[media] display", "none, auto, a GStreamer video sink" } },
  { "[media]\nspeakers=\n", RD_CONFIG_ERROR_INVALID, { "[media] speakers", "none, auto" } },
  { "[media]\nmicrophone=a b\n", RD_CONFIG_ERROR_INVALID, { "[media] microphone" } },
  /* only the prefix and that something follows it: the description is media/'s to check */
  { "[media]\nspeakers=pipeline: \n",
    RD_CONFIG_ERROR_INVALID,
    { "[media] speakers", "needs a GStreamer pipeline description" } },
  { "[media]\ncamera=pipeline:\n",
    RD_CONFIG_ERROR_INVALID,
    { "[media] camera", "needs a GStreamer pipeline description" } },
  { "[media]\ndisplay=Pipeline: fakesink\n", RD_CONFIG_ERROR_INVALID, { "[media] display" } },
  { "[media]\nvideo-codec=H265\n",
    RD_CONFIG_ERROR_INVALID,
    { "[media] video-codec", "'H265'", "vp8 or h264" } },
  { "[network]\nlisten=8443\n", RD_CONFIG_ERROR_INVALID, { "[network] listen", "HOST:PORT" } },
  { "[network]\nlisten=localhost:8443\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] listen", "'localhost' is not an IP address" } },
  { "[network]\nlisten=127.0.0.1:70000\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] listen", "'70000' is not a port number" } },
  { "[network]\nice-addresses=10.0.0.1,eth0\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] ice-addresses", "'eth0' is not an IP address" } },
  { "[network]\nstun-server=stun.example.org\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] stun-server", "stun://HOST" } },
  { "[network]\nturn-server=turn://turn.example.org\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] turn-server", "user name and a password" } },
  { "[network]\nturn-server=turn://u:@turn.example.org\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] turn-server", "user name and a password" } },
  { "[network]\nturn-server=turn://:p@turn.example.org\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] turn-server", "user name and a password" } },
  { "[network]\nforce-relay=yes\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] force-relay", "'yes'", "true or false" } },
  /* Relay only, and no relay: nothing could ever connect. */
  { "[network]\nforce-relay=true\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] force-relay", "needs a turn-server" } },
  { "[network]\ncertificate=/c.pem\n",
    RD_CONFIG_ERROR_INVALID,
    { "certificate and private-key", "both or neither" } },
  { "[network]\nprivate-key=key.pem\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] private-key", "absolute path" } },
  { "[network]\nmax-connections=0\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] max-connections", "'0'", "from 1 to 10000" } },
  { "[network]\nmax-connections-per-address=10001\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] max-connections-per-address", "'10001'" } },
  { "[network]\nmax-connections=8\nmax-connections-per-address=9\n",
    RD_CONFIG_ERROR_INVALID,
    { "max-connections-per-address (9)", "at most max-connections (8)" } },
  { "[network]\nmax-parties=0\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] max-parties", "'0'", "from 1 to 100" } },
  { "[network]\nmax-parties=101\n",
    RD_CONFIG_ERROR_INVALID,
    { "[network] max-parties", "'101'", "whole number of parties" } },
  { "[network]\nmax-parties=twelve\n", RD_CONFIG_ERROR_INVALID, { "[network] max-parties" } },
  { "[control]\nsocket=control.sock\n",
    RD_CONFIG_ERROR_INVALID,
    { "[control] socket", "absolute path of at most 107 bytes" } },
  { "[control]\ngroup=bad group\n", RD_CONFIG_ERROR_INVALID, { "[control] group" } },
  { "[control]\nsupervisors=chief officers\n",
    RD_CONFIG_ERROR_INVALID,
    { "[control] supervisors", "'chief officers'", "existing group name" } },
  { "[control]\ntechnicians=-users\n",
    RD_CONFIG_ERROR_INVALID,
    { "[control] technicians", "does not start with '-'" } },
  { "[control]\nofficers=a;b\n", RD_CONFIG_ERROR_INVALID, { "[control] officers" } },
  { "[storage]\nstate-dir=var\n",
    RD_CONFIG_ERROR_INVALID,
    { "[storage] state-dir", "absolute directory path" } },
  { "[recording]\nsegment-seconds=9\n",
    RD_CONFIG_ERROR_INVALID,
    { "[recording] segment-seconds", "'9'", "from 10 to 3600" } },
  { "[recording]\nsegment-seconds=3601\n",
    RD_CONFIG_ERROR_INVALID,
    { "[recording] segment-seconds", "'3601'" } },
  { "[recording]\nsegment-seconds=5m\n",
    RD_CONFIG_ERROR_INVALID,
    { "[recording] segment-seconds", "'5m'", "whole number of seconds" } },
  { "[recording]\nsegments=3\n", RD_CONFIG_ERROR_UNKNOWN, { "[recording] segments" } },
  { "[links]\nreconnect-seconds=9\n",
    RD_CONFIG_ERROR_INVALID,
    { "[links] reconnect-seconds", "'9'", "from 10 to 3600" } },
  { "[links]\nreconnect-seconds=3601\n",
    RD_CONFIG_ERROR_INVALID,
    { "[links] reconnect-seconds", "'3601'" } },
  { "[links]\nreconnect=60\n", RD_CONFIG_ERROR_UNKNOWN, { "[links] reconnect", "unknown key" } },
  { "[storage]\nmin-free-mb=-1\n",
    RD_CONFIG_ERROR_INVALID,
    { "[storage] min-free-mb", "'-1'", "megabytes" } },
  { "[storage]\nwarn-free-mb=0\n", RD_CONFIG_ERROR_INVALID, { "[storage] warn-free-mb", "'0'" } },
  { "[storage]\nstop-free-mb=1.5\n",
    RD_CONFIG_ERROR_INVALID,
    { "[storage] stop-free-mb", "'1.5'" } },
  /* The order stop < min <= warn, with the defaults of the keys not given. */
  { "[storage]\nstop-free-mb=1024\n",
    RD_CONFIG_ERROR_INVALID,
    { "stop-free-mb (1024) must be below min-free-mb (1024)", "warn-free-mb (4096)" } },
  { "[storage]\nmin-free-mb=5000\n",
    RD_CONFIG_ERROR_INVALID,
    { "min-free-mb (5000)", "at most warn-free-mb (4096)" } },
  { "[storage]\nwarn-free-mb=100\nmin-free-mb=200\nstop-free-mb=50\n",
    RD_CONFIG_ERROR_INVALID,
    { "[storage]", "min-free-mb (200)", "warn-free-mb (100)" } },
};

static void
test_bad_values (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (RdConfig) c = load (bad[i].text, &error);

      g_test_message ("input: %s -> %s", bad[i].text, error ? error->message : "(accepted)");
      g_assert_null (c);
      g_assert_error (error, RD_CONFIG_ERROR, bad[i].code);
      for (gsize j = 0; bad[i].must_say[j]; j++)
        g_assert_nonnull (strstr (error->message, bad[i].must_say[j]));
    }
}

static void
test_long_socket_path (void)
{
  g_autofree char *name = g_strnfill (120, 'a');
  g_autofree char *text = g_strdup_printf ("[control]\nsocket=/%s\n", name);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) c = load (text, &error);

  g_test_message ("%s", error ? error->message : "(accepted)");
  g_assert_null (c);
  g_assert_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "[control] socket"));
  g_assert_nonnull (strstr (error->message, "at most 107 bytes"));
}

static void
test_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("rd-config-XXXXXX", NULL);
  g_autofree char *good = g_build_filename (dir, "good.conf", NULL);
  g_autofree char *latin = g_build_filename (dir, "latin1.conf", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) c = NULL;

  g_assert_true (g_file_set_contents (good, "# comment\n[room]\nname=Room 2\n", -1, NULL));
  c = rd_config_load_file (good, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rd_config_get_origin (c), ==, good);
  g_assert_cmpstr (rd_config_get_room_name (c), ==, "Room 2");

  g_assert_null (rd_config_load_file (missing, &error));
  g_assert_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_null (rd_config_load_file (dir, &error)); /* a directory */
  g_assert_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_READ);
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (latin, "[room]\nname=Ph\xf2ng\n", -1, NULL));
  g_assert_null (rd_config_load_file (latin, &error));
  g_assert_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "UTF-8"));

  g_unlink (good);
  g_unlink (latin);
  g_rmdir (dir);
}

static void
test_round_trip_and_diff (void)
{
  g_autoptr (RdConfig) a = load ("[room]\nname=A\n[network]\nlisten=127.0.0.1:1\n", NULL);
  g_autoptr (RdConfig) b = load ("[room]\nname=B\n[network]\nlisten=127.0.0.1:2\n"
                                 "[recording]\nsegment-seconds=60\n",
                                 NULL);
  g_autofree char *text = rd_config_to_data (a);
  g_autoptr (RdConfig) again = load (text, NULL);
  g_auto (GStrv) none = rd_config_diff (a, again);
  g_auto (GStrv) changed = rd_config_diff (a, b);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_nonnull (again);
  g_assert_cmpuint (g_strv_length (none), ==, 0);
  g_assert_cmpuint (g_strv_length (changed), ==, 3);
  g_assert_cmpstr (changed[0], ==, "room.name");
  g_assert_cmpstr (changed[1], ==, "recording.segment-seconds");
  g_assert_cmpstr (changed[2], ==, "network.listen");
  g_assert_true (rd_config_key_is_reloadable ("room.name"));
  g_assert_false (rd_config_key_is_reloadable ("network.listen"));
  g_assert_false (rd_config_key_is_reloadable ("no.such"));
  g_assert_true (rd_config_key_is_reloadable ("recording.segment-seconds"));
  g_assert_true (rd_config_key_is_reloadable ("storage.min-free-mb"));
  g_assert_false (rd_config_key_is_reloadable ("storage.state-dir"));
}

/* pipeline: on every device key: kept as written, the description after the prefix; never
 * parsed here (an element that does not exist is media/'s to refuse). */
static void
test_pipeline_devices (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) c = load ("[media]\ncamera=pipeline:  v4l2src device=/dev/video4 ! "
                                 "jpegdec\nmicrophone=pipeline:alsasrc device=hw:CARD=Phone\n"
                                 "display=pipeline:nosuchsink\nspeakers=pipeline:fakesink\n",
                                 &error);
  g_autofree char *text = NULL;
  g_autoptr (RdConfig) again = NULL;
  g_auto (GStrv) differ = NULL;
  RdDeviceSetting camera;

  g_assert_no_error (error);
  camera = rd_config_get_camera (c);
  g_assert_cmpint (camera.kind, ==, RD_DEVICE_PIPELINE);
  g_assert_cmpstr (camera.name, ==, "pipeline:  v4l2src device=/dev/video4 ! jpegdec");
  g_assert_cmpstr (camera.description, ==, "v4l2src device=/dev/video4 ! jpegdec");
  g_assert_cmpint (rd_config_get_microphone (c).kind, ==, RD_DEVICE_PIPELINE);
  g_assert_cmpstr (rd_config_get_microphone (c).description, ==, "alsasrc device=hw:CARD=Phone");
  g_assert_cmpint (rd_config_get_display (c).kind, ==, RD_DEVICE_PIPELINE);
  g_assert_cmpstr (rd_config_get_display (c).description, ==, "nosuchsink");
  g_assert_cmpint (rd_config_get_speakers (c).kind, ==, RD_DEVICE_PIPELINE);
  g_assert_cmpstr (rd_config_get_speakers (c).description, ==, "fakesink");
  g_assert_null (rd_config_get_camera (load ("", NULL)).description);

  /* --check-config prints the value as written, and reads back the same */
  text = rd_config_to_data (c);
  g_assert_nonnull (strstr (text, "\ncamera=pipeline:  v4l2src device=/dev/video4 ! jpegdec\n"));
  g_assert_nonnull (strstr (text, "\nspeakers=pipeline:fakesink\n"));
  again = load (text, &error);
  g_assert_no_error (error);
  differ = rd_config_diff (c, again);
  g_assert_cmpuint (g_strv_length (differ), ==, 0);
  g_assert_cmpstr (rd_config_get_camera (again).description, ==,
                   "v4l2src device=/dev/video4 ! jpegdec");
}

static void
test_example_file (void)
{
  g_autofree char *path =
      g_build_filename (g_getenv ("RD_TEST_SRCDIR"), "config", "receptiond.conf.example", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) c = rd_config_load_file (path, &error);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *example = NULL;
  g_autoptr (RdConfig) empty = load ("", NULL);
  g_auto (GStrv) differ = NULL;
  g_autofree char *differ_text = NULL;

  /* The annotated example in the repository must be a valid configuration that sets every key
   * receptiond knows (a line KEY=VALUE, not a mention in a comment), and behaves, as its header
   * says, like an empty file. */
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &example, NULL, NULL));
  differ = rd_config_diff (c, empty);
  differ_text = g_strjoinv (", ", differ);
  g_assert_cmpstr (differ_text, ==, "");
  text = rd_config_to_data (c);
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_autofree char *key = NULL;
      const char *eq = strchr (*l, '=');
      if (!eq)
        continue;
      key = g_strdup_printf ("\n%.*s", (int)(eq - *l + 1), *l); /* "KEY=" as a line of its own */
      g_test_message ("key %s", key + 1);
      g_assert_nonnull (strstr (example, key));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/every-key", test_every_key);
  g_test_add_func ("/config/bad-values", test_bad_values);
  g_test_add_func ("/config/long-socket-path", test_long_socket_path);
  g_test_add_func ("/config/files", test_files);
  g_test_add_func ("/config/round-trip-and-diff", test_round_trip_and_diff);
  g_test_add_func ("/config/example-file", test_example_file);
  g_test_add_func ("/config/pipeline-devices", test_pipeline_devices);
  return g_test_run ();
}
