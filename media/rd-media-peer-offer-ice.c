/* rd-media-peer-offer-ice.c: the offerer's ICE side: ICE servers (the far end's Link headers,
 * RFC 9725 4.6) for webrtcbin, our candidates up to the owner ("local-candidate",
 * "gathering-done"; trickle, RFC 9725 4.3), our current credentials, and the ICE restart in
 * two steps (on RdPeerIce). See rd-media-peer-offer.h. webrtcbin reports candidates and
 * gathering on its threads; they are re-emitted on the main context. */
#include "media/rd-media-peer-offerer-private.h"
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

/* A STUN server at @host_port, unless webrtcbin has one: it takes one, and the configured one
 * stays. */
static void
add_stun (RdPeer *peer, const char *url, const char *host_port)
{
  g_autofree char *current = NULL;
  g_autofree char *stun = NULL;

  g_object_get (peer->webrtc, "stun-server", &current, NULL);
  if (current)
    {
      GST_INFO ("peer %s: STUN server %s not used, %s is", peer->id, url, current);
      return;
    }
  stun = g_strdup_printf ("stun://%s", host_port);
  g_object_set (peer->webrtc, "stun-server", stun, NULL);
}

/* A TURN server at @host_port (@query: NULL or transport=udp|tcp) with its credentials. */
static gboolean
add_turn (RdPeer *peer, const char *url, gboolean turns, const char *host_port, const char *query,
          const char *username, const char *credential, GError **error)
{
  g_autofree char *user = NULL;
  g_autofree char *pass = NULL;
  g_autofree char *uri = NULL;
  gboolean ok = FALSE;

  if (!username || !*username || !credential || !*credential)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': a TURN server needs a username and a credential", url);
      return FALSE;
    }
  user = g_uri_escape_string (username, NULL, FALSE);
  pass = g_uri_escape_string (credential, NULL, FALSE);
  uri = g_strdup_printf ("%s://%s:%s@%s%s%s", turns ? "turns" : "turn", user, pass, host_port,
                         query ? "?" : "", query ? query : "");
  g_signal_emit_by_name (peer->webrtc, "add-turn-server", uri, &ok);
  if (!ok)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': webrtcbin refused it", url);
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
  gboolean turn, turns;

  g_return_val_if_fail (RD_IS_PEER (peer), FALSE);
  if (peer->closed || peer->role)
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
      add_stun (peer, url, rest);
      return TRUE;
    }
  return add_turn (peer, url, turns, rest, query, username, credential, error);
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
  const GstSDPMessage *local = rd_peer_offerer_of (peer)->local_sdp;

  if (g_str_has_prefix (value, "a="))
    value += 2;
  if (!*value || !local) /* an empty one ends the candidates: gathering-done says it */
    return;
  if (c->mline < gst_sdp_message_medias_len (local))
    mid = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (local, c->mline), "mid");
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
rd_peer_offerer_check_gathering (RdPeer *peer)
{
  RdPeerOfferer *o = rd_peer_offerer_of (peer);
  GstWebRTCICEGatheringState state;

  g_object_get (peer->webrtc, "ice-gathering-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE || o->gathering_done)
    return;
  o->gathering_done = TRUE;
  g_signal_emit_by_name (peer, "gathering-done");
}

static void
gathering_on_main (RdPeer *peer, gpointer data)
{
  rd_peer_offerer_check_gathering (peer);
}

static void
on_gathering_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  rd_peer_run_on_main (user_data, gathering_on_main, NULL, NULL);
}

void
rd_peer_offerer_watch_ice (RdPeer *peer)
{
  rd_peer_connect_webrtc (peer, "on-ice-candidate", G_CALLBACK (on_ice_candidate));
  rd_peer_connect_webrtc (peer, "notify::ice-gathering-state", G_CALLBACK (on_gathering_state));
}

/* --- our credentials --- */

/* @name (ice-ufrag) in our offer as set: media-level, else session-level. */
static const char *
local_attribute (RdPeerOfferer *o, const char *name)
{
  const char *v = NULL;

  if (!o || !o->local_sdp)
    return NULL;
  for (guint i = 0; !v && i < gst_sdp_message_medias_len (o->local_sdp); i++)
    v = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (o->local_sdp, i), name);
  return v ? v : gst_sdp_message_get_attribute_val (o->local_sdp, name);
}

const char *
rd_peer_get_local_ufrag (RdPeer *peer)
{
  RdPeerOfferer *o;

  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  o = rd_peer_offerer_of (peer);
  return o && o->local_ufrag ? o->local_ufrag : local_attribute (o, "ice-ufrag");
}

/* --- ICE restart, in two steps (RFC 8445 9; a WHIP PATCH, RFC 9725 4.3) --- */

static gboolean
can_restart (RdPeer *peer, GError **error)
{
  if (peer->closed || !rd_peer_offerer_of (peer) || !peer->answered)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "peer %s cannot restart ICE as the offerer (%s)", peer->id,
                   peer->closed                 ? "closed"
                   : !rd_peer_offerer_of (peer) ? "it is an answerer: rd_peer_restart_ice()"
                                                : "no answer set yet");
      return FALSE;
    }
  return TRUE;
}

char *
rd_peer_restart_ice_local (RdPeer *peer, GError **error)
{
  RdPeerOfferer *o;
  g_autoptr (RdPeerIce) ice = NULL;

  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  if (!can_restart (peer, error))
    return NULL;
  ice = rd_peer_ice_new (peer, error);
  if (!ice)
    return NULL;
  /* The far end's candidates and checks forgotten; the pair in use carries media until a new
   * one is nominated (once the far end's reply is in). */
  rd_peer_ice_restart_local (ice);
  GST_INFO ("peer %s: ICE restart (offerer) on %u stream(s)", peer->id,
            rd_peer_ice_n_streams (ice));
  /* libnice keeps its candidates (no new gathering): a=end-of-candidates once gathering was
   * done, else the rest follow as "local-candidate" */
  o = rd_peer_offerer_of (peer);
  return rd_peer_ice_local_fragment (ice, o->local_sdp, o->gathering_done, &o->local_ufrag);
}

gboolean
rd_peer_restart_ice_remote (RdPeer *peer, const char *sdpfrag, GError **error)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  g_autoptr (RdPeerIce) ice = NULL;

  g_return_val_if_fail (RD_IS_PEER (peer), FALSE);
  if (!can_restart (peer, error) || !rd_peer_ice_parse_credentials (sdpfrag, &ufrag, &pwd, error))
    return FALSE;
  if (g_strcmp0 (ufrag, rd_peer_ice_remote_ufrag (peer)) == 0)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_FRAGMENT,
                   "the far end's a=ice-ufrag:%s is its current one; an ICE restart reply needs "
                   "new credentials",
                   ufrag);
      return FALSE;
    }
  ice = rd_peer_ice_new (peer, error);
  if (!ice)
    return FALSE;
  rd_peer_ice_set_remote (peer, ice, ufrag, pwd);
  GST_INFO ("peer %s: the far end's ICE credentials now %s; checks start again", peer->id, ufrag);
  return rd_peer_add_remote_candidates (peer, sdpfrag, error);
}
