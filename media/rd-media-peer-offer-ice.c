/* rd-media-peer-offer-ice.c: RdPeer as the offerer, its ICE side: ICE servers (the far end's
 * Link headers) for webrtcbin, our candidates up to the owner ("local-candidate",
 * "gathering-done"; trickle), and our current credentials. See rd-media-peer-offer.h. webrtcbin
 * reports candidates and gathering on its threads; they are re-emitted on the main context. */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

#include <string.h>

/* --- ICE servers --- */

/* "HOST[:PORT]" (HOST may be [IPv6]) is well-formed. */
static gboolean
host_port_ok (const char *hp)
{
  const char *colon;

  if (*hp == '[')
    {
      const char *close = strchr (hp, ']');
      if (!close || close == hp + 1)
        return FALSE;
      colon = close[1] == ':' ? close + 1 : NULL;
      if (!colon && close[1] != '\0')
        return FALSE;
    }
  else
    {
      colon = strchr (hp, ':');
      if (colon == hp || *hp == '\0')
        return FALSE;
      for (const char *p = hp; *p && p != colon; p++)
        if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
          return FALSE;
    }
  if (colon)
    {
      guint64 port = 0;
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
        return FALSE;
    }
  return TRUE;
}

gboolean
rd_peer_add_ice_server (RdPeer *peer, const char *url, const char *username, const char *credential,
                        GError **error)
{
  g_autofree char *rest = NULL;
  char *query;
  gboolean turn, turns, ok = FALSE;

  g_return_val_if_fail (RD_IS_PEER (peer), FALSE);
  if (peer->closed || peer->offerer || peer->offer)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "peer %s: ICE servers are added before the offer", peer->id);
      return FALSE;
    }
  turns = url && g_str_has_prefix (url, "turns:");
  turn = url && (turns || g_str_has_prefix (url, "turn:"));
  if (!url || !(turn || g_str_has_prefix (url, "stun:")))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': not a stun:, turn: or turns: URL", url ? url : "(none)");
      return FALSE;
    }
  rest = g_strdup (strchr (url, ':') + 1);
  query = strchr (rest, '?');
  if (query)
    *query++ = '\0';
  if (!host_port_ok (rest) || (query && (!turn || (g_strcmp0 (query, "transport=udp") != 0 &&
                                                   g_strcmp0 (query, "transport=tcp") != 0))))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': expected %s:HOST[:PORT]%s", url,
                   turns  ? "turns"
                   : turn ? "turn"
                          : "stun",
                   turn ? "[?transport=udp|tcp]" : " (no query)");
      return FALSE;
    }
  if (!turn)
    {
      g_autofree char *current = NULL;
      g_object_get (peer->webrtc, "stun-server", &current, NULL);
      if (current)
        {
          /* webrtcbin takes one STUN server; the configured one stays */
          GST_INFO ("peer %s: STUN server %s not used, %s is", peer->id, url, current);
          return TRUE;
        }
      {
        g_autofree char *stun = g_strdup_printf ("stun://%s", rest);
        g_object_set (peer->webrtc, "stun-server", stun, NULL);
      }
      return TRUE;
    }
  if (!username || !*username || !credential || !*credential)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': a TURN server needs a username and a credential", url);
      return FALSE;
    }
  {
    g_autofree char *user = g_uri_escape_string (username, NULL, FALSE);
    g_autofree char *pass = g_uri_escape_string (credential, NULL, FALSE);
    g_autofree char *uri = g_strdup_printf ("%s://%s:%s@%s%s%s", turns ? "turns" : "turn", user,
                                            pass, rest, query ? "?" : "", query ? query : "");
    g_signal_emit_by_name (peer->webrtc, "add-turn-server", uri, &ok);
  }
  if (!ok)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': webrtcbin refused it", url);
      return FALSE;
    }
  return TRUE;
}

/* --- trickle: our candidates, up to the owner --- */

typedef struct
{
  guint mline;
  char *candidate;
} Candidate;

static void
candidate_free (gpointer data)
{
  Candidate *c = data;

  g_free (c->candidate);
  g_free (c);
}

static void
candidate_on_main (RdPeer *peer, gpointer data)
{
  Candidate *c = data;
  const char *value = c->candidate;
  const char *mid = NULL;

  if (g_str_has_prefix (value, "a="))
    value += 2;
  if (!*value || !peer->local_sdp) /* an empty one ends the candidates: gathering-done says it */
    return;
  if (c->mline < gst_sdp_message_medias_len (peer->local_sdp))
    mid = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (peer->local_sdp, c->mline),
                                           "mid");
  g_signal_emit_by_name (peer, "local-candidate", mid ? mid : "0", value);
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  Candidate *c = g_new (Candidate, 1);

  c->mline = mline;
  c->candidate = g_strdup (candidate ? candidate : "");
  rd_peer_run_on_main (user_data, candidate_on_main, c, candidate_free);
}

void
rd_peer_offer_check_gathering (RdPeer *peer)
{
  GstWebRTCICEGatheringState state;

  g_object_get (peer->webrtc, "ice-gathering-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE || peer->gathering_done)
    return;
  peer->gathering_done = TRUE;
  g_signal_emit_by_name (peer, "gathering-done");
}

static void
gathering_on_main (RdPeer *peer, gpointer data)
{
  rd_peer_offer_check_gathering (peer);
}

static void
on_gathering_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  rd_peer_run_on_main (user_data, gathering_on_main, NULL, NULL);
}

void
rd_peer_offer_watch_ice (RdPeer *peer)
{
  peer->webrtc_ids[0] =
      g_signal_connect_data (peer->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate),
                             rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref, 0);
  peer->webrtc_ids[3] = g_signal_connect_data (
      peer->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_gathering_state),
      rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref, 0);
}

/* --- our credentials --- */

static const char *
local_attribute (RdPeer *peer, const char *name)
{
  const char *v = NULL;

  if (!peer->local_sdp)
    return NULL;
  for (guint i = 0; !v && i < gst_sdp_message_medias_len (peer->local_sdp); i++)
    v = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (peer->local_sdp, i), name);
  return v ? v : gst_sdp_message_get_attribute_val (peer->local_sdp, name);
}

const char *
rd_peer_get_local_ufrag (RdPeer *peer)
{
  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  return peer->local_ufrag ? peer->local_ufrag : local_attribute (peer, "ice-ufrag");
}
