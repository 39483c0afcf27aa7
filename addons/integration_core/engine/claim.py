"""Claiming inbound work fairly, with SELECT ... FOR UPDATE SKIP LOCKED.

Any number of Odoo workers (cron lanes, processes, machines) share the queue:
a row locked by one claim is skipped by the others, so no message is
processed twice at once.

A claim takes one batch from one (entity, flow) group, the group whose turn
it is:

1. groups no other worker is on first: two workers then post into different
   entities and journals instead of queueing on one journal's sequence lock;
2. a group that has waited longer than ``STARVATION_SECONDS`` next, whatever
   its flow: nothing waits for ever behind a busier class;
3. real-time flows before batch-window flows, then by the flow's priority
   (payments before journal imports);
4. within that, the group served longest ago first (round robin), so a quiet
   entity's single message is taken within a couple of batches whatever
   another entity's backlog.

``integration_queue_turn`` remembers when each group was last served; an
advisory lock per group closes the instant between choosing a group and
committing its claim.
"""

from datetime import UTC, datetime

STARVATION_SECONDS = 120
# High bits of the advisory lock keys, so they cannot meet another module's.
LOCK_NAMESPACE = 0x1A7E << 40

READY = """
      FROM integration_message m
      JOIN integration_endpoint e ON e.id = m.endpoint_id
      JOIN integration_flow f ON f.id = m.flow_id
      JOIN res_company c ON c.id = m.company_id
     WHERE m.direction = %(direction)s
       AND m.state IN ('received', 'retry')
       AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= %(now)s)
       AND NOT COALESCE(e.hold, false)
       AND NOT COALESCE(f.hold, false)
       AND NOT COALESCE(c.integration_hold, false)
       AND m.flow_id = ANY(%(flow_ids)s)
"""

GROUPS_IN_TURN = f"""
    WITH ready AS (
        SELECT m.company_id, m.flow_id,
               min(COALESCE(m.next_attempt_at, m.create_date)) AS waiting_since
          {READY}
         GROUP BY m.company_id, m.flow_id
    )
    SELECT r.company_id, r.flow_id
      FROM ready r
      JOIN integration_flow f ON f.id = r.flow_id
      LEFT JOIN integration_queue_turn t ON t.company_id = r.company_id AND t.flow_id = r.flow_id
     ORDER BY EXISTS (
                  SELECT 1 FROM integration_message p
                   WHERE p.state = 'processing' AND p.company_id = r.company_id AND p.flow_id = r.flow_id
              ),
              r.waiting_since < %(now)s - make_interval(secs => %(starvation)s) DESC,
              f.mode = 'batch',
              CASE f.priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END,
              t.last_claimed_at NULLS FIRST,
              r.waiting_since
"""

# Recovered messages (their worker died on them) first, so they run alone.
CLAIM_GROUP = f"""
    SELECT m.id, COALESCE(m.run_alone, false) {READY}
       AND m.company_id = %(company_id)s AND m.flow_id = %(flow_id)s
     ORDER BY COALESCE(m.run_alone, false) DESC, m.id
     LIMIT %(limit)s
       FOR UPDATE OF m SKIP LOCKED
"""

MARK_TURN = """
    INSERT INTO integration_queue_turn (company_id, flow_id, last_claimed_at)
    VALUES (%(company_id)s, %(flow_id)s, %(now)s)
    ON CONFLICT (company_id, flow_id) DO UPDATE SET last_claimed_at = EXCLUDED.last_claimed_at
"""

COUNT_READY = f"SELECT count(*) {READY}"
NEXT_DUE = f"SELECT min(m.next_attempt_at) {READY.replace('<= %(now)s', '> %(now)s')}"

# Messages whose worker died: still 'processing' long after their claim,
# and not locked by a live worker (which holds the row lock while it works).
CLAIM_STUCK = """
    SELECT id
      FROM integration_message
     WHERE state = 'processing'
       AND processing_started_at < %(now)s - make_interval(secs => %(timeout)s)
     ORDER BY id
     LIMIT %(limit)s
       FOR UPDATE SKIP LOCKED
"""

LOCK_CLAIMED = """
    SELECT id FROM integration_message
     WHERE id = ANY(%(ids)s) AND state = 'processing'
       FOR UPDATE SKIP LOCKED
"""


def _now():
    # The clock the due times were computed with (UTC, naive), not PostgreSQL's
    # now(), which stays at the start of a long transaction.
    return datetime.now(UTC).replace(tzinfo=None)


def _try_group_lock(cr, company_id, flow_id):
    cr.execute(
        "SELECT pg_try_advisory_xact_lock(%s)", [LOCK_NAMESPACE | (company_id << 20) | (flow_id & 0xFFFFF)]
    )
    return cr.fetchone()[0]


def claim_ready(cr, flow_ids, limit, direction="in"):
    """Lock and return the ids of the next batch: one group's, in turn (see the module's doc).

    A message recovered from a dead worker is claimed alone.
    """
    if not flow_ids:
        return []
    params = {
        "flow_ids": list(flow_ids),
        "direction": direction,
        "now": _now(),
        "starvation": STARVATION_SECONDS,
    }
    cr.execute(GROUPS_IN_TURN, params)
    for company_id, flow_id in cr.fetchall():
        if not _try_group_lock(cr, company_id, flow_id):
            continue  # another worker is choosing this group right now
        group = dict(params, company_id=company_id, flow_id=flow_id, limit=limit)
        cr.execute(CLAIM_GROUP, group)
        rows = cr.fetchall()
        if not rows:
            continue  # all of it locked by other workers
        cr.execute(MARK_TURN, group)
        if rows[0][1]:
            return [rows[0][0]]
        return [message_id for message_id, alone in rows if not alone]
    return []


def count_ready(cr, flow_ids, direction="in"):
    """How many messages wait now (what the cron reports as remaining)."""
    if not flow_ids:
        return 0
    cr.execute(COUNT_READY, {"flow_ids": list(flow_ids), "direction": direction, "now": _now()})
    return cr.fetchone()[0]


def next_due(cr, flow_ids, direction="in"):
    """When the earliest retry waiting for its time is due (None when none waits)."""
    if not flow_ids:
        return None
    cr.execute(NEXT_DUE, {"flow_ids": list(flow_ids), "direction": direction, "now": _now()})
    return cr.fetchone()[0]


def claim_stuck(cr, timeout, limit=500):
    cr.execute(CLAIM_STUCK, {"timeout": timeout, "limit": limit, "now": _now()})
    return [row[0] for row in cr.fetchall()]


def lock_claimed(cr, ids):
    cr.execute(LOCK_CLAIMED, {"ids": list(ids)})
    return [row[0] for row in cr.fetchall()]
