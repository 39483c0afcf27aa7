"""Plumbing for bench_faults.py: servers named A and B, watchers (PostgreSQL clusters: _faults_pg.py).

Servers name their PostgreSQL connections after themselves (Odoo's
``--db_app_name``), and a trigger writes down, for each message made
done, the connection that committed it: which server did the work, and
whether a message was ever made done twice. The trigger is added for the
run and dropped at its end.
"""

import contextlib
import signal
import subprocess
import threading
import time

import psutil
import requests
from _harness import free_port, odoo_server

RECORDER = """
DROP TRIGGER IF EXISTS fault_note_done ON integration_message;
CREATE TABLE IF NOT EXISTS fault_done_by (
    message_id integer NOT NULL, app text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE OR REPLACE FUNCTION fault_note_done() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fault_done_by (message_id, app) VALUES (NEW.id, current_setting('application_name'));
    RETURN NEW;
END $$;
CREATE TRIGGER fault_note_done AFTER UPDATE OF state ON integration_message
    FOR EACH ROW WHEN (NEW.state = 'done' AND OLD.state IS DISTINCT FROM 'done')
    EXECUTE FUNCTION fault_note_done();
"""
UNRECORD = """
DROP TRIGGER IF EXISTS fault_note_done ON integration_message;
DROP FUNCTION IF EXISTS fault_note_done();
DROP TABLE IF EXISTS fault_done_by;
"""


def execute(conn, sql, params=None):
    with conn.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall() if cr.description else None


@contextlib.contextmanager
def servers(names, cron_threads=1, workers=2, db=None):
    """Prefork servers (their own ports and logs) on the benchmark database; ``db``: another cluster."""
    extra = []
    if db:
        extra = [f"--db_host={db['host']}", f"--db_port={db['port']}", f"--db_user={db['user']}"]
    with contextlib.ExitStack() as stack:
        started = {}
        for name in names:
            # its own long-polling port too: two servers on Odoo's default 8072 would clash
            app = [f"--db_app_name=odoo-{name}-{{pid}}", f"--gevent-port={free_port()}"]
            started[name] = stack.enter_context(
                odoo_server(
                    workers=workers,
                    cron_threads=cron_threads,
                    log_level=None,
                    extra=extra + app,
                    settle=not db,
                )
            )
        yield started


class Supervisor:
    """Starts a server again when its process exits, as systemd's ``Restart=always`` would
    (Debian's odoo.service sets no Restart=: there the server would stay down)."""

    def __init__(self, server, delay=1.0):
        self.server, self.delay = server, delay
        self.cmd = psutil.Process(server.proc.pid).cmdline()
        self.exits = []  # time.monotonic() of each exit seen
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def watch(self):
        while not self.stopping.wait(0.2):
            if self.server.proc.poll() is not None:
                self.exits.append(time.monotonic())
                self.stopping.wait(self.delay)
                if not self.stopping.is_set():
                    self.server.proc = subprocess.Popen(self.cmd)

    def close(self):
        self.stopping.set()
        self.thread.join()
        if self.exits and self.server.proc.poll() is None:  # a process of ours, not the harness's
            self.server.proc.terminate()
            try:
                self.server.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.server.proc.kill()


class Sender:
    """Posts batches of envelopes as a sender would: what gets no answer is resent with the same keys."""

    def __init__(self, url, key):
        self.url, self.key = url, key
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        self.ids, self.resends, self.duplicates = {}, 0, 0
        self.foreign = {}  # answers that were not the API's (not JSON), by status

    def send(self, body, keys, timeout=600):
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = self.session.post(f"{self.url}/integration/v1/messages", data=body, timeout=300)
                if response.status_code == 200:
                    break
                problem = f"{response.status_code} {response.text[:200]}"
                json_answer = response.headers.get("Content-Type", "").startswith("application/json")
                if not json_answer:
                    # Not the API's answer (every one of its answers is JSON): Odoo's own page,
                    # e.g. its 404 "No database is selected" while PostgreSQL is unreachable.
                    self.foreign[response.status_code] = self.foreign.get(response.status_code, 0) + 1
                elif response.status_code < 500 and response.status_code != 429:
                    raise RuntimeError(f"refused: {problem}")
            except requests.RequestException as error:
                problem = repr(error)
                self.session.close()  # its kept-alive connection may be the broken one
            if time.monotonic() > deadline:
                raise RuntimeError(f"no answer in {timeout} s: {problem}")
            self.resends += 1
            time.sleep(0.5)  # a sender's back-off before resending
        for key, item in zip(keys, response.json()["results"], strict=True):
            if item["status"] not in ("accepted", "duplicate"):
                raise RuntimeError(f"refused envelope: {item}")
            self.duplicates += item["status"] == "duplicate"
            self.ids[key] = item["id"]


def send_all(servers_by_name, key, batches, background=False):
    """POST the (body, keys) batches through the servers, one client thread each, alternately.

    Returns the senders (and the threads when ``background``)."""
    senders = {name: Sender(server.url, key) for name, server in servers_by_name.items()}
    names = list(senders)

    def run(index, name):
        for body, keys in batches[index :: len(names)]:
            senders[name].send(body, keys)

    threads = [threading.Thread(target=run, args=(i, n)) for i, n in enumerate(names)]
    for thread in threads:
        thread.start()
    if background:
        return senders, threads
    for thread in threads:
        thread.join()
    return senders


def all_ids(senders, keys):
    ids = {}
    for sender in senders.values():
        ids.update(sender.ids)
    return [ids[key] for key in keys]


class Timeline:
    """Done messages among ``ids`` over time, read from the database by an outside observer."""

    FINAL = ("done", "exception", "dead", "cancelled")

    def __init__(self, connect, ids):
        self.connect = connect
        self.conn = connect()
        self.ids = list(ids)
        self.points = []  # (time.monotonic(), done count)

    def fetch(self, sql, params=None):
        for attempt in (1, 2):
            try:
                return execute(self.conn, sql, params)
            except Exception:  # the fault under test may have ended this connection too
                if attempt == 2 or not self.conn.closed:
                    raise
                self.conn = self.connect()
        return None

    def states(self):
        rows = self.fetch(
            "SELECT state, count(*) FROM integration_message WHERE id = ANY(%s) GROUP BY state", [self.ids]
        )
        return dict(rows)

    def sample(self):
        states = self.states()
        self.points.append((time.monotonic(), states.get("done", 0)))
        return states

    def wait(self, condition, timeout, what, interval=0.2):
        deadline = time.monotonic() + timeout
        while True:
            states = self.sample()
            if condition(states):
                return states
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not reached in {timeout} s: {states}")
            time.sleep(interval)  # an observer's polling interval

    def done_at(self, count):
        """When the done count first reached ``count``."""
        return next((at for at, done in self.points if done >= count), None)

    def rate(self, start, end):
        """Messages made done per second between two moments (the samples nearest them)."""
        inside = [(at, done) for at, done in self.points if start <= at <= end]
        if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
            return None
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    def check_once(self):
        """Every message done with one posted entry, made done once: (problems, done by server)."""
        states = self.states()
        problems = [] if states == {"done": len(self.ids)} else [f"states {states}"]
        wrong = self.fetch(
            """
            SELECT m.id FROM integration_message m
              LEFT JOIN account_move am ON am.integration_message_id = m.id AND am.state = 'posted'
             WHERE m.id = ANY(%s) GROUP BY m.id, m.result_id
            HAVING count(am.id) <> 1 OR min(am.id) <> m.result_id
            """,
            [self.ids],
        )
        if wrong:
            problems.append(f"{len(wrong)} messages without exactly one posted entry: {wrong[:5]}")
        twice = self.fetch(
            "SELECT message_id FROM fault_done_by WHERE message_id = ANY(%s) GROUP BY 1 HAVING count(*) > 1",
            [self.ids],
        )
        if twice:
            problems.append(f"{len(twice)} messages made done twice: {twice[:5]}")
        by_server = dict(
            self.fetch(
                "SELECT split_part(app, '-', 2), count(*) FROM fault_done_by WHERE message_id = ANY(%s) GROUP BY 1",
                [self.ids],
            )
        )
        return problems, by_server

    def close(self):
        self.conn.close()


def claimed_by(timeline, name):
    """(ids 'processing', client ports of server ``name``'s connections holding claimed rows)."""
    rows = timeline.fetch(
        """
        SELECT DISTINCT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'relation' AND l.relation = 'integration_message'::regclass
           AND l.mode = 'RowShareLock' AND l.granted AND a.application_name LIKE %s
        """,
        [f"odoo-{name}-%"],
    )
    return {row[0] for row in rows if row[0]}


def process_with_port(server, ports):
    """The server's own process (a worker) holding a local TCP connection from one of ``ports``."""
    for process in psutil.Process(server.proc.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            connections = getattr(process, "net_connections", None) or process.connections
            if any(c.laddr and c.laddr.port in ports for c in connections(kind="tcp")):
                return process
    return None


def kill_cron_worker_mid_batch(timeline, server, name, timeout=300):
    """SIGKILL server ``name``'s cron worker while it holds a claimed batch; (moment, ids it held)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        timeline.sample()
        ports = claimed_by(timeline, name)
        process = ports and process_with_port(server, ports)
        if process:
            process.send_signal(signal.SIGKILL)
            moment = time.monotonic()
            # PostgreSQL notices the dead client and rolls its transaction back: its locks go.
            while timeline.fetch("SELECT 1 FROM pg_stat_activity WHERE client_port = ANY(%s)", [list(ports)]):
                time.sleep(0.02)  # observer polling
            # What the dead worker had claimed: 'processing' and locked by no live worker.
            stuck = timeline.fetch(
                "SELECT id FROM integration_message WHERE id = ANY(%s) AND state = 'processing'"
                " ORDER BY id FOR UPDATE SKIP LOCKED",
                [timeline.ids],
            )
            if stuck:
                return moment, sorted(row[0] for row in stuck), process.pid
        time.sleep(0.05)  # observer polling
    raise RuntimeError(f"server {name}'s cron worker was never caught holding a batch")
