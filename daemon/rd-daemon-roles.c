/* rd-daemon-roles.c: the control socket's roles. See rd-daemon-roles.h. */
#include "daemon/rd-daemon-roles.h"
#include "daemon/rd-daemon-error.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

/* The config keys of the roles held by group, in RdConfigRole order. */
static const char *const role_keys[RD_CONFIG_N_ROLES] = { "technicians", "officers",
                                                          "supervisors" };

struct _RdRoles
{
  uid_t daemon_uid;
  gboolean set[RD_CONFIG_N_ROLES]; /* the key names a group */
  gid_t gid[RD_CONFIG_N_ROLES];
  char *name[RD_CONFIG_N_ROLES];
};

const char *
rd_role_name (RdRole role)
{
  switch (role)
    {
    case RD_ROLE_ANYONE:
      return "anyone";
    case RD_ROLE_TECHNICIAN:
      return "technician";
    case RD_ROLE_OFFICER:
      return "officer";
    case RD_ROLE_SUPERVISOR:
      return "supervisor";
    }
  g_assert_not_reached ();
}

/* The group's id by name; FALSE with errno 0 when there is no such group. */
static gboolean
group_by_name (const char *name, gid_t *gid)
{
  gsize size = 16384;

  for (;;)
    {
      g_autofree char *buf = g_malloc (size);
      struct group gr, *found = NULL;
      int rc = getgrnam_r (name, &gr, buf, size, &found);

      if (rc == ERANGE && size < 1024 * 1024)
        {
          size *= 4;
          continue;
        }
      errno = rc;
      if (rc != 0 || !found)
        return FALSE;
      *gid = found->gr_gid;
      return TRUE;
    }
}

RdRoles *
rd_roles_new (const RdConfig *config, GError **error)
{
  g_autoptr (RdRoles) roles = g_new0 (RdRoles, 1);

  roles->daemon_uid = geteuid ();
  for (int i = 0; i < RD_CONFIG_N_ROLES; i++)
    {
      const char *name = rd_config_get_control_role_group (config, i);

      if (!name)
        continue;
      if (!group_by_name (name, &roles->gid[i]))
        {
          int errsv = errno;
          g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_ROLES,
                       "%s: [control] %s: group '%s' %s", rd_config_get_origin (config),
                       role_keys[i], name,
                       errsv ? g_strerror (errsv) : "does not exist (see getent group)");
          return NULL;
        }
      roles->set[i] = TRUE;
      roles->name[i] = g_strdup (name);
    }
  return g_steal_pointer (&roles);
}

void
rd_roles_free (RdRoles *roles)
{
  if (!roles)
    return;
  for (int i = 0; i < RD_CONFIG_N_ROLES; i++)
    g_free (roles->name[i]);
  g_free (roles);
}

static gboolean
in_group (const RdControlPeer *peer, gid_t gid)
{
  if (peer->gid == gid)
    return TRUE;
  for (guint i = 0; i < peer->n_groups; i++)
    if (peer->groups[i] == gid)
      return TRUE;
  return FALSE;
}

gboolean
rd_roles_allow (const RdRoles *roles, RdControlRequest *req, RdRole role)
{
  const RdControlPeer *peer = rd_control_request_get_peer (req);
  const char *operator_role;
  RdConfigRole key;

  if (role == RD_ROLE_ANYONE)
    return TRUE;
  if (rd_control_request_get_operator_role (req, &operator_role))
    return g_strcmp0 (operator_role, rd_role_name (RD_ROLE_SUPERVISOR)) == 0 ||
           g_strcmp0 (operator_role, rd_role_name (role)) == 0;
  if (!peer->known)
    return FALSE;
  if (peer->uid == 0 || peer->uid == roles->daemon_uid)
    return TRUE;
  if (roles->set[RD_CONFIG_ROLE_SUPERVISORS] &&
      in_group (peer, roles->gid[RD_CONFIG_ROLE_SUPERVISORS]))
    return TRUE;
  if (role == RD_ROLE_SUPERVISOR)
    return FALSE;
  key = role == RD_ROLE_TECHNICIAN ? RD_CONFIG_ROLE_TECHNICIANS : RD_CONFIG_ROLE_OFFICERS;
  return !roles->set[key] || in_group (peer, roles->gid[key]);
}

/* "N(name)" of user @uid, or "N" when it has no name. */
static char *
user_text (uid_t uid)
{
  struct passwd pw, *found = NULL;
  char buf[1024];

  if (getpwuid_r (uid, &pw, buf, sizeof buf, &found) == 0 && found)
    return g_strdup_printf ("%u(%s)", (guint)uid, found->pw_name);
  return g_strdup_printf ("%u", (guint)uid);
}

static void
append_group (GString *out, gid_t gid)
{
  struct group gr, *found = NULL;
  char buf[4096];

  if (getgrgid_r (gid, &gr, buf, sizeof buf, &found) == 0 && found)
    g_string_append_printf (out, "%u(%s)", (guint)gid, found->gr_name);
  else
    g_string_append_printf (out, "%u", (guint)gid);
}

/* Who holds @role beyond root and the daemon's user, as the technician wrote it. */
static char *
holders (const RdRoles *roles, RdRole role)
{
  g_autofree char *me = user_text (roles->daemon_uid);
  const char *sup = roles->name[RD_CONFIG_ROLE_SUPERVISORS];
  RdConfigRole key;

  if (role == RD_ROLE_SUPERVISOR)
    return sup ? g_strdup_printf ("[control] supervisors: group %s, root, uid %s", sup, me)
               : g_strdup_printf ("[control] supervisors is empty: only root and uid %s", me);
  key = role == RD_ROLE_TECHNICIAN ? RD_CONFIG_ROLE_TECHNICIANS : RD_CONFIG_ROLE_OFFICERS;
  if (!roles->name[key])
    return g_strdup_printf ("[control] %s is empty: everyone the socket knows", role_keys[key]);
  return g_strdup_printf ("[control] %s: group %s%s%s, root, uid %s", role_keys[key],
                          roles->name[key], sup ? ", supervisors: group " : "", sup ? sup : "", me);
}

char *
rd_roles_refusal (const RdRoles *roles, RdControlRequest *req, const char *what, RdRole role)
{
  const RdControlPeer *peer = rd_control_request_get_peer (req);
  g_autofree char *who = NULL;
  g_autofree char *user = NULL;
  const char *operator_role;
  GString *out;

  if (rd_control_request_get_operator_role (req, &operator_role))
    return g_strdup_printf ("forbidden: %s needs the %s role; you are %s", what,
                            rd_role_name (role), rd_control_request_get_actor (req));
  who = holders (roles, role);
  if (!peer->known)
    return g_strdup_printf ("forbidden: %s needs the %s role (%s); the socket did not say who "
                            "you are",
                            what, rd_role_name (role), who);
  user = user_text (peer->uid);
  out = g_string_new (NULL);
  g_string_printf (out, "forbidden: %s needs the %s role (%s); you are uid %s in groups ", what,
                   rd_role_name (role), who, user);
  append_group (out, peer->gid);
  for (guint i = 0; i < peer->n_groups; i++)
    if (peer->groups[i] != peer->gid)
      {
        g_string_append (out, ", ");
        append_group (out, peer->groups[i]);
      }
  return g_string_free (out, FALSE);
}

/* "group NAME", or what an empty key means for role @i. (transfer none) */
static const char *
held_by (const RdRoles *roles, int i, char **owned)
{
  if (roles->name[i])
    return *owned = g_strdup_printf ("group %s", roles->name[i]);
  return i == RD_CONFIG_ROLE_SUPERVISORS ? "nobody else" : "everyone on the socket";
}

char *
rd_roles_describe (const RdRoles *roles)
{
  g_autofree char *me = user_text (roles->daemon_uid);
  g_autofree char *t = NULL;
  g_autofree char *o = NULL;
  g_autofree char *s = NULL;

  return g_strdup_printf ("console roles: technicians = %s, officers = %s, supervisors = %s; "
                          "root and uid %s hold every role",
                          held_by (roles, RD_CONFIG_ROLE_TECHNICIANS, &t),
                          held_by (roles, RD_CONFIG_ROLE_OFFICERS, &o),
                          held_by (roles, RD_CONFIG_ROLE_SUPERVISORS, &s), me);
}
