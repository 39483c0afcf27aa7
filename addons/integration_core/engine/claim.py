"""Claiming inbound work with SELECT ... FOR UPDATE SKIP LOCKED.

Any number of Odoo workers (threads, processes, machines) share the queue:
a row locked by one claim is skipped by the others, so no message is
processed twice at once.
"""

CLAIM_READY = """
    SELECT m.id
      FROM integration_message m
      JOIN integration_endpoint e ON e.id = m.endpoint_id
      JOIN integration_flow f ON f.id = m.flow_id
      JOIN res_company c ON c.id = m.company_id
     WHERE m.direction = %(direction)s
       AND m.state IN ('received', 'retry')
       AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= (now() at time zone 'UTC'))
       AND NOT COALESCE(e.hold, false)
       AND NOT COALESCE(f.hold, false)
       AND NOT COALESCE(c.integration_hold, false)
       AND m.flow_id = ANY(%(flow_ids)s)
     ORDER BY m.company_id, m.flow_id, m.id
     LIMIT %(limit)s
       FOR UPDATE OF m SKIP LOCKED
"""

# Messages whose worker died: still 'processing' long after their claim,
# and not locked by a live worker (which holds the row lock while it works).
CLAIM_STUCK = """
    SELECT id
      FROM integration_message
     WHERE state = 'processing'
       AND processing_started_at < (now() at time zone 'UTC') - make_interval(secs => %(timeout)s)
     ORDER BY id
     LIMIT %(limit)s
       FOR UPDATE SKIP LOCKED
"""

LOCK_CLAIMED = """
    SELECT id FROM integration_message
     WHERE id = ANY(%(ids)s) AND state = 'processing'
       FOR UPDATE SKIP LOCKED
"""


def claim_ready(cr, flow_ids, limit, direction="in"):
    if not flow_ids:
        return []
    cr.execute(CLAIM_READY, {"flow_ids": list(flow_ids), "limit": limit, "direction": direction})
    return [row[0] for row in cr.fetchall()]


def claim_stuck(cr, timeout, limit=500):
    cr.execute(CLAIM_STUCK, {"timeout": timeout, "limit": limit})
    return [row[0] for row in cr.fetchall()]


def lock_claimed(cr, ids):
    cr.execute(LOCK_CLAIMED, {"ids": list(ids)})
    return [row[0] for row in cr.fetchall()]
