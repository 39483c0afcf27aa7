"""One entity's backlog does not hold another entity's message, on a real server.

The prefork server's cron worker processes the queue as in production; the
order in which outcomes were recorded is read from the audit log.
"""

import uuid

BACKLOG = 1500
LANES = "code LIKE 'model._cron_process_inbound(%%'"


def _echo(key, entity):
    return {
        "flow": "test_echo",
        "schema_version": "1.0",
        "entity": entity,
        "idempotency_key": key,
        "payload": {"ref": key, "outcome": "ok"},
    }


def test_one_entitys_backlog_does_not_hold_another_entitys_message(e2e):
    run = uuid.uuid4().hex[:8]
    # The whole backlog waits before the US01 message comes: processing lanes paused while it is sent.
    e2e.query(
        f"UPDATE ir_cron SET active = false WHERE ir_actions_server_id IN (SELECT id FROM ir_act_server WHERE {LANES})"
        " RETURNING id"
    )
    backlog_ids = []
    try:
        backlog = [_echo(f"fair-{run}-{index:04d}", "BE01") for index in range(BACKLOG)]
        for first in range(0, BACKLOG, 1000):
            response = e2e.client.post_messages({"messages": backlog[first : first + 1000]}, timeout=300)
            assert response.status_code == 200, response.text[:2000]
            results = response.json()["results"]
            assert {item["status"] for item in results} == {"accepted"}, results[:3]
            backlog_ids += [item["id"] for item in results]
        response = e2e.client.post_messages(_echo(f"fair-{run}-quiet", "US01"))
        assert response.status_code == 202, response.text
        quiet_id = response.json()["id"]
    finally:
        e2e.query(
            "UPDATE ir_cron SET active = true WHERE ir_actions_server_id IN"
            f" (SELECT id FROM ir_act_server WHERE {LANES}) RETURNING id"
        )
    # A new message wakes the lanes, as any request does.
    response = e2e.client.post_messages(_echo(f"fair-{run}-wake", "BE01"))
    assert response.status_code == 202, response.text
    assert e2e.client.wait_for_message(quiet_id, timeout=120)["state"] == "done"
    assert e2e.client.wait_for_message(backlog_ids[-1], timeout=300)["state"] == "done"

    (quiet_row,) = e2e.query(
        "SELECT id FROM integration_audit_log WHERE action = 'processed' AND message_id = %s", (quiet_id,)
    )
    before = e2e.query(
        "SELECT count(*) FROM integration_audit_log WHERE action = 'processed' AND message_id = ANY(%s)"
        " AND id < %s",
        (backlog_ids, quiet_row[0]),
    )[0][0]
    # Served in turn: at most a couple of BE01 batches (50 messages each) before it, not 1,500.
    assert before <= 100, f"the US01 message waited behind {before} of the {BACKLOG} BE01 messages"
