"""Two Odoo server processes on one scratch database, for the fault tests.

Each server is what production runs (prefork: HTTP workers and a cron
worker) on its own ports, both on the same database and so the same queue.
Each names its PostgreSQL connections after itself (Odoo's ``db_app_name``,
``odoo-A-<pid>`` and ``odoo-B-<pid>``), and a trigger added to the scratch
copy only writes down, for every message that becomes 'done', the
connection that committed it: which server did the work, and whether any
message was ever made done twice (a second row). A row is written in the
processing transaction itself, so work rolled back leaves none.
"""

import contextlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg2
import requests

from .conftest import E2E, SETUP_SCRIPT, pg_today
from .odoo_process import (
    TEST_DB,
    ApiClient,
    OdooServer,
    copy_database,
    drop_db_and_filestore,
    odoo_shell,
    pg_connect,
    scratch_db_name,
)

NAMES = ("A", "B")
POLL = 0.05  # seconds between two looks at the database

RECORDER = """
CREATE TABLE fault_done_by (
    message_id integer NOT NULL,
    app text NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION fault_note_done() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fault_done_by (message_id, app) VALUES (NEW.id, current_setting('application_name'));
    RETURN NEW;
END $$;
CREATE TRIGGER fault_note_done AFTER UPDATE OF state ON integration_message
    FOR EACH ROW WHEN (NEW.state = 'done' AND OLD.state IS DISTINCT FROM 'done')
    EXECUTE FUNCTION fault_note_done();
"""


@dataclass
class FaultSite:
    """The scratch database, its two servers and an API client for each."""

    e2e: E2E  # queries and envelopes (its server is A)
    servers: dict
    clients: dict

    @property
    def dbname(self):
        return self.e2e.dbname

    def query(self, sql, params=None):
        return self.e2e.query(sql, params)

    def log_tails(self, chars=3000):
        return "\n".join(f"=== server {n} ===\n{s.log_tail(chars)}" for n, s in self.servers.items())


@contextlib.contextmanager
def open_site(workdir, workers=2, max_cron_threads=1):
    dbname = scratch_db_name("faults")
    servers = {}
    try:
        how = copy_database(TEST_DB, dbname)
        for name in NAMES:
            folder = workdir / name
            folder.mkdir()
            servers[name] = OdooServer(
                dbname,
                folder,
                workers=workers,
                max_cron_threads=max_cron_threads,
                db_app_name=f"odoo-{name}-{{pid}}",
            )
        setup = odoo_shell(servers["A"].conf, dbname, SETUP_SCRIPT)
        setup["today"] = pg_today(dbname)
        e2e = E2E(servers["A"], ApiClient(servers["A"].base_url, setup["key"]), dbname, setup, how)
        conn = e2e.db()
        with conn.cursor() as cr:
            cr.execute(RECORDER)
        conn.close()
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.start(), servers.values()))
        clients = {name: ApiClient(server.base_url, setup["key"]) for name, server in servers.items()}
        yield FaultSite(e2e, servers, clients)
    finally:
        for server in servers.values():
            server.stop()
        drop_db_and_filestore(dbname)


class Sender:
    """A sender as the contract describes one: it resends what got no answer, with the same keys.

    Counts what went wrong on the way (server errors, refused connections):
    after a fault a resend is normal, and the idempotency key makes it safe.
    """

    def __init__(self, client):
        self.client = client
        self.ids = {}  # idempotency key -> message id
        self.resends = 0
        self.duplicates = 0

    def send(self, envelopes, timeout=120):
        body = {"messages": envelopes}
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = self.client.post_messages(body)
                if response.status_code == 200:
                    break
                problem = f"{response.status_code} {response.text[:300]}"
                if response.status_code < 500:
                    raise AssertionError(f"refused: {problem}")
            except requests.RequestException as error:
                problem = repr(error)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer in {timeout} s: {problem}")
            self.resends += 1
            time.sleep(0.2)  # a sender's back-off before resending, not a synchronization
        for envelope, item in zip(envelopes, response.json()["results"], strict=True):
            assert item["status"] in ("accepted", "duplicate"), item
            self.duplicates += item["status"] == "duplicate"
            self.ids[envelope["idempotency_key"]] = item["id"]


def send_through(site, envelopes, batch=50):
    """Send the envelopes in batches, alternately through each server, both at once.

    Return (ids in the envelopes' order, the senders by server name).
    """
    senders = {name: Sender(client) for name, client in site.clients.items()}
    names = list(senders)
    batches = [envelopes[i : i + batch] for i in range(0, len(envelopes), batch)]
    shares = {name: batches[index :: len(names)] for index, name in enumerate(names)}

    def run(name):
        for chunk in shares[name]:
            senders[name].send(chunk)

    with ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(run, names))
    ids = {}
    for sender in senders.values():
        ids.update(sender.ids)
    return [ids[envelope["idempotency_key"]] for envelope in envelopes], senders


class Queue:
    """The queue's state seen from outside, from a connection of the test's own."""

    def __init__(self, site, ids):
        self.site = site
        self.ids = list(ids)
        self.conn = site.e2e.db()

    def close(self):
        self.conn.close()

    def fetch(self, sql, params=None):
        try:
            with self.conn.cursor() as cr:
                cr.execute(sql, params)
                return cr.fetchall()
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            if not self.conn.closed:
                raise
            # The fault under test ended this connection too (as a restart would): a new one.
            self.conn = self.site.e2e.db()
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
            "SELECT id FROM integration_message WHERE id = ANY(%s) AND state = %s ORDER BY id",
            (self.ids, state),
        )
        return [row[0] for row in rows]

    def wait(self, condition, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(POLL)  # polling interval, bounded by the deadline
        raise TimeoutError(
            f"{what}: not reached in {timeout} s; states {self.states()}\n{self.site.log_tails()}"
        )

    def done_by_server(self):
        """{server name: messages it made done} from the recorder; and the messages made done twice."""
        rows = self.fetch(
            "SELECT split_part(app, '-', 2), count(*) FROM fault_done_by WHERE message_id = ANY(%s) GROUP BY 1",
            (self.ids,),
        )
        twice = self.fetch(
            "SELECT message_id, array_agg(app) FROM fault_done_by WHERE message_id = ANY(%s)"
            " GROUP BY message_id HAVING count(*) > 1",
            (self.ids,),
        )
        return dict(rows), twice

    def check_posted_once(self):
        """Every message done with exactly one posted entry, its result, and made done once."""
        states = self.states()
        assert states == {"done": len(self.ids)}, states
        rows = self.fetch(
            """
            SELECT m.id, m.result_id, count(am.id), min(am.id), bool_and(am.state = 'posted')
              FROM integration_message m
              LEFT JOIN account_move am ON am.integration_message_id = m.id
             WHERE m.id = ANY(%s)
             GROUP BY m.id, m.result_id
            """,
            (self.ids,),
        )
        wrong = [row for row in rows if row[2] != 1 or row[1] != row[3] or not row[4]]
        assert not wrong, f"not exactly one posted entry (id, result, count, move, posted): {wrong[:10]}"
        # The entries' references are the idempotency keys: none posted twice under another message.
        refs = self.fetch(
            """
            SELECT am.ref, count(*) FROM account_move am
              JOIN integration_message m ON m.idempotency_key = am.ref
             WHERE m.id = ANY(%s) GROUP BY am.ref HAVING count(*) <> 1
            """,
            (self.ids,),
        )
        assert not refs, f"references posted more than once: {refs[:10]}"
        by_server, twice = self.done_by_server()
        assert not twice, f"messages made done more than once: {twice[:10]}"
        assert sum(by_server.values()) == len(self.ids), by_server
        return by_server


def terminate_backends(dbname, apps=NAMES):
    """What a PostgreSQL restart does to the servers: every connection they hold ends at once.

    Every backend of ``dbname`` and every connection of the servers ``apps``
    to other databases (their cron workers listen for wake-ups on
    'postgres'). The rest of the cluster (the test runner's own
    connections, other test runs) is left alone, which a real restart would
    not. Returns how many were ended.
    """
    conn = pg_connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid() AND (datname = %s OR application_name LIKE ANY(%s))",
                (dbname, [f"odoo-{name}-%" for name in apps]),
            )
            return cr.fetchone()[0]
    finally:
        conn.close()


def envelopes_for(site, prefix, count, journal=None):
    """Journal entries for BE01 whose references are their idempotency keys."""
    result = []
    for index in range(count):
        key = f"{prefix}-{index:05d}"
        envelope = site.e2e.envelope(key, amount=f"{100 + index % 50}.25")
        if journal:
            envelope["payload"]["journal"] = journal
        result.append(envelope)
    return result


def dumps(value):
    return json.dumps(value, indent=1, default=str)


SUBSCRIBE = """
import json
from odoo import Command

env = env(su=True)
endpoint = env["integration.endpoint"].browse(__ENDPOINT__)
journal = env["account.journal"].create(
    {"name": "Events " + __CODE__, "code": __CODE__, "type": "general", "company_id": endpoint.company_id.id}
)
endpoint.write({"breaker_threshold": __THRESHOLD__, "breaker_cooldown": __COOLDOWN__, "outbound_url": __URL__})
event_type = env.ref("integration_mapping.event_move_posted")
endpoint.subscription_ids = [
    Command.create({"event_type_id": event_type.id, "journal_ids": [Command.set(journal.ids)]})
]
secret = endpoint.action_rotate_outbound_secret()["context"]["integration_secret"]
env.cr.commit()
print(__MARK__ + json.dumps({"secret": secret, "journal": journal.code, "event_type_id": event_type.id}))
"""


def subscribe_to_entries(site, url, code, threshold=3, cooldown=2):
    """The site's endpoint takes `move.posted` events of a new journal ``code`` at ``url``."""
    from .odoo_process import RESULT_MARK

    script = SUBSCRIBE
    for name, value in {
        "__ENDPOINT__": site.e2e.setup["endpoint_id"],
        "__CODE__": code,
        "__THRESHOLD__": threshold,
        "__COOLDOWN__": cooldown,
        "__URL__": url,
        "__MARK__": RESULT_MARK,
    }.items():
        script = script.replace(name, repr(value))
    return odoo_shell(site.servers["A"].conf, site.dbname, script)
