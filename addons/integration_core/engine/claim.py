"""Claiming inbound work with SELECT ... FOR UPDATE SKIP LOCKED.

Any number of Odoo workers (threads, processes, machines) share the queue:
a row locked by one claim is skipped by the others, so no message is
processed twice at once.
"""

from datetime import UTC, datetime

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
# Grouped by entity and flow: a batch posts into few journals, so parallel
# workers rarely wait on one journal's sequence lock.
CLAIM_READY = f"""
    SELECT m.id {READY}
     ORDER BY m.company_id, m.flow_id, m.id
     LIMIT %(limit)s
       FOR UPDATE OF m SKIP LOCKED
"""
COUNT_READY = f"SELECT count(*) {READY}"

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


def claim_ready(cr, flow_ids, limit, direction="in"):
    if not flow_ids:
        return []
    cr.execute(
        CLAIM_READY, {"flow_ids": list(flow_ids), "limit": limit, "direction": direction, "now": _now()}
    )
    return [row[0] for row in cr.fetchall()]


def count_ready(cr, flow_ids, direction="in"):
    """How many messages wait now (what the cron reports as remaining)."""
    if not flow_ids:
        return 0
    cr.execute(COUNT_READY, {"flow_ids": list(flow_ids), "direction": direction, "now": _now()})
    return cr.fetchone()[0]


def claim_stuck(cr, timeout, limit=500):
    cr.execute(CLAIM_STUCK, {"timeout": timeout, "limit": limit, "now": _now()})
    return [row[0] for row in cr.fetchall()]


def lock_claimed(cr, ids):
    cr.execute(LOCK_CLAIMED, {"ids": list(ids)})
    return [row[0] for row in cr.fetchall()]
