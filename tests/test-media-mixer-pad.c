/* test-media-mixer-pad.c: rd_room_release_mixer_pad() (rd-media-room-private.h), what takes a
 * party's pad out of a mix, against a live audiomixer that goes on mixing while pads come and
 * go, as parties join and leave a conference: the mixer keeps mixing, every pad released while
 * it mixes is let go (by the mixer's thread) and none is left over, and a stopped mixer lets a
 * pad go at once. GStreamer 1.22's audiomixer mixes a pad released during a mix after it is
 * freed; that race is narrow (seen in 1 of 16 runs of test-media-peer under load, the main
 * thread releasing the pad that the mixer's thread was casting): this test runs thousands of
 * releases during mixes but does not make the race happen on demand (RD_TEST_PLAIN_RELEASE=1
 * releases plainly, for trying). No network. */
#include "media/rd-media-room-private.h"
#include "tests/rd-test-wait.h"

#include <gst/gst.h>

/* pads alive at a time beside the mixer's own live input, and how long pads come and go */
#define INPUTS    6
#define CHURN_US  (3 * G_TIME_SPAN_SECOND)
#define MIN_TURNS 200
/* a pad goes once this many of its 1 ms buffers arrived: some are in the mix by then */
#define MIXING_BUFFERS 3

typedef struct
{
  GstElement *src, *queue;
  GstPad *pad;  /* the mixer's, owned */
  gint arrived; /* buffers that reached it, under arrived_lock */
} Input;

static gint64 mixed; /* atomic: buffers out of the mixer */

static GstPadProbeReturn
count (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  __atomic_add_fetch (&mixed, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

static GMutex arrived_lock;
static GCond arrived_cond; /* an input has its MIXING_BUFFERS */

static GstPadProbeReturn
count_arrived (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Input *in = user_data;

  g_mutex_lock (&arrived_lock);
  if (++in->arrived == MIXING_BUFFERS)
    g_cond_broadcast (&arrived_cond);
  g_mutex_unlock (&arrived_lock);
  return GST_PAD_PROBE_OK;
}

/* A live tone in small buffers (many mixes a second) into a new pad of @mixer, playing. */
static Input *
input_new (GstBin *pipeline, GstElement *mixer)
{
  Input *in = g_new0 (Input, 1);
  g_autoptr (GstPad) q_src = NULL;

  in->src = gst_element_factory_make ("audiotestsrc", NULL);
  in->queue = gst_element_factory_make ("queue", NULL);
  g_object_set (in->src, "is-live", TRUE, "samplesperbuffer", 48, NULL);
  g_object_set (in->queue, "leaky", 2 /* downstream */, NULL);
  gst_bin_add_many (pipeline, in->src, in->queue, NULL);
  g_assert_true (gst_element_link (in->src, in->queue));
  in->pad = gst_element_request_pad_simple (mixer, "sink_%u");
  g_assert_nonnull (in->pad);
  q_src = gst_element_get_static_pad (in->queue, "src");
  g_assert_cmpint (gst_pad_link (q_src, in->pad), ==, GST_PAD_LINK_OK);
  gst_pad_add_probe (in->pad, GST_PAD_PROBE_TYPE_BUFFER, count_arrived, in, NULL);
  gst_element_sync_state_with_parent (in->queue);
  gst_element_sync_state_with_parent (in->src);
  return in;
}

/* As rd-media-room-mix.c takes a branch down: the mixer's pad first, then what fed it. */
static void
input_free (GstBin *pipeline, GstElement *mixer, Input *in)
{
  if (g_getenv ("RD_TEST_PLAIN_RELEASE"))
    {
      gst_element_release_request_pad (mixer, in->pad);
      gst_object_unref (in->pad);
    }
  else
    rd_room_release_mixer_pad (mixer, in->pad);
  gst_element_set_locked_state (in->src, TRUE);
  gst_element_set_locked_state (in->queue, TRUE);
  gst_element_set_state (in->src, GST_STATE_NULL);
  gst_element_set_state (in->queue, GST_STATE_NULL);
  gst_bin_remove_many (pipeline, in->src, in->queue, NULL);
  g_free (in);
}

static guint
sink_pads (GstElement *mixer)
{
  guint n;

  GST_OBJECT_LOCK (mixer);
  n = mixer->numsinkpads;
  GST_OBJECT_UNLOCK (mixer);
  return n;
}

static void
test_pads_go_while_mixing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (
      "audiotestsrc is-live=true wave=silence samplesperbuffer=480 ! audiomixer name=mix "
      "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! fakesink name=out sync=true",
      &error);
  g_autoptr (GstElement) mixer = NULL;
  g_autoptr (GstElement) out = NULL;
  g_autoptr (GstPad) out_sink = NULL;
  Input *inputs[INPUTS] = { 0 };
  guint turns = 0;
  gint64 end, before;

  g_assert_no_error (error);
  mixer = gst_bin_get_by_name (GST_BIN (pipeline), "mix");
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  out_sink = gst_element_get_static_pad (out, "sink");
  gst_pad_add_probe (out_sink, GST_PAD_PROBE_TYPE_BUFFER, count, NULL, NULL);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  WAIT_FOR (__atomic_load_n (&mixed, __ATOMIC_RELAXED) >= 10, 10, "%" G_GINT64_FORMAT " mixed",
            __atomic_load_n (&mixed, __ATOMIC_RELAXED));
  for (guint i = 0; i < INPUTS; i++)
    inputs[i] = input_new (GST_BIN (pipeline), mixer);
  end = g_get_monotonic_time () + CHURN_US;
  /* each pad goes once it has buffers being mixed */
  for (;;)
    {
      guint i = turns % INPUTS;
      gboolean ready;

      g_mutex_lock (&arrived_lock);
      while (inputs[i]->arrived < MIXING_BUFFERS &&
             g_cond_wait_until (&arrived_cond, &arrived_lock, end))
        ;
      ready = inputs[i]->arrived >= MIXING_BUFFERS && g_get_monotonic_time () < end;
      g_mutex_unlock (&arrived_lock);
      if (!ready)
        break;
      turns++;
      input_free (GST_BIN (pipeline), mixer, inputs[i]);
      inputs[i] = input_new (GST_BIN (pipeline), mixer);
    }
  g_test_message ("%u pads released while mixing", turns);
  g_assert_cmpuint (turns, >=, MIN_TURNS);
  /* the mixer went on mixing, and lets every released pad go (none left over, none lost) */
  before = __atomic_load_n (&mixed, __ATOMIC_RELAXED);
  WAIT_FOR (__atomic_load_n (&mixed, __ATOMIC_RELAXED) >= before + 10 &&
                sink_pads (mixer) == 1 + INPUTS,
            10, "%" G_GINT64_FORMAT " more mixed, %u sink pads",
            __atomic_load_n (&mixed, __ATOMIC_RELAXED) - before, sink_pads (mixer));
  for (guint i = 0; i < INPUTS; i++)
    input_free (GST_BIN (pipeline), mixer, inputs[i]);
  WAIT_FOR (sink_pads (mixer) == 1, 10, "%u sink pads", sink_pads (mixer));
  /* a stopped mixer lets a pad go at once */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  inputs[0] = input_new (GST_BIN (pipeline), mixer);
  g_assert_cmpuint (sink_pads (mixer), ==, 2);
  input_free (GST_BIN (pipeline), mixer, inputs[0]);
  g_assert_cmpuint (sink_pads (mixer), ==, 1);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  /* the media module's debug category (GST_DEBUG=receptiond-media:5 shows each deferred pad) */
  g_type_class_unref (g_type_class_ref (RD_TYPE_ROOM));
  g_test_add_func ("/media/mixer-pad/pads-go-while-mixing", test_pads_go_while_mixing);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
