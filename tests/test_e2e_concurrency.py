"""Identical requests sent at the same instant make one message and one posted entry.

Prefork HTTP workers serve them in parallel transactions, as in production.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

SENDERS = 20


def _burst(e2e, envelope, senders=SENDERS):
    """Send ``envelope`` from ``senders`` threads released together; [(status, body)]."""
    barrier = threading.Barrier(senders)

    def send(_index):
        barrier.wait(timeout=30)
        response = e2e.client.post_messages(envelope)
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.text[:500]}
        return response.status_code, body

    with ThreadPoolExecutor(max_workers=senders) as pool:
        return list(pool.map(send, range(senders)))


def _describe(e2e, answers):
    lines = []
    for status, body in answers:
        if status == 500 and body.get("request_id"):
            lines.append(f"500 {body['request_id']}: {e2e.server.log_error(body['request_id'])}")
        else:
            lines.append(
                f"{status} {body.get('id')} duplicate={body.get('duplicate')} {body.get('error', '')}"
            )
    return "answers:\n" + "\n".join(lines)


def _check_one_message(e2e, key, answers):
    """One 202, the others 200 duplicates of the same message; return its id."""
    detail = _describe(e2e, answers)
    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] * (len(answers) - 1) + [202], detail
    ids = {body.get("id") for _status, body in answers}
    assert len(ids) == 1, detail
    (message_id,) = ids
    for status, body in answers:
        assert body["duplicate"] is (status == 200), detail
        assert body["idempotency_key"] == key, detail
    rows = e2e.query(
        "SELECT id FROM integration_message WHERE idempotency_key = %s AND direction = 'in'", (key,)
    )
    assert rows == [(message_id,)], rows
    return message_id


def _check_posted_once(e2e, message_id):
    # The server's own cron (woken by the request that stored it) processes it.
    body = e2e.client.wait_for_message(message_id, timeout=60)
    assert body["state"] == "done", body
    assert body["attempts"] == 1, body
    assert body["result"]["model"] == "account.move", body
    moves = e2e.query(
        "SELECT id, state, move_type FROM account_move WHERE integration_message_id = %s", (message_id,)
    )
    assert moves == [(body["result"]["id"], "posted", "entry")], moves
    return body


def test_identical_concurrent_posts_make_one_message_and_one_entry(e2e):
    # As for a key just issued, or not used for over a minute: the burst also
    # records the key's use.
    e2e.query(
        "UPDATE integration_api_key SET last_used_at = NULL WHERE endpoint_id = %s RETURNING id",
        (e2e.setup["endpoint_id"],),
    )
    key = f"e2e-concurrent-{uuid.uuid4().hex}"
    envelope = e2e.envelope(key)

    message_id = _check_one_message(e2e, key, _burst(e2e, envelope))
    _check_posted_once(e2e, message_id)

    # A late resend changes nothing and answers with the finished message.
    response = e2e.client.post_messages(envelope)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == message_id
    assert response.json()["state"] == "done"
    assert e2e.query(
        "SELECT count(*) FROM account_move WHERE integration_message_id = %s", (message_id,)
    ) == [(1,)]


def test_identical_concurrent_posts_with_a_key_in_use(e2e):
    """The same race on storing the message alone (the key's last use is fresh)."""
    response = e2e.client.get_message(0)  # authenticates: records the key's use now
    assert response.status_code == 404, response.text
    key = f"e2e-concurrent-warm-{uuid.uuid4().hex}"

    message_id = _check_one_message(e2e, key, _burst(e2e, e2e.envelope(key)))
    _check_posted_once(e2e, message_id)
