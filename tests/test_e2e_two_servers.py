"""Two Odoo server processes on one database share one queue: every message processed once.

Both servers run prefork with a cron worker each (see _faults.py); senders
post journal entries through both servers' APIs at once. Which server made
each message done is written down by the connection that committed it
(the servers name their connections A and B).

The second test ends every PostgreSQL connection of both servers in the
middle of a batch, which is what a restart of PostgreSQL does to them. The
test suite shares its PostgreSQL server with the test runner (pytest-odoo
keeps the test database open) and with other runs, so it does not restart
the cluster itself: the benchmark (benchmarks/bench_faults.py), which runs
alone, restarts a real one.
"""

import os
import time
import uuid

from ._faults import Queue, envelopes_for, send_through, terminate_backends

MESSAGES = int(os.environ.get("E2E_FAULT_MESSAGES", "600"))
FINAL = ("done", "exception", "dead", "cancelled")


def _stuck_timeout():
    try:
        from odoo.addons.integration_core.engine import processor
    except ImportError:
        return 600
    return processor.STUCK_TIMEOUT


def _final(queue, count=None):
    states = queue.states()
    return sum(states.get(state, 0) for state in FINAL) == (len(queue.ids) if count is None else count)


def test_two_servers_process_every_message_once(fault_site):
    run = uuid.uuid4().hex[:8]
    envelopes = envelopes_for(fault_site, f"two-{run}", MESSAGES)
    started = time.monotonic()
    ids, senders = send_through(fault_site, envelopes)
    assert len(set(ids)) == MESSAGES
    assert not any(sender.resends or sender.duplicates for sender in senders.values())
    queue = Queue(fault_site, ids)
    try:
        queue.wait(lambda: _final(queue), 150, "every message processed")
        seconds = time.monotonic() - started
        by_server = queue.check_posted_once()
    finally:
        queue.close()
    print(
        f"\n{MESSAGES} messages in {seconds:.1f} s ({MESSAGES / seconds:.0f}/s), done by server {by_server}"
    )
    assert set(by_server) == {"A", "B"}, f"one server did all the work: {by_server}"


def _lose_connections_mid_batch(site, queue, attempts=3):
    """End every connection of both servers while a claimed batch is being processed.

    Return the ids the lost transactions had claimed: they stay 'processing'.
    """
    for _attempt in range(attempts):

        def armed():
            states = queue.states()
            if _final(queue):
                raise AssertionError("everything was processed before the connections could be ended")
            return states.get("done") and states.get("processing")

        queue.wait(armed, 120, "a batch in progress after one done")
        ended = terminate_backends(site.dbname)
        # Read at once: the servers' new workers need a moment before they claim again.
        stuck = queue.ids_in("processing")
        assert ended, "no connection was ended"
        if stuck:
            return stuck, ended
        # The batch committed in the instant before: try on the next one.
    raise AssertionError(f"no batch was in progress in {attempts} attempts")


def test_database_connections_lost_mid_batch_lose_and_double_nothing(fault_site):
    run = uuid.uuid4().hex[:8]
    count = max(MESSAGES // 2, 200)
    ids, _senders = send_through(fault_site, envelopes_for(fault_site, f"pg-{run}", count))
    queue = Queue(fault_site, ids)
    try:
        stuck, ended = _lose_connections_mid_batch(fault_site, queue)
        lost_at = time.monotonic()
        done_before = queue.states().get("done", 0)
        assert done_before < count

        # Senders carry on at once: a request that meets a lost connection is resent (same keys).
        more, senders = send_through(fault_site, envelopes_for(fault_site, f"pg-after-{run}", 100))
        resends = sum(sender.resends for sender in senders.values())
        queue.ids += more

        # Nothing wakes the servers from outside: they find their way back by themselves.
        queue.wait(
            lambda: queue.states().get("done", 0) > done_before,
            90,
            "processing again after the connections ended",
        )
        resumed = time.monotonic() - lost_at
        others = len(queue.ids) - len(stuck)
        queue.wait(lambda: queue.states().get("done", 0) == others, 120, "every other message done")
        # The lost transactions made nothing, and nothing takes their claims before the stuck timeout.
        assert queue.ids_in("processing") == stuck
        assert queue.fetch(
            "SELECT count(*) FROM account_move WHERE integration_message_id = ANY(%s)", (stuck,)
        ) == [(0,)]

        # Time passes: the lost claims are older than the stuck timeout (moved back, not waited for).
        queue.fetch(
            "UPDATE integration_message SET processing_started_at = processing_started_at"
            " - make_interval(secs => %s) WHERE id = ANY(%s) RETURNING id",
            (_stuck_timeout() + 60, stuck),
        )
        # Any new message wakes the crons; their next run recovers the claims first.
        ping, _senders = send_through(fault_site, envelopes_for(fault_site, f"pg-ping-{run}", 1))
        queue.ids += ping
        # Recovered messages run one per claim (they may be what stopped a worker): slower.
        queue.wait(lambda: _final(queue), 180, "every message processed")
        by_server = queue.check_posted_once()
        attempts = dict(
            queue.fetch("SELECT id, attempts FROM integration_message WHERE id = ANY(%s)", (stuck,))
        )
        assert set(attempts.values()) == {2}, attempts
    finally:
        queue.close()
    print(
        f"\n{ended} connections ended with {len(stuck)} messages claimed; processing again after {resumed:.1f} s;"
        f" {resends} requests resent; done by server {by_server}"
    )
