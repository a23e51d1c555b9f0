/* rd-media-peer-ice.c: a peer's ICE: the far end's trickled candidates, its current
 * ice-ufrag, and RdPeerIce, the ICE restart (RFC 8445 9, RFC 8839 4.4.1.1.1; a WHIP PATCH with
 * new credentials, RFC 9725 4.3) done on webrtcbin's libnice agent. The roles' restart calls
 * (rd_peer_restart_ice(), rd_peer_restart_ice_local/remote()) use it. Main context only.
 *
 * webrtcbin 1.22 cannot restart ICE itself: as the answerer, a new offer's credentials only
 * replace the remote ones in libnice (its connectivity checks are not reset) and create-answer
 * copies the previous answer's ice-ufrag/ice-pwd ("FIXME: deal with ICE restarts" in
 * gstwebrtcbin.c), so the answerer never gets new credentials, which RFC 8839 requires; as the
 * offerer, create-offer has no "ice-restart" option. So the restart is done on the libnice
 * agent that webrtcbin's ICE object exposes ("agent", 1.20+), stream by stream (the stream of
 * each transceiver's ICE transport): nice_agent_restart_stream() makes new local credentials
 * and forgets the far end's candidates and checks, keeping the pair in use, so media goes on
 * until a new pair is nominated; then the far end's new credentials and candidates are set.
 * webrtcbin keeps no copy of either (its ICE wrapper forwards each call), so nothing goes stale
 * there; its local-description still names the first credentials, which nothing reads after
 * the answer (the offerer's current ones are kept by the role). */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

#include <nice/agent.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NiceAgent, g_object_unref)

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 5.4); ufrag 4-256, pwd 22-256 of them. */
static gboolean
ice_chars_ok (const char *s, gsize min, gsize max)
{
  gsize n = strlen (s);

  if (n < min || n > max)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/')
      return FALSE;
  return TRUE;
}

gboolean
rd_peer_ice_parse_credentials (const char *sdpfrag, char **ufrag, char **pwd, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (sdpfrag ? sdpfrag : "", "\n", -1);
  g_autofree char *u = NULL;
  g_autofree char *p = NULL;

  for (char **l = lines; *l; l++)
    {
      char *line = g_strstrip (*l);
      const char *value = NULL;
      char **slot = NULL;

      if (g_str_has_prefix (line, "a=ice-ufrag:"))
        value = line + strlen ("a=ice-ufrag:"), slot = &u;
      else if (g_str_has_prefix (line, "a=ice-pwd:"))
        value = line + strlen ("a=ice-pwd:"), slot = &p;
      else
        continue;
      if (*slot && g_strcmp0 (*slot, value) != 0)
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_FRAGMENT,
                       "the fragment names two different %s values; one ICE session per party "
                       "(BUNDLE) is supported",
                       slot == &u ? "ice-ufrag" : "ice-pwd");
          return FALSE;
        }
      if (!*slot)
        *slot = g_strdup (value);
    }
  if (!u || !p)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_FRAGMENT,
                   "an ICE restart needs the new a=ice-ufrag and a=ice-pwd; the fragment has %s",
                   !u && !p ? "neither"
                   : !u     ? "no a=ice-ufrag"
                            : "no a=ice-pwd");
      return FALSE;
    }
  if (!ice_chars_ok (u, 4, 256) || !ice_chars_ok (p, 22, 256))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_FRAGMENT,
                   "a=ice-ufrag must be 4-256 and a=ice-pwd 22-256 characters of A-Z a-z 0-9 + / "
                   "(RFC 8839); got a %zu-character ufrag and a %zu-character pwd",
                   strlen (u), strlen (p));
      return FALSE;
    }
  *ufrag = g_steal_pointer (&u);
  *pwd = g_steal_pointer (&p);
  return TRUE;
}

const char *
rd_peer_ice_remote_ufrag (RdPeer *peer)
{
  if (peer->remote_ufrag)
    return peer->remote_ufrag;
  for (guint i = 0; peer->remote && i < gst_sdp_message_medias_len (peer->remote->sdp); i++)
    {
      const char *u = gst_sdp_media_get_attribute_val (
          gst_sdp_message_get_media (peer->remote->sdp, i), "ice-ufrag");
      if (u)
        return u;
    }
  return peer->remote ? gst_sdp_message_get_attribute_val (peer->remote->sdp, "ice-ufrag") : NULL;
}

gboolean
rd_peer_sdpfrag_names_other_ufrag (const char *sdpfrag, const char *current)
{
  g_auto (GStrv) lines = g_strsplit (sdpfrag ? sdpfrag : "", "\n", -1);

  for (char **l = lines; *l; l++)
    {
      char *line = g_strstrip (*l);
      if (g_str_has_prefix (line, "a=ice-ufrag:") &&
          g_strcmp0 (line + strlen ("a=ice-ufrag:"), current) != 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
rd_peer_sdpfrag_restarts_ice (RdPeer *peer, const char *sdpfrag)
{
  g_return_val_if_fail (RD_IS_PEER (peer), FALSE);
  return rd_peer_sdpfrag_names_other_ufrag (sdpfrag, rd_peer_ice_remote_ufrag (peer));
}

typedef struct
{
  guint stream_id;
  guint mline; /* the first m-line carried by the stream */
} IceStream;

/* The libnice stream of each transceiver's ICE transport, once each, in m-line order. */
static GArray *
ice_streams (RdPeer *peer)
{
  g_autoptr (GArray) transceivers = NULL;
  GArray *streams = g_array_new (FALSE, FALSE, sizeof (IceStream));

  g_signal_emit_by_name (peer->webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers && i < transceivers->len; i++)
    {
      GstWebRTCRTPTransceiver *t = g_array_index (transceivers, GstWebRTCRTPTransceiver *, i);
      g_autoptr (GObject) sender = NULL;
      g_autoptr (GObject) receiver = NULL;
      g_autoptr (GObject) dtls = NULL;
      g_autoptr (GObject) ice_transport = NULL;
      g_autoptr (GObject) stream = NULL;
      IceStream s = { 0, 0 };
      gboolean seen = FALSE;

      g_object_get (t, "sender", &sender, "receiver", &receiver, "mlineindex", &s.mline, NULL);
      if (sender)
        g_object_get (sender, "transport", &dtls, NULL);
      if (!dtls && receiver)
        g_object_get (receiver, "transport", &dtls, NULL);
      if (dtls)
        g_object_get (dtls, "transport", &ice_transport, NULL);
      if (ice_transport &&
          g_object_class_find_property (G_OBJECT_GET_CLASS (ice_transport), "stream"))
        g_object_get (ice_transport, "stream", &stream, NULL);
      if (!stream)
        continue;
      g_object_get (stream, "stream-id", &s.stream_id, NULL);
      for (guint j = 0; j < streams->len; j++)
        seen |= g_array_index (streams, IceStream, j).stream_id == s.stream_id;
      if (!seen && s.stream_id > 0)
        g_array_append_val (streams, s);
    }
  return streams;
}

/* webrtcbin's libnice agent. (transfer full) */
static NiceAgent *
nice_agent_of (GstElement *webrtc)
{
  g_autoptr (GObject) ice = NULL;
  NiceAgent *agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  return agent;
}

struct _RdPeerIce
{
  NiceAgent *agent;
  GArray *streams; /* IceStream */
};

RdPeerIce *
rd_peer_ice_new (RdPeer *peer, GError **error)
{
  g_autoptr (NiceAgent) agent = nice_agent_of (peer->webrtc);
  g_autoptr (GArray) found = ice_streams (peer);
  RdPeerIce *ice;

  if (!agent || found->len == 0)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "peer %s: webrtcbin exposes no libnice agent or ICE stream to restart",
                   peer->id);
      return NULL;
    }
  ice = g_new0 (RdPeerIce, 1);
  ice->agent = g_steal_pointer (&agent);
  ice->streams = g_steal_pointer (&found);
  return ice;
}

void
rd_peer_ice_free (RdPeerIce *ice)
{
  if (!ice)
    return;
  g_object_unref (ice->agent);
  g_array_unref (ice->streams);
  g_free (ice);
}

guint
rd_peer_ice_n_streams (RdPeerIce *ice)
{
  return ice->streams->len;
}

void
rd_peer_ice_restart_local (RdPeerIce *ice)
{
  for (guint i = 0; i < ice->streams->len; i++)
    nice_agent_restart_stream (ice->agent, g_array_index (ice->streams, IceStream, i).stream_id);
}

void
rd_peer_ice_set_remote (RdPeer *peer, RdPeerIce *ice, const char *ufrag, const char *pwd)
{
  for (guint i = 0; i < ice->streams->len; i++)
    nice_agent_set_remote_credentials (
        ice->agent, g_array_index (ice->streams, IceStream, i).stream_id, ufrag, pwd);
  g_free (peer->remote_ufrag);
  peer->remote_ufrag = g_strdup (ufrag);
}

/* "m=audio 9 UDP/TLS/RTP/SAVPF 111" and its a=mid, as the offer (@sdp) had them. */
static void
append_media_line (GString *out, const GstSDPMessage *sdp, guint mline)
{
  const GstSDPMedia *m = NULL;

  if (sdp && mline < gst_sdp_message_medias_len (sdp))
    m = gst_sdp_message_get_media (sdp, mline);
  if (!m)
    return;
  g_string_append_printf (out, "m=%s 9 %s", gst_sdp_media_get_media (m),
                          gst_sdp_media_get_proto (m));
  for (guint i = 0; i < gst_sdp_media_formats_len (m); i++)
    g_string_append_printf (out, " %s", gst_sdp_media_get_format (m, i));
  g_string_append (out, "\r\n");
  if (gst_sdp_media_get_attribute_val (m, "mid"))
    g_string_append_printf (out, "a=mid:%s\r\n", gst_sdp_media_get_attribute_val (m, "mid"));
}

char *
rd_peer_ice_local_fragment (RdPeerIce *ice, const GstSDPMessage *sdp, gboolean end, char **ufrag)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < ice->streams->len; i++)
    {
      IceStream *s = &g_array_index (ice->streams, IceStream, i);
      g_autofree char *local_ufrag = NULL;
      g_autofree char *local_pwd = NULL;
      GSList *cands;

      append_media_line (out, sdp, s->mline);
      if (nice_agent_get_local_credentials (ice->agent, s->stream_id, &local_ufrag, &local_pwd))
        {
          g_string_append_printf (out, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", local_ufrag,
                                  local_pwd);
          if (i == 0 && ufrag)
            {
              g_free (*ufrag);
              *ufrag = g_steal_pointer (&local_ufrag);
            }
        }
      cands = nice_agent_get_local_candidates (ice->agent, s->stream_id, NICE_COMPONENT_TYPE_RTP);
      for (GSList *c = cands; c; c = c->next)
        {
          g_autofree char *line = nice_agent_generate_local_candidate_sdp (ice->agent, c->data);
          g_string_append_printf (out, "%s\r\n", line);
        }
      g_slist_free_full (cands, (GDestroyNotify)nice_candidate_free);
      if (end)
        g_string_append (out, "a=end-of-candidates\r\n");
    }
  return g_string_free (out, FALSE);
}

/* --- trickle --- */

static void
frag_candidate_clear (gpointer data)
{
  g_free (((RdPeerFragCandidate *)data)->candidate);
}

GArray *
rd_peer_sdpfrag_candidates (const char *sdpfrag, const GPtrArray *media)
{
  g_auto (GStrv) lines = g_strsplit (sdpfrag ? sdpfrag : "", "\n", -1);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (RdPeerFragCandidate));
  int mline = 0, m_seen = -1;

  g_array_set_clear_func (out, frag_candidate_clear);
  for (char **l = lines; *l; l++)
    {
      char *line = g_strstrip (*l);

      if (g_str_has_prefix (line, "m="))
        mline = ++m_seen;
      else if (g_str_has_prefix (line, "a=mid:"))
        {
          for (guint i = 0; media && i < media->len; i++)
            {
              const RdOfferMedia *m = media->pdata[i];
              if (g_strcmp0 (m->mid, line + strlen ("a=mid:")) == 0)
                mline = (int)m->mline;
            }
        }
      else if (g_str_has_prefix (line, "a=candidate:"))
        {
          RdPeerFragCandidate c = { (guint)mline, g_strdup (line + 2) };
          g_array_append_val (out, c);
        }
    }
  return out;
}

gboolean
rd_peer_add_remote_candidates (RdPeer *peer, const char *sdpfrag, GError **error)
{
  g_autoptr (GArray) candidates = NULL;

  g_return_val_if_fail (RD_IS_PEER (peer), FALSE);
  if (peer->closed || !peer->remote)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "peer %s takes no candidates (%s)", peer->id,
                   peer->closed ? "closed" : "no offer yet");
      return FALSE;
    }
  candidates = rd_peer_sdpfrag_candidates (sdpfrag, peer->remote->media);
  for (guint i = 0; i < candidates->len; i++)
    {
      const RdPeerFragCandidate *c = &g_array_index (candidates, RdPeerFragCandidate, i);
      g_signal_emit_by_name (peer->webrtc, "add-ice-candidate", c->mline, c->candidate);
    }
  return TRUE;
}

/* libnice keeps refreshing TURN allocations until its agent is closed (and warns when it is
 * freed with refreshes alive): closing it deallocates them on the TURN server (lifetime 0)
 * instead of leaving them until they expire. The task holds the agent until that is done. */
void
rd_peer_ice_release (RdPeer *peer)
{
  g_autoptr (NiceAgent) agent = peer->webrtc ? nice_agent_of (peer->webrtc) : NULL;

  if (agent)
    nice_agent_close_async (agent, NULL, NULL);
}
