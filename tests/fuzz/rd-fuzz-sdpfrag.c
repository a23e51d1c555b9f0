/* rd-fuzz-sdpfrag.c: libFuzzer target for the trickle ICE fragment parsers
 * (application/trickle-ice-sdpfrag, RFC 8840; media/rd-media-peer-ice.c) that every WHIP PATCH
 * body reaches once its token is accepted: the candidates and the m-line each is for, whether
 * the fragment asks for an ICE restart, and an ICE restart's credentials. The input is the body;
 * the far end's description is fixed (mids "0", "1" and "video0" on m-lines 0, 1 and 2). */
#include "media/rd-media-peer-private.h"

#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define ICE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

static GPtrArray *
far_end_media (void)
{
  static const char *const mids[] = { "0", "1", "video0" };
  GPtrArray *media = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (mids); i++)
    {
      RdOfferMedia *m = g_new0 (RdOfferMedia, 1);
      m->mline = i;
      m->mid = (char *)mids[i];
      g_ptr_array_add (media, m);
    }
  return media;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *frag = g_strndup ((const char *)data, size);
  g_autoptr (GPtrArray) media = far_end_media ();
  g_autoptr (GArray) candidates = rd_peer_sdpfrag_candidates (frag, media);
  g_autoptr (GArray) without_media = rd_peer_sdpfrag_candidates (frag, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  guint n_m_lines = 0;

  for (const char *p = frag; p; p = strchr (p, '\n'))
    {
      p += *p == '\n';
      p += strspn (p, " \t\r\f\v");
      n_m_lines += g_str_has_prefix (p, "m=");
    }
  /* Every candidate is one whole "candidate:" line, for an m-line the fragment or the far end
   * has; the far end's mids only move candidates, never drop or add them. */
  g_assert_cmpuint (candidates->len, ==, without_media->len);
  for (guint i = 0; i < candidates->len; i++)
    {
      const RdPeerFragCandidate *c = &g_array_index (candidates, RdPeerFragCandidate, i);

      g_assert_true (g_str_has_prefix (c->candidate, "candidate:"));
      g_assert_null (strchr (c->candidate, '\n'));
      g_assert_false (g_ascii_isspace (c->candidate[strlen (c->candidate) - 1]));
      g_assert_cmpuint (c->mline, <, MAX (n_m_lines, media->len));
      g_assert_cmpstr (c->candidate, ==,
                       g_array_index (without_media, RdPeerFragCandidate, i).candidate);
    }

  (void)rd_peer_sdpfrag_names_other_ufrag (frag, NULL);
  (void)rd_peer_sdpfrag_names_other_ufrag (frag, "abcd");
  if (rd_peer_ice_parse_credentials (frag, &ufrag, &pwd, &error))
    {
      /* Well-formed (RFC 8839 section 5.4), and the one ufrag the fragment names. */
      g_assert_no_error (error);
      g_assert_cmpuint (strlen (ufrag), >=, 4);
      g_assert_cmpuint (strlen (ufrag), <=, 256);
      g_assert_cmpuint (strlen (pwd), >=, 22);
      g_assert_cmpuint (strlen (pwd), <=, 256);
      g_assert_cmpuint (strspn (ufrag, ICE_CHARS), ==, strlen (ufrag));
      g_assert_cmpuint (strspn (pwd, ICE_CHARS), ==, strlen (pwd));
      g_assert_false (rd_peer_sdpfrag_names_other_ufrag (frag, ufrag));
      g_assert_true (rd_peer_sdpfrag_names_other_ufrag (frag, "-"));
    }
  else
    {
      g_assert_nonnull (error);
      g_assert_null (ufrag);
      g_assert_null (pwd);
    }
  return 0;
}
