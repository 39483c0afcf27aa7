"""A cron worker killed (SIGKILL) in the middle of a batch loses nothing and posts nothing twice.

The server runs in prefork mode with one cron worker, as in production. A
batch of journal entries is sent through the API; the cron worker starts
on them at once. While it holds a claimed batch (rows 'processing', their
locks held in its open transaction), it is killed. Its transaction is rolled
back by PostgreSQL; the prefork master spawns a new cron worker, which
carries on with the rest. The killed batch stays 'processing' until the
engine's stuck timeout: the test moves those claims back in time instead of
waiting, wakes the cron, and checks that every message ends done with
exactly one posted entry.
"""

import signal
import time
import uuid

import psutil

MESSAGES = 300
POLL = 0.02  # seconds between two looks at the database


def _stuck_timeout():
    try:
        from odoo.addons.integration_core.engine import processor
    except ImportError:
        return 600
    return processor.STUCK_TIMEOUT


class Watcher:
    """Reads the queue's state from its own connection; wakes the server's cron workers."""

    def __init__(self, e2e, ids):
        self.e2e = e2e
        self.ids = list(ids)
        self.conn = e2e.db()
        self.notify_conn = e2e.pg("postgres")
        self.last_wake = 0.0

    def close(self):
        self.conn.close()
        self.notify_conn.close()

    def fetch(self, sql, params=None):
        with self.conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()

    def states(self):
        rows = self.fetch(
            "SELECT state, count(*) FROM integration_message WHERE id = ANY(%s) GROUP BY state", (self.ids,)
        )
        return dict(rows)

    def ids_in(self, state):
        rows = self.fetch(
            "SELECT id FROM integration_message WHERE id = ANY(%s) AND state = %s", (self.ids, state)
        )
        return sorted(row[0] for row in rows)

    def lock_holder_ports(self):
        """Client ports of the connections whose open transaction holds claimed rows (FOR UPDATE)."""
        rows = self.fetch(
            """
            SELECT DISTINCT a.client_port
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'relation' AND l.relation = 'integration_message'::regclass
               AND l.mode = 'RowShareLock' AND l.granted
               AND a.datname = current_database() AND a.pid <> pg_backend_pid()
            """
        )
        return {row[0] for row in rows if row[0]}

    def backend_count(self, ports):
        rows = self.fetch("SELECT count(*) FROM pg_stat_activity WHERE client_port = ANY(%s)", (list(ports),))
        return rows[0][0]

    def wake_cron(self, every=0.5):
        """Notify the cron workers (as ir.cron._trigger does), at most every ``every`` seconds.

        A freshly spawned cron worker listens only once it has started:
        a notification sent before is lost, so keep sending while waiting.
        """
        now = time.monotonic()
        if now - self.last_wake >= every:
            with self.notify_conn.cursor() as cr:
                cr.execute("SELECT pg_notify('cron_trigger', %s)", (self.e2e.dbname,))
            self.last_wake = now

    def wait(self, condition, timeout, what, wake=True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if wake:
                self.wake_cron()
            time.sleep(POLL)  # polling interval, bounded by the deadline
        raise TimeoutError(
            f"{what}: not reached in {timeout} s; states {self.states()}\n{self.e2e.server.log_tail(4000)}"
        )


def _process_of(server, ports):
    """The server's own process (a worker) holding a local TCP connection from one of ``ports``.

    Odoo names its connections after the process that opened the registry
    (the prefork master), so the application name does not tell the worker:
    its socket does.
    """
    for process in server.descendants():
        connections = getattr(process, "net_connections", None) or process.connections
        try:
            if any(conn.laddr and conn.laddr.port in ports for conn in connections(kind="tcp")):
                return process
        except psutil.NoSuchProcess:
            continue
    return None


def _kill_cron_worker_mid_batch(e2e, watcher, attempts=3):
    """SIGKILL the cron worker while it holds a claimed batch, after it has finished one.

    Return the killed pid and the ids it had claimed: they stay 'processing'.
    """

    def armed():
        states = watcher.states()
        if states.get("done", 0) >= MESSAGES:
            raise AssertionError("the whole batch was processed before the worker could be killed")
        if not states.get("done") or not states.get("processing"):
            return None
        ports = watcher.lock_holder_ports()
        process = ports and _process_of(e2e.server, ports)
        # one cron worker: the rows 'processing' now are the ones it holds
        return process and (process, ports, watcher.ids_in("processing"))

    for _attempt in range(attempts):
        victim, ports, claimed = watcher.wait(armed, 120, "a cron worker holding a claimed batch")
        victim.send_signal(signal.SIGKILL)
        # PostgreSQL notices the dead client and rolls its transaction back.
        watcher.wait(
            lambda ports=ports: watcher.backend_count(ports) == 0,
            30,
            f"the connections of killed worker {victim.pid} gone",
            wake=False,
        )
        if claimed and set(claimed) <= set(watcher.ids_in("processing")):
            return victim.pid, claimed
        # It committed that batch in the instant before the signal: kill the next worker.
    raise AssertionError(f"no cron worker was killed in the middle of a batch in {attempts} attempts")


def test_cron_worker_killed_mid_batch_loses_nothing_and_posts_nothing_twice(e2e):
    run = uuid.uuid4().hex[:8]
    keys = [f"e2e-crash-{run}-{index:04d}" for index in range(MESSAGES)]
    envelopes = [e2e.envelope(key, amount=f"{100 + int(key[-4:]) % 50}.25") for key in keys]
    response = e2e.client.post_messages({"messages": envelopes}, timeout=300)
    assert response.status_code == 200, response.text[:2000]
    results = response.json()["results"]
    assert [item["status"] for item in results] == ["accepted"] * MESSAGES, results[:5]
    ids = [item["id"] for item in results]
    assert len(set(ids)) == MESSAGES

    watcher = Watcher(e2e, ids)
    try:
        # The request woke the cron: kill its worker in the middle of a batch.
        victim, stuck = _kill_cron_worker_mid_batch(e2e, watcher)
        states = watcher.states()
        assert 0 < states.get("done", 0) < MESSAGES, states
        assert sum(states.values()) == MESSAGES, states
        # The killed transaction made nothing.
        assert watcher.fetch(
            "SELECT count(*) FROM account_move WHERE integration_message_id = ANY(%s)", (stuck,)
        ) == [(0,)]

        # The prefork master starts a new cron worker, which does the rest; the
        # killed batch waits for the stuck timeout, it is not processed twice.
        others = MESSAGES - len(stuck)
        watcher.wait(lambda: watcher.states().get("done", 0) == others, 120, "the other messages done")
        assert watcher.ids_in("processing") == stuck
        assert all(process.pid != victim for process in e2e.server.descendants())

        # Time passes: the killed batch's claims are older than the stuck timeout.
        timeout = _stuck_timeout()
        watcher.fetch(
            "UPDATE integration_message SET processing_started_at = processing_started_at - make_interval(secs => %s)"
            " WHERE id = ANY(%s) RETURNING id",
            (timeout + 60, stuck),
        )
        # Any new message wakes the cron; its run recovers the stuck ones first.
        ping = {
            "flow": "test_echo",
            "schema_version": "1.0",
            "entity": "BE01",
            "idempotency_key": f"e2e-crash-{run}-ping",
            "payload": {"ref": f"ping-{run}", "outcome": "ok"},
        }
        assert e2e.client.post_messages(ping).status_code == 202
        watcher.wait(lambda: watcher.states().get("done", 0) == MESSAGES, 120, "every message done")

        moves = watcher.fetch(
            """
            SELECT m.id, m.result_id, count(am.id), min(am.id), bool_and(am.state = 'posted')
              FROM integration_message m
              LEFT JOIN account_move am ON am.integration_message_id = m.id
             WHERE m.id = ANY(%s)
             GROUP BY m.id, m.result_id
            """,
            (ids,),
        )
        assert len(moves) == MESSAGES
        wrong = [row for row in moves if row[2] != 1 or row[1] != row[3] or not row[4]]
        assert not wrong, (
            f"messages without exactly one posted entry (id, result, count, move, posted): {wrong[:10]}"
        )
        assert watcher.fetch(
            "SELECT count(*), count(DISTINCT integration_message_id) FROM account_move"
            " WHERE integration_message_id = ANY(%s)",
            (ids,),
        ) == [(MESSAGES, MESSAGES)]
        # The recovered messages were tried twice, and the recovery is in the audit log.
        attempts = dict(
            watcher.fetch("SELECT id, attempts FROM integration_message WHERE id = ANY(%s)", (stuck,))
        )
        assert set(attempts.values()) == {2}, attempts
        recovered = watcher.fetch(
            "SELECT DISTINCT message_id FROM integration_audit_log WHERE action = 'recovered' AND message_id = ANY(%s)",
            (stuck,),
        )
        assert sorted(row[0] for row in recovered) == stuck
    finally:
        watcher.close()
