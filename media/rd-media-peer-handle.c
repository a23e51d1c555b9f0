/* rd-media-peer-handle.c: RdPeerHandle, rd_peer_run_on_main() and webrtcbin promises: how work
 * from webrtcbin's threads reaches a peer's main context. See rd-media-peer-private.h. */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

RdPeerHandle *
rd_peer_handle_new (RdPeer *peer)
{
  RdPeerHandle *h = g_new0 (RdPeerHandle, 1);

  g_atomic_ref_count_init (&h->rc);
  g_weak_ref_init (&h->peer, peer);
  return h;
}

RdPeerHandle *
rd_peer_handle_ref (RdPeerHandle *h)
{
  g_atomic_ref_count_inc (&h->rc);
  return h;
}

void
rd_peer_handle_unref (gpointer data)
{
  RdPeerHandle *h = data;

  if (g_atomic_ref_count_dec (&h->rc))
    {
      g_weak_ref_clear (&h->peer);
      g_free (h);
    }
}

void
rd_peer_handle_closure_unref (gpointer data, GClosure *closure)
{
  rd_peer_handle_unref (data);
}

typedef struct
{
  RdPeer *peer;
  RdPeerFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Call;

static gboolean
call_run (gpointer user_data)
{
  Call *call = user_data;

  if (!call->peer->closed)
    call->func (call->peer, call->data);
  return G_SOURCE_REMOVE;
}

static void
call_free (gpointer user_data)
{
  Call *call = user_data;

  if (call->destroy)
    call->destroy (call->data);
  g_object_unref (call->peer);
  g_free (call);
}

void
rd_peer_run_on_main (RdPeerHandle *h, RdPeerFunc func, gpointer data, GDestroyNotify destroy)
{
  RdPeer *peer = g_weak_ref_get (&h->peer);
  Call *call;

  if (!peer)
    {
      if (destroy)
        destroy (data);
      return;
    }
  call = g_new (Call, 1);
  call->peer = peer;
  call->func = func;
  call->data = data;
  call->destroy = destroy;
  /* Always through a source, never g_main_context_invoke(): that runs the function at once on
   * the calling thread whenever it can acquire the context, which a streaming thread can when
   * the main thread is busy outside the loop (a test between its waits, a close waiting for
   * its holds to drain): the peer's main-context code then ran on a streaming thread, beside
   * the main thread (seen: a hold released twice, a mixer pad freed under the mixer). */
  {
    g_autoptr (GSource) source = g_idle_source_new ();

    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, call_run, call, call_free);
    g_source_attach (source, peer->context);
  }
}

/* --- promises --- */

typedef struct
{
  RdPeerHandle *handle;
  RdPeerFunc func;
} PromiseStep;

static void
promise_step_free (gpointer data)
{
  PromiseStep *st = data;

  rd_peer_handle_unref (st->handle);
  g_free (st);
}

static void
promise_changed (GstPromise *promise, gpointer user_data)
{
  PromiseStep *st = user_data;

  rd_peer_run_on_main (st->handle, st->func, gst_promise_ref (promise),
                       (GDestroyNotify)gst_promise_unref);
}

GstPromise *
rd_peer_promise_to (RdPeer *peer, RdPeerFunc func)
{
  PromiseStep *st = g_new (PromiseStep, 1);

  st->handle = rd_peer_handle_ref (peer->handle);
  st->func = func;
  return gst_promise_new_with_change_func (promise_changed, st, promise_step_free);
}

const GstStructure *
rd_peer_promise_reply (GstPromise *promise, const char *what, GError **error)
{
  const GstStructure *reply = NULL;
  g_autoptr (GError) werr = NULL;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED)
    reply = gst_promise_get_reply (promise);
  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED &&
      !(reply && gst_structure_has_field (reply, "error")))
    return reply;
  if (reply)
    gst_structure_get (reply, "error", G_TYPE_ERROR, &werr, NULL);
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER, "%s: %s", what,
               werr ? werr->message : "no reply from webrtcbin");
  return NULL;
}
