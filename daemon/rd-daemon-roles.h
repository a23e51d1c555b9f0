/* rd-daemon-roles.h: who may do what on the control socket.
 *
 * Contract: every control method needs one role (its row in rd-daemon-methods.c says which):
 *   ANYONE      status and what only lists sessions or shows the room's public key: whoever can
 *               open the socket (its mode and [control] group decide that);
 *   TECHNICIAN  the room and its sessions: start, end, invites, joined conferences, mute, layout,
 *               recording pause/resume/verify, ledger checkpoint and verify;
 *   OFFICER     the reception book: registrations, schedule, receptions, conclusions,
 *               follow-ups, export, report;
 *   SUPERVISOR  revealing a protected identity, and everything the others may do.
 * A role is held by the members of the Unix group [control] technicians/officers/supervisors
 * names (the peer's effective group or one of its supplementary groups, as the kernel gave them
 * when it connected: RdControlPeer). root (uid 0) and the user receptiond runs as hold every
 * role. An empty key means: technicians and officers, everyone who can open the socket;
 * supervisors, nobody else (so, without any of the keys, every console user may do everything
 * but reveal, which needs root or receptiond's own user). A peer whose credentials are unknown
 * holds no role but ANYONE.
 *
 * The groups are resolved once, when the RdRoles is made: a group that does not exist is
 * RD_DAEMON_ERROR_ROLES naming the key (receptiond exits 78, --check-config too). Later changes
 * to /etc/group reach the daemon at its next start; a user's new membership reaches it when the
 * user logs in again (the groups are the connecting process's own).
 *
 * An operator of the room console holds the one role its account names (supervisor: all three).
 *
 * Threading: main context only; an RdRoles is immutable once made.
 */
#pragma once

#include "config/rd-config.h"
#include "daemon/rd-daemon-control.h"

G_BEGIN_DECLS

typedef enum
{
  RD_ROLE_ANYONE,
  RD_ROLE_TECHNICIAN,
  RD_ROLE_OFFICER,
  RD_ROLE_SUPERVISOR,
} RdRole;

/* "technician", "officer", "supervisor" ("anyone"). (transfer none) */
const char *rd_role_name (RdRole role);

typedef struct _RdRoles RdRoles;

/* Resolves @config's [control] role groups. (transfer full) */
RdRoles *rd_roles_new (const RdConfig *config, GError **error);
void rd_roles_free (RdRoles *roles);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdRoles, rd_roles_free)

/* Whether the sender of @req holds @role: its peer on the socket as above, or, for an
 * operator's request (rd_control_request_new_operator()), the operator's role, a supervisor
 * holding every role. */
gboolean rd_roles_allow (const RdRoles *roles, RdControlRequest *req, RdRole role);

/* The refusal of @what (a method, e.g. "registration.show --reveal") to the sender of @req,
 * which lacks @role: "forbidden: WHAT needs the ROLE role (who holds it); you are uid N(name)
 * in groups G(name), ...", or "...; you are operator NAME (ROLE)". (transfer full) */
char *rd_roles_refusal (const RdRoles *roles, RdControlRequest *req, const char *what, RdRole role);

/* Who holds each role, one line for the daemon's start message. (transfer full) */
char *rd_roles_describe (const RdRoles *roles);

G_END_DECLS
