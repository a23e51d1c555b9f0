/* rd-media-error.h: the media module's error domain, RD_MEDIA_ERROR.
 *
 * Contract: every error a media function returns is in this domain (a cancelled async call
 * returns G_IO_ERROR_CANCELLED), and its message names what failed. Nothing in media/ logs an
 * error it returns. What each code means to a caller:
 *   INIT        GStreamer cannot start, or an element receptiond needs is missing or cannot be
 *               made or linked: the installation is incomplete, retrying will not help (at
 *               start-up receptiond exits 69 EX_UNAVAILABLE; the message names the Debian
 *               package when one is missing)
 *   DEVICE      a configured camera, microphone, display or speakers cannot be used
 *               (69 EX_UNAVAILABLE at start-up)
 *   DEVICE_CONFIG  a device's description is wrong ([media] camera=pipeline:... that does not
 *               parse, names an element that does not exist, or has not exactly one usable
 *               pad): the configuration's fault, not the device's (78 EX_CONFIG, at
 *               --check-config and at start-up; systemd does not restart on it)
 *   OFFER       the far end's SDP (a party's offer, or the answer to an offer of ours) cannot
 *               be parsed or has nothing receptiond can use: the far end's fault (a WHIP
 *               offer is answered 422)
 *   FRAGMENT    a trickle or ICE restart sdpfrag (RFC 9725 section 4.3) is unusable: the
 *               far end's fault (answered 400)
 *   ICE_SERVER  an ICE server a WHIP/WHEP server offered (its Link header) is not a usable
 *               stun:, turn: or turns: URL: the remote server's fault
 *   PIPELINE    the room's pipeline, a peer's webrtcbin or a recording writer failed, or the
 *               object is in a state that does not allow the call (closed, wrong role):
 *               receptiond's side, not the far end's
 *   RECORDING   a recording file on disk cannot be read, repaired or verified (crash recovery
 *               and verification; the message names the file)
 *   NO_PICTURE  a preview was asked for and no picture came in time (the pipeline is not
 *               playing, a camera stopped): nothing to show now, try again later
 *
 * Threading: rd_media_error_quark() may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_MEDIA_ERROR (rd_media_error_quark ())
GQuark rd_media_error_quark (void);

typedef enum
{
  RD_MEDIA_ERROR_INIT,
  RD_MEDIA_ERROR_DEVICE,
  RD_MEDIA_ERROR_OFFER,
  RD_MEDIA_ERROR_PIPELINE,
  RD_MEDIA_ERROR_RECORDING,
  RD_MEDIA_ERROR_FRAGMENT,
  RD_MEDIA_ERROR_ICE_SERVER,
  RD_MEDIA_ERROR_DEVICE_CONFIG,
  RD_MEDIA_ERROR_NO_PICTURE,
} RdMediaError;

G_END_DECLS
