/* rd-media-peer-handle.c: a peer's RdPeerHandle (a weak reference that webrtcbin's callbacks hold)
 * and rd_peer_run_on_main(), how work from webrtcbin's threads reaches the main context. See
 * rd-media-peer-private.h. */
#include "media/rd-media-peer-private.h"

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

/* Runs @func on the main context unless the peer is gone or closed by then. Any thread. */
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
  g_main_context_invoke_full (peer->context, G_PRIORITY_DEFAULT, call_run, call, call_free);
}
