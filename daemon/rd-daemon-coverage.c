/* rd-daemon-coverage.c: what of a session's recording timeline each track holds (see
 * rd-daemon-coverage.h). Pure: JSON in, JSON out. Times are ns on the session's timeline. */
#include "daemon/rd-daemon-coverage.h"

#include <string.h>

#define NS_PER_S      G_GINT64_CONSTANT (1000000000)
#define MIN_AUDIO_GAP (NS_PER_S / 4)
#define MIN_VIDEO_GAP NS_PER_S
#define MAX_OVERLAP   (NS_PER_S / 20) /* a segment switch may share a frame's length */
#define LINKS         "(links)"       /* a cause naming no track: a conference link's */
/* The most of a track's stamps' lead over their arrival that a pause is taken to cover. */
#define MAX_LEAD NS_PER_S

static const char no_cause[] = "nothing recorded, and no cause on record";
static const char crash_tail[] =
    "the crash: what the daemon wrote after its last sync to the disk was lost";

typedef struct
{
  gint64 from, to;
} Span;

typedef struct
{
  gint64 from, to;
  const char *track; /* NULL: every track; LINKS: the links' tracks */
  const char *reason;
} Cause;

typedef struct
{
  gint64 start; /* a segment's first stamp */
  gint64 lead;  /* how far that stamp was ahead of the frame's arrival (0..MAX_LEAD) */
} Lead;

typedef struct
{
  char *track;
  gboolean video;
  GArray *spans; /* Span: what its segments hold */
  GArray *leads; /* Lead: of its segments that say when their first frame arrived */
} Track;

typedef struct
{
  gint64 end;
  const char *ended;
  GArray *pauses;      /* Span */
  GArray *causes;      /* Cause */
  GHashTable *tracks;  /* name -> Track */
  GHashTable *peer_of; /* participant id (as text) -> peer id */
  GHashTable *due;     /* peer id -> Span (to = -1: still in) */
} Session;

static void
track_free (gpointer data)
{
  Track *t = data;

  g_free (t->track);
  g_array_unref (t->spans);
  g_array_unref (t->leads);
  g_free (t);
}

static gint64
member_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return fallback;
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return (gint64)json_node_get_double (n);
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n);
  return fallback;
}

static gint64
member_seconds (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) == G_TYPE_STRING)
    return fallback;
  return (gint64)(json_node_get_double (n) * 1e9 + 0.5);
}

static const char *
member_string (JsonObject *o, const char *name)
{
  return o ? json_object_get_string_member_with_default (o, name, NULL) : NULL;
}

static JsonObject *
object_member (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
array_member (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static void
add_cause (Session *s, gint64 from, gint64 to, const char *track, const char *reason)
{
  Cause c = { from, to, track && !g_str_equal (track, "all") ? track : NULL, reason };

  if (reason && to >= from)
    g_array_append_val (s->causes, c);
}

/* The segments' rows: every track's spans, and the causes of the unrecoverable ones. */
static void
read_recordings (Session *s, JsonArray *rows)
{
  for (guint i = 0; rows && i < json_array_get_length (rows); i++)
    {
      JsonObject *r = json_array_get_object_element (rows, i);
      const char *state = member_string (r, "state");
      JsonArray *tracks = array_member (r, "tracks");
      gint64 duration = member_int (r, "duration_ns", -1);

      for (guint j = 0; tracks && j < json_array_get_length (tracks); j++)
        {
          JsonObject *t = json_array_get_object_element (tracks, j);
          const char *name = member_string (t, "track");
          gint64 start = member_int (t, "start_ns", -1);
          gint64 end = member_int (t, "end_ns", duration >= 0 ? start + duration : -1);
          gint64 arrived = member_int (t, "arrived_ns", -1);
          Track *track;
          Span span = { start, end };

          if (!name || start < 0)
            continue;
          if (!(track = g_hash_table_lookup (s->tracks, name)))
            {
              track = g_new0 (Track, 1);
              track->track = g_strdup (name);
              track->video = g_strcmp0 (member_string (t, "media"), "video") == 0;
              track->spans = g_array_new (FALSE, FALSE, sizeof (Span));
              track->leads = g_array_new (FALSE, FALSE, sizeof (Lead));
              g_hash_table_insert (s->tracks, track->track, track);
            }
          if (arrived >= 0 && start > arrived)
            {
              Lead lead = { start, MIN (start - arrived, MAX_LEAD) };
              g_array_append_val (track->leads, lead);
            }
          if (g_strcmp0 (state, "unrecoverable") == 0)
            add_cause (s, start, start, name, "its segment could not be recovered after a crash");
          else if (g_strcmp0 (state, "recording") == 0 && end < 0)
            {
              span.to = G_MAXINT64; /* open: up to the end */
              g_array_append_val (track->spans, span);
            }
          else if (end >= start)
            g_array_append_val (track->spans, span);
        }
    }
}

/* The events: the end, the pauses, the parties' due times and the causes of gaps. */
static void
read_events (Session *s, JsonArray *events)
{
  gint64 paused_at = -1;

  for (guint i = 0; events && i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = member_string (e, "kind");
      JsonObject *d = object_member (e, "detail");
      g_autofree char *participant =
          g_strdup_printf ("%" G_GINT64_FORMAT, member_int (d, "participant_id", -1));

      if (!kind)
        continue;
      if (g_str_equal (kind, "recording-finished"))
        {
          s->end = member_int (d, "at_ns", s->end);
          s->ended = "finished";
        }
      else if (g_str_equal (kind, "recording-paused"))
        paused_at = member_int (d, "at_ns", -1);
      else if (g_str_equal (kind, "recording-resumed") && paused_at >= 0)
        {
          Span p = { paused_at, member_int (d, "at_ns", paused_at) };
          g_array_append_val (s->pauses, p);
          paused_at = -1;
        }
      else if (g_str_equal (kind, "recording-stopped-disk"))
        add_cause (s, member_int (d, "at_ns", G_MAXINT64), G_MAXINT64, NULL,
                   member_string (d, "reason"));
      else if (g_str_equal (kind, "recording-gap") && member_seconds (d, "from_s", -1) >= 0)
        /* (recovery's gap after a crash has no span on the timeline: the crash's tail says it) */
        add_cause (s, member_seconds (d, "from_s", -1), member_seconds (d, "to_s", -1),
                   member_string (d, "track") ? member_string (d, "track") : LINKS,
                   member_string (d, "reason"));
      else if (g_str_equal (kind, "party-verified") || g_str_equal (kind, "party-left"))
        {
          const char *peer = g_hash_table_lookup (s->peer_of, participant);
          gint64 at = member_int (d, "recording_ns", -1);
          Span *due = peer ? g_hash_table_lookup (s->due, peer) : NULL;

          if (!peer || (at < 0 && !due))
            continue;
          if (g_str_equal (kind, "party-verified"))
            {
              due = g_new (Span, 1);
              *due = (Span){ at, -1 };
              g_hash_table_replace (s->due, g_strdup (peer), due);
            }
          else if (due)
            due->to = at; /* -1: it left when the recording had ended (the session's end) */
        }
    }
  if (paused_at >= 0)
    {
      Span p = { paused_at, G_MAXINT64 };
      g_array_append_val (s->pauses, p);
    }
}

static int
by_start (gconstpointer a, gconstpointer b)
{
  const Span *x = a, *y = b;

  return x->from < y->from ? -1 : x->from > y->from;
}

/* @spans sorted and merged, each clipped to [@from, @to]; empty ones dropped. */
static GArray *
merged (GArray *spans, gint64 from, gint64 to)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Span));

  g_array_sort (spans, by_start);
  for (guint i = 0; i < spans->len; i++)
    {
      Span sp = g_array_index (spans, Span, i);
      Span *last = out->len ? &g_array_index (out, Span, out->len - 1) : NULL;

      sp.from = MAX (sp.from, from);
      sp.to = MIN (sp.to, to);
      if (sp.to <= sp.from)
        continue;
      if (last && sp.from <= last->to)
        last->to = MAX (last->to, sp.to);
      else
        g_array_append_val (out, sp);
    }
  return out;
}

static gint64
total (GArray *spans)
{
  gint64 sum = 0;

  for (guint i = 0; i < spans->len; i++)
    sum += g_array_index (spans, Span, i).to - g_array_index (spans, Span, i).from;
  return sum;
}

/* [@from, @to] less @holes (merged): the spans between them. */
static GArray *
less (gint64 from, gint64 to, GArray *holes)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Span));
  gint64 at = from;

  for (guint i = 0; i <= holes->len; i++)
    {
      Span next = i < holes->len ? g_array_index (holes, Span, i) : (Span){ to, to };
      Span sp = { at, MIN (next.from, to) };

      if (sp.to > sp.from)
        g_array_append_val (out, sp);
      at = MAX (at, next.to);
    }
  return out;
}

/* A track whose time was due until this little before a crash's end was still being written
 * when the daemon was killed (its writer drains its queue and the files are synced each second):
 * a gap up to its due end is the crash's too. */
#define CRASH_TAIL_NS (1500 * G_TIME_SPAN_MILLISECOND * 1000)

/* Why @gap of @track (due until @due_to) is missing. */
static const char *
reason_of (Session *s, const char *track, const char *kind, Span gap, gint64 due_to)
{
  for (guint i = 0; i < s->causes->len; i++)
    {
      Cause *c = &g_array_index (s->causes, Cause, i);
      gboolean ours = !c->track || g_str_equal (c->track, track) ||
                      (g_str_equal (c->track, LINKS) && g_str_equal (kind, "link"));

      if (ours && c->from <= gap.to && c->to >= gap.from)
        return c->reason;
    }
  if (g_str_equal (s->ended, "interrupted") &&
      (gap.to == s->end || (gap.to == due_to && s->end - due_to <= CRASH_TAIL_NS)))
    return crash_tail;
  return no_cause;
}

static void
add_seconds (JsonBuilder *b, const char *name, gint64 ns)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, (double)(ns / G_GINT64_CONSTANT (1000000)) / 1000.0);
}

/* The party a track "party-<peer>-video|audio" is of, as its due span, or NULL. */
static Span *
party_due (Session *s, const char *track)
{
  const char *kind = strrchr (track, '-');
  g_autofree char *peer = NULL;

  if (!g_str_has_prefix (track, "party-") || !kind)
    return NULL;
  peer = g_strndup (track + strlen ("party-"), kind - track - strlen ("party-"));
  return g_hash_table_lookup (s->due, peer);
}

/* Adds "overlaps": the spans two of @spans' segments both claim (beyond MAX_OVERLAP: a segment
 * switch may share a frame's length), which a track's files never should. */
static void
add_overlaps (JsonBuilder *b, GArray *spans, guint *count)
{
  gint64 reach = G_MININT64;

  g_array_sort (spans, by_start);
  json_builder_set_member_name (b, "overlaps");
  json_builder_begin_array (b);
  for (guint i = 0; i < spans->len; i++)
    {
      Span sp = g_array_index (spans, Span, i);

      if (i > 0 && reach - sp.from > MAX_OVERLAP)
        {
          json_builder_begin_object (b);
          add_seconds (b, "from_s", sp.from);
          add_seconds (b, "to_s", MIN (reach, sp.to));
          json_builder_end_object (b);
          (*count)++;
        }
      reach = MAX (reach, sp.to);
    }
  json_builder_end_array (b);
}

/* @held less the spans a "recording-gap" of @track says it missed: a disk that took no write
 * made its queue drop frames inside a segment that spans them. (transfer full) */
static GArray *
less_missed (Session *s, const char *track, GArray *held)
{
  g_autoptr (GArray) missed = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autoptr (GArray) gaps = NULL;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Span));

  for (guint i = 0; i < s->causes->len; i++)
    {
      Cause *c = &g_array_index (s->causes, Cause, i);
      Span sp = { c->from, c->to };

      if (c->track && g_str_equal (c->track, track) && c->to > c->from)
        g_array_append_val (missed, sp);
    }
  gaps = merged (missed, G_MININT64, G_MAXINT64);
  for (guint i = 0; i < held->len; i++)
    {
      g_autoptr (GArray) pieces =
          less (g_array_index (held, Span, i).from, g_array_index (held, Span, i).to, gaps);
      g_array_append_vals (out, pieces->data, pieces->len);
    }
  return out;
}

/* The lead of @t's first segment that starts at or after @at (0 when it has none): a party's
 * frames are stamped ahead of their arrival by its playout delay (jitter buffer, lip-sync), so
 * after a moment that lets them in (its verification opens its gate, a resume links its
 * writers) its first segment starts that much later on the timeline, and what is stamped in
 * between reached the room before that moment. */
static gint64
lead_after (Track *t, gint64 at)
{
  Lead *next = NULL;

  for (guint j = 0; j < t->leads->len; j++)
    {
      Lead *l = &g_array_index (t->leads, Lead, j);
      if (l->start >= at && (!next || l->start < next->start))
        next = l;
    }
  return next ? next->lead : 0;
}

/* The session's pauses as @t lived them, within [@from, @to]: each lasts on the track until the
 * resume plus the lead of the track's first segment after it (lead_after()). (transfer full) */
static GArray *
track_pauses (Session *s, Track *t, gint64 from, gint64 to)
{
  g_autoptr (GArray) pauses = g_array_copy (s->pauses);

  for (guint i = 0; i < pauses->len; i++)
    {
      Span *p = &g_array_index (pauses, Span, i);
      if (p->to < G_MAXINT64)
        p->to += lead_after (t, p->from);
    }
  return merged (pauses, from, to);
}

/* One track's object; adds to the sums. */
static void
add_track (JsonBuilder *b, Session *s, Track *t, gint64 *due_sum, gint64 *covered_sum,
           gint64 *unexplained_sum, guint *gap_count, guint *overlap_count)
{
  gboolean conference = g_str_has_prefix (t->track, "conference-");
  gboolean party = g_str_has_prefix (t->track, "party-");
  Span *due = party ? party_due (s, t->track) : NULL;
  g_autoptr (GArray) spanned = merged (t->spans, 0, s->end);
  g_autoptr (GArray) held = less_missed (s, t->track, spanned);
  g_autoptr (GArray) pauses = NULL;
  g_autoptr (GArray) due_spans = NULL;
  g_autoptr (GArray) holes = NULL;
  gint64 from = 0, to = s->end;
  const char *kind = conference ? "conference" : due ? "party" : party ? "link" : "room";
  gint64 covered = 0;

  if (due)
    {
      /* from its verification, less its first frames' lead (what arrived before its gate
       * opened was never let in) */
      from = due->from + lead_after (t, due->from);
      to = due->to >= 0 ? MIN (due->to, s->end) : s->end;
      from = MIN (from, to);
    }
  else if (party || conference)
    {
      from = held->len ? g_array_index (held, Span, 0).from : 0;
      to = held->len ? g_array_index (held, Span, held->len - 1).to : 0;
    }
  pauses = track_pauses (s, t, from, to);
  due_spans = conference ? g_array_new (FALSE, FALSE, sizeof (Span)) : less (from, to, pauses);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "track");
  json_builder_add_string_value (b, t->track);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind);
  add_seconds (b, "due_from_s", from);
  add_seconds (b, "due_to_s", to);
  add_seconds (b, "due_s", total (due_spans));
  add_seconds (b, "recorded_s", total (held));
  add_seconds (b, "paused_s", conference ? 0 : total (pauses));
  for (guint i = 0; i < due_spans->len; i++)
    {
      g_autoptr (GArray) inside = merged (held, g_array_index (due_spans, Span, i).from,
                                          g_array_index (due_spans, Span, i).to);
      covered += total (inside);
    }
  add_seconds (b, "covered_s", covered);
  add_overlaps (b, t->spans, overlap_count);
  json_builder_set_member_name (b, "gaps");
  json_builder_begin_array (b);
  for (guint i = 0; i < due_spans->len; i++)
    {
      Span d = g_array_index (due_spans, Span, i);
      g_autoptr (GArray) inside = merged (held, d.from, d.to);
      g_autoptr (GArray) missing = less (d.from, d.to, inside);

      for (guint j = 0; j < missing->len; j++)
        {
          Span gap = g_array_index (missing, Span, j);
          const char *reason;

          if (gap.to - gap.from < (t->video ? MIN_VIDEO_GAP : MIN_AUDIO_GAP))
            continue;
          reason = reason_of (s, t->track, kind, gap, to);
          json_builder_begin_object (b);
          add_seconds (b, "from_s", gap.from);
          add_seconds (b, "to_s", gap.to);
          add_seconds (b, "seconds", gap.to - gap.from);
          json_builder_set_member_name (b, "reason");
          json_builder_add_string_value (b, reason);
          json_builder_end_object (b);
          (*gap_count)++;
          if (reason == no_cause)
            *unexplained_sum += gap.to - gap.from;
        }
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  *due_sum += total (due_spans);
  *covered_sum += covered;
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Track *const *)a)->track, (*(Track *const *)b)->track);
}

JsonNode *
rd_coverage_of_session (JsonObject *session, gint64 now_ns)
{
  Session s = { 0 };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GPtrArray) tracks = NULL;
  JsonArray *participants = array_member (session, "participants");
  gint64 due = 0, covered = 0, unexplained = 0;
  guint gaps = 0, overlaps = 0;

  s.end = -1;
  s.pauses = g_array_new (FALSE, FALSE, sizeof (Span));
  s.causes = g_array_new (FALSE, FALSE, sizeof (Cause));
  s.tracks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, track_free);
  s.peer_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s.due = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; participants && i < json_array_get_length (participants); i++)
    {
      JsonObject *p = json_array_get_object_element (participants, i);

      if (member_string (p, "peer_id"))
        g_hash_table_insert (s.peer_of,
                             g_strdup_printf ("%" G_GINT64_FORMAT, member_int (p, "id", -1)),
                             (gpointer)member_string (p, "peer_id"));
    }
  read_recordings (&s, array_member (session, "recordings"));
  read_events (&s, array_member (session, "events"));
  if (!s.ended && now_ns >= 0)
    s.end = now_ns, s.ended = "live";
  if (!s.ended)
    {
      GHashTableIter iter;
      gpointer value;

      s.ended = "interrupted";
      s.end = 0;
      g_hash_table_iter_init (&iter, s.tracks);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        for (guint i = 0; i < ((Track *)value)->spans->len; i++)
          if (g_array_index (((Track *)value)->spans, Span, i).to != G_MAXINT64)
            s.end = MAX (s.end, g_array_index (((Track *)value)->spans, Span, i).to);
    }

  tracks = g_ptr_array_new ();
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, s.tracks);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_add (tracks, value);
  }
  g_ptr_array_sort (tracks, by_name);
  json_builder_begin_object (b);
  add_seconds (b, "end_s", s.end);
  json_builder_set_member_name (b, "ended");
  json_builder_add_string_value (b, s.ended);
  json_builder_set_member_name (b, "tracks");
  json_builder_begin_array (b);
  for (guint i = 0; i < tracks->len; i++)
    add_track (b, &s, tracks->pdata[i], &due, &covered, &unexplained, &gaps, &overlaps);
  json_builder_end_array (b);
  add_seconds (b, "due_s", due);
  add_seconds (b, "covered_s", covered);
  add_seconds (b, "unexplained_s", unexplained);
  json_builder_set_member_name (b, "gaps");
  json_builder_add_int_value (b, gaps);
  json_builder_set_member_name (b, "overlaps");
  json_builder_add_int_value (b, overlaps);
  json_builder_end_object (b);

  g_array_unref (s.pauses);
  g_array_unref (s.causes);
  g_hash_table_unref (s.tracks);
  g_hash_table_unref (s.peer_of);
  g_hash_table_unref (s.due);
  return json_builder_get_root (b);
}
