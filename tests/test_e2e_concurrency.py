"""Twenty identical requests at the same instant make one message and one posted entry."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

SENDERS = 20


def test_identical_concurrent_posts_make_one_message_and_one_entry(e2e):
    key = f"e2e-concurrent-{uuid.uuid4().hex}"
    envelope = {
        "flow": "journal_entry",
        "schema_version": "1.0",
        "entity": "BE01",
        "idempotency_key": key,
        "payload": e2e.journal_entry(ref=key),
    }
    barrier = threading.Barrier(SENDERS)

    def send(_index):
        barrier.wait(timeout=30)
        response = e2e.client.post_messages(envelope)
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.text[:500]}
        return response.status_code, body

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        answers = list(pool.map(send, range(SENDERS)))

    statuses = sorted(status for status, _body in answers)
    detail = "answers:\n" + "\n".join(f"{status} {body}" for status, body in answers)
    assert statuses == [200] * (SENDERS - 1) + [202], detail
    ids = {body.get("id") for _status, body in answers}
    assert len(ids) == 1, detail
    (message_id,) = ids
    for status, body in answers:
        assert body["duplicate"] is (status == 200), detail
        assert body["idempotency_key"] == key, detail
    assert e2e.query(
        "SELECT id FROM integration_message WHERE idempotency_key = %s AND direction = 'in'", (key,)
    ) == [(message_id,)]

    # The server's own cron (woken by the first request) processes it.
    body = e2e.client.wait_for_message(message_id, timeout=60)
    assert body["state"] == "done", body
    assert body["attempts"] == 1, body
    assert body["result"]["model"] == "account.move", body

    moves = e2e.query(
        "SELECT id, state, move_type FROM account_move WHERE integration_message_id = %s", (message_id,)
    )
    assert moves == [(body["result"]["id"], "posted", "entry")], moves

    # A late resend changes nothing and answers with the finished message.
    response = e2e.client.post_messages(envelope)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == message_id
    assert response.json()["state"] == "done"
    assert e2e.query("SELECT count(*) FROM account_move WHERE integration_message_id = %s", (message_id,)) == [(1,)]
