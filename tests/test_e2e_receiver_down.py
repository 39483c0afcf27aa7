"""A receiver that is down gets every event afterwards, in order, and processes each once.

The receiver (tests/_receiver.py) is written from the contract: it checks
signatures and dedupes on the event id. It subscribes to `move.posted` of a
journal of its own; journal entries posted through both servers' APIs
(two processes, each with a cron worker that may run the sender) make the
events. While nothing listens on its port the deliveries fail, the
circuit breaker pauses them at the first failure and probes every 2 s
(when the sender runs) without spending the events' attempts. The receiver comes back; more
entries are posted (business goes on, and the new events wake the sender);
every event arrives, in the order the entries were posted.
"""

import uuid

from ._faults import Queue, envelopes_for, send_through, subscribe_to_entries
from ._receiver import ContractReceiver

WHILE_DOWN = 60
LATE = 5
AFTER = 20
# One failure pauses the deliveries: retries and probes due later wait for the cron workers' next
# poll (Odoo wakes them at once only for work due now), so three failures would take minutes.
THRESHOLD = 1


def _events(queue, endpoint_id, event_type_id):
    """(id, key, state, attempts) of the endpoint's events of that type, oldest first."""
    return queue.fetch(
        "SELECT id, idempotency_key, state, attempts FROM integration_message"
        " WHERE direction = 'out' AND endpoint_id = %s AND flow_id = %s ORDER BY id",
        (endpoint_id, event_type_id),
    )


def test_receiver_down_gets_every_event_afterwards_in_order_once(fault_site):
    run = uuid.uuid4().hex[:8]
    receiver = ContractReceiver(secret=None)
    config = subscribe_to_entries(fault_site, receiver.url, f"E{run[:4].upper()}", threshold=THRESHOLD)
    receiver.secret = config["secret"]
    endpoint_id, event_type = fault_site.e2e.setup["endpoint_id"], config["event_type_id"]

    ids, _senders = send_through(
        fault_site, envelopes_for(fault_site, f"down-{run}", WHILE_DOWN, config["journal"]), batch=10
    )
    queue = Queue(fault_site, ids)
    try:
        queue.wait(lambda: queue.states() == {"done": WHILE_DOWN}, 90, "the entries posted while down")
        events = queue.wait(
            lambda: (rows := _events(queue, endpoint_id, event_type)) and len(rows) == WHILE_DOWN and rows,
            30,
            "one event per posted entry",
        )
        breaker = queue.wait(
            lambda: queue.fetch(
                "SELECT breaker_state FROM integration_endpoint WHERE id = %s AND breaker_state = 'open'",
                (endpoint_id,),
            ),
            30,
            "deliveries paused",
        )
        assert breaker == [("open",)]
        # The probe falls due (2 s); more entries wake the sender, which probes the receiver, still down.
        queue.wait(
            lambda: queue.fetch(
                "SELECT 1 FROM integration_endpoint WHERE id = %s AND breaker_probe_at < now() at time zone 'UTC'",
                (endpoint_id,),
            ),
            30,
            "the probe due",
        )
        late, _senders = send_through(
            fault_site, envelopes_for(fault_site, f"late-{run}", LATE, config["journal"]), batch=LATE
        )
        queue.ids += late
        queue.wait(
            lambda: queue.fetch(
                "SELECT 1 FROM integration_delivery_attempt a JOIN integration_message m ON m.id = a.message_id"
                " WHERE m.endpoint_id = %s AND a.outcome = 'probe'",
                (endpoint_id,),
            ),
            30,
            "a failed probe",
        )
        queue.wait(lambda: queue.states() == {"done": WHILE_DOWN + LATE}, 60, "the late entries posted")
        events = _events(queue, endpoint_id, event_type)
        assert len(events) == WHILE_DOWN + LATE
        assert not any(state in ("done", "dead", "exception") for _id, _key, state, _n in events), events
        assert max(attempts for *_rest, attempts in events) <= THRESHOLD, "paused, the attempts are kept"

        receiver.up()
        try:
            more, _senders = send_through(
                fault_site, envelopes_for(fault_site, f"back-{run}", AFTER, config["journal"]), batch=10
            )
            queue.ids += more
            total = WHILE_DOWN + LATE + AFTER
            queue.wait(lambda: receiver.count() >= total, 90, "every event received")
            events = queue.wait(
                lambda: (
                    (rows := _events(queue, endpoint_id, event_type))
                    and all(row[2] == "done" for row in rows)
                    and rows
                ),
                30,
                "every event delivered",
            )
        finally:
            receiver.down()
        attempts = queue.fetch(
            "SELECT a.outcome, count(*) FROM integration_delivery_attempt a"
            " JOIN integration_message m ON m.id = a.message_id"
            " WHERE m.endpoint_id = %s AND m.flow_id = %s GROUP BY a.outcome",
            (endpoint_id, event_type),
        )
        moves = dict(
            queue.fetch(
                "SELECT ref, name FROM account_move WHERE integration_message_id = ANY(%s)", (queue.ids,)
            )
        )
        diagnosis = queue.fetch(
            "SELECT e.id, e.create_date, e.payload::json->'data'->>'name', am.id, am.integration_message_id,"
            " im.done_at, e.correlation_id = im.correlation_id"
            " FROM integration_message e"
            " JOIN account_move am ON am.id = (e.payload::json->'data'->>'id')::int"
            " JOIN integration_message im ON im.id = am.integration_message_id"
            " WHERE e.direction = 'out' AND e.endpoint_id = %s AND e.flow_id = %s ORDER BY e.id",
            (endpoint_id, event_type),
        )
    finally:
        queue.close()
    # (event id, created, entry name, entry id, message id, message done at, same correlation)
    diagnosis = "\n".join(str(row) for row in diagnosis)

    assert not receiver.refused, receiver.refused[:5]
    assert len(events) == total
    # Once each, and in the order they occurred: the outbox's order, which is the posting order.
    assert [event["id"] for event in receiver.events] == [key for _id, key, _state, _n in events]
    names = [event["data"]["name"] for event in receiver.events]
    assert names == sorted(names), diagnosis
    assert [event["data"]["number"] for event in receiver.events] == sorted(moves, key=moves.get)
    assert {event["data"]["name"] for event in receiver.events} == set(moves.values())
    print(
        f"\n{total} events, each received once, in order; {receiver.resends} resent and deduped by the"
        f" receiver; delivery attempts {dict(attempts)}"
    )
