"""Dashboard and Messages list with a long history: load times through a running server.

Grows the benchmark database once to --history done and failed messages
(SQL, spread over the past --days days, in time order as they would have
arrived; a run later reuses them), with the open exceptions of the failed
ones and a small queue. Then, logged in as admin through a real server, it
times the JSON-RPC calls the web client makes: the dashboard grouped by
entity, one entity unfolded, the messages by hour (24 hours and 7 days),
the processing times by flow, ten alerts checked (as their cron does), and
the Messages list's first page (no filter, "Exception", "Pending").

Each index the monitoring relies on is then justified by two figures
measured in the same run, in a transaction rolled back: the dashboard's
query with and without it, and what it costs to store messages with and
without it (bulk inserts as the intake does them).
"""

import argparse
import statistics
import time

import requests
from _harness import DB, ensure_database, odoo_server, pg_connect, table

PREFIX = "dash-bench-"
QUEUE_PREFIX = "dash-queue-"  # the small queue of each run, apart from the history
# Indexes the monitoring added, each justified below by a measure in the same run.
INDEXES = ["integration_message_received_idx"]


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--history", type=int, default=200_000, help="done and failed messages stored")
    parser.add_argument("--days", type=int, default=30, help="over how many past days they arrived")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per measure (after one warm-up)")
    parser.add_argument("--inserts", type=int, default=10_000, help="messages inserted for the index cost")
    parser.add_argument("--no-update", action="store_true", help="do not update the addons first (iterating)")
    return parser.parse_args()


# ------------------------------------------------------------------ history
def grow_history(conn, target, days):
    """Add done and failed messages until ``target`` of this benchmark's are stored; return how many exist."""
    with conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM integration_message WHERE idempotency_key LIKE %s", [PREFIX + "%"])
        have = cr.fetchone()[0]
        if have >= target:
            return have
        # Where history comes from: every (endpoint, entity, flow) the demo's endpoints allow.
        cr.execute(
            """
            SELECT ep.id, COALESCE(ec.company_id, ep.company_id), ef.integration_flow_id
              FROM integration_endpoint ep
              JOIN integration_endpoint_integration_flow_rel ef ON ef.integration_endpoint_id = ep.id
         LEFT JOIN integration_endpoint_company_rel ec ON ec.endpoint_id = ep.id
             ORDER BY 1, 2, 3
            """
        )
        lanes = cr.fetchall()
        if not lanes:
            raise SystemExit("no endpoint in the benchmark database: is the demo group installed?")
        cr.execute("SELECT payload, payload_hash FROM integration_message WHERE payload IS NOT NULL LIMIT 1")
        payload, payload_hash = cr.fetchone() or ('{"ref": "benchmark"}', None)
        print(f"storing {target - have} messages of history (once)...", flush=True)
        # n = 0 is the oldest: ids grow with receipt time, as they do in production.
        cr.execute(
            """
            CREATE TEMP TABLE dash_seed AS
            SELECT g AS n, l.endpoint_id, l.company_id, l.flow_id,
                   (now() AT TIME ZONE 'UTC') - make_interval(secs => (%(total)s - g) * %(step)s) AS at,
                   CASE WHEN g %% 50 = 0 THEN 'exception' WHEN g %% 97 = 0 THEN 'dead' ELSE 'done' END
                       AS state,
                   (g * 7919) %% 120 + 1 AS seconds
              FROM generate_series(%(have)s + 1, %(total)s) g
              JOIN (SELECT row_number() OVER () - 1 AS k, *
                      FROM unnest(%(e)s::int[], %(c)s::int[], %(f)s::int[])
                           AS l(endpoint_id, company_id, flow_id)
                   ) l ON l.k = g %% %(lanes)s
            """,
            {
                "have": have,
                "total": target,
                "step": days * 86400.0 / target,
                "lanes": len(lanes),
                "e": [lane[0] for lane in lanes],
                "c": [lane[1] for lane in lanes],
                "f": [lane[2] for lane in lanes],
            },
        )
        cr.execute(
            """
            INSERT INTO integration_message (
                direction, endpoint_id, flow_id, schema_version, company_id, idempotency_key, correlation_id,
                payload, payload_hash, state, attempts, processing_started_at, done_at, errors,
                create_uid, write_uid, create_date, write_date)
            SELECT 'in', endpoint_id, flow_id, '1.0', company_id, %(prefix)s || n, gen_random_uuid()::text,
                   %(payload)s, %(hash)s, state, 1, at,
                   CASE WHEN state = 'done' THEN at + make_interval(secs => seconds) END,
                   CASE WHEN state != 'done'
                        THEN '[{"code": "unknown_reference", "message": "benchmark"}]'::jsonb END,
                   1, 1, at, at + make_interval(secs => seconds)
              FROM dash_seed ORDER BY n
            """,
            {"prefix": PREFIX, "payload": payload, "hash": payload_hash},
        )
        cr.execute(
            """
            INSERT INTO integration_exception (name, message_id, company_id, endpoint_id, flow_id, code,
                   details, explanation, state, create_uid, write_uid, create_date, write_date)
            SELECT 'benchmark: unknown reference', m.id, m.company_id, m.endpoint_id, m.flow_id,
                   'unknown_reference', m.errors, '- benchmark', 'open', 1, 1, m.create_date, m.create_date
              FROM integration_message m JOIN dash_seed s ON m.idempotency_key = %(prefix)s || s.n
             WHERE s.state != 'done'
            """,
            {"prefix": PREFIX},
        )
        cr.execute("DROP TABLE dash_seed")
        for name in ("integration_message", "integration_exception"):
            cr.execute(f"VACUUM ANALYZE {name}")
    return target


def ensure_queue(conn, size=300):
    """A small queue waiting, so backlog figures are not all zero (removed after the measures)."""
    drop_queue(conn)
    with conn.cursor() as cr:
        cr.execute(
            """
            INSERT INTO integration_message (direction, endpoint_id, flow_id, schema_version, company_id,
                   idempotency_key, correlation_id, payload, state, attempts, create_uid, write_uid,
                   create_date, write_date)
            SELECT 'in', endpoint_id, flow_id, '1.0', company_id, %s || gen_random_uuid(),
                   gen_random_uuid()::text, payload, 'received', 0, 1, 1,
                   (now() AT TIME ZONE 'UTC') - make_interval(mins => g %% 90),
                   now() AT TIME ZONE 'UTC'
              FROM (SELECT * FROM integration_message WHERE idempotency_key LIKE %s LIMIT 1) m,
                   generate_series(1, %s) g
            """,
            [QUEUE_PREFIX, PREFIX + "%", size],
        )
        cr.execute("ANALYZE integration_message")


def drop_queue(conn):
    """The queue is only for the figures: no server is to process it later (SQL-made, no trail)."""
    with conn.cursor() as cr:
        cr.execute("DELETE FROM integration_message WHERE idempotency_key LIKE %s", [QUEUE_PREFIX + "%"])


# ------------------------------------------------------------------ the web client's calls
class Client:
    def __init__(self, url):
        self.url, self.http = url, requests.Session()
        self.context = {}

    def login(self, login="admin", password="admin"):
        result = self._post("/web/session/authenticate", {"db": DB, "login": login, "password": password})
        companies = result["user_companies"]["allowed_companies"]
        self.context = {"lang": "en_US", "tz": "UTC", "allowed_company_ids": [int(c) for c in companies]}

    def _post(self, path, params):
        body = {"jsonrpc": "2.0", "method": "call", "params": params}
        response = self.http.post(self.url + path, json=body)
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RuntimeError(body["error"]["data"]["message"])
        return body.get("result")  # a method returning nothing answers without one

    def call(self, model, method, *args, **kwargs):
        kwargs.setdefault("context", self.context)
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs}
        return self._post(f"/web/dataset/call_kw/{model}/{method}", params)


def spec(*names):
    return {name: {} if "_id" not in name else {"fields": {"display_name": {}}} for name in names}


DASHBOARD_FIELDS = [
    "company_id", "flow_id", "backlog", "oldest_pending_minutes", "received_24h", "done_24h", "failed_24h",
    "failure_rate", "latency_median", "latency_p95", "open_exceptions", "exceptions_recent",
    "exceptions_1_3d", "exceptions_older", "dead",
]  # fmt: skip
DASHBOARD_AGGREGATES = [
    "backlog:sum", "oldest_pending_minutes:max", "received_24h:sum", "done_24h:sum", "failed_24h:sum",
    "failure_rate:max", "latency_median:max", "latency_p95:max", "open_exceptions:sum",
    "exceptions_recent:sum", "exceptions_1_3d:sum", "exceptions_older:sum", "dead:sum",
]  # fmt: skip
MESSAGE_FIELDS = [
    "id", "create_date", "company_id", "entity_code", "endpoint_id", "flow_id", "idempotency_key",
    "correlation_id", "state", "attempts", "next_attempt_at", "result_name",
]  # fmt: skip


def alert_rules(client):
    """Ten alerts (two figures for each entity), thresholds out of reach: what the cron checks."""
    Rule = "integration.alert.rule"
    ids = client.call(Rule, "search", [("threshold", "=", 1e9)])
    if len(ids) < 10:
        companies = client.call("res.company", "search", [("entity_code", "!=", False)])
        uid = client.call("res.users", "search", [("login", "=", "admin")])[0]
        vals = [
            {"company_id": company, "metric": metric, "threshold": 1e9, "user_id": uid}
            for company in companies
            for metric in ("backlog", "failure_rate")
        ]
        ids = client.call(Rule, "create", vals)
    return ids


def measures(entity_id, rule_ids):
    """(label, model, method, args, kwargs) of the calls the screens make."""
    dash, activity, msg = "integration.dashboard", "integration.message.activity", "integration.message"
    page = {"specification": spec(*MESSAGE_FIELDS), "offset": 0, "limit": 80, "count_limit": 10001}
    by_hour = (["received_at:hour", "state"], ["__count"])
    latency = (["flow_id"], ["__count", "latency_median:max", "latency_p95:max"])
    pending = ("received", "processing", "retry")
    return [
        ("Dashboard: grouped by entity", dash, "web_read_group",
         ([], ["company_id"], DASHBOARD_AGGREGATES), {"limit": 80}),
        ("Dashboard: one entity unfolded", dash, "web_search_read",
         ([("company_id", "=", entity_id)], spec(*DASHBOARD_FIELDS)), {"limit": 80}),
        ("Messages by hour, 24 hours", activity, "formatted_read_group",
         ([("last_24h", "=", True)], *by_hour), {}),
        ("Messages by hour, 7 days", activity, "formatted_read_group", ([], *by_hour), {}),
        ("Processing times by flow, 7 days", activity, "formatted_read_group", ([], *latency), {}),
        (f"Alerts: {len(rule_ids)} checked", "integration.alert.rule", "action_evaluate", (rule_ids,), {}),
        ("Messages list, first page", msg, "web_search_read", ([],), page),
        ("Messages list, Exception", msg, "web_search_read", ([("state", "=", "exception")],), page),
        ("Messages list, Pending", msg, "web_search_read", ([("state", "in", pending)],), page),
    ]  # fmt: skip


def time_calls(client, calls, repeat):
    rows = []
    for label, model, method, args, kwargs in calls:
        runs = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            client.call(model, method, *args, **kwargs)
            runs.append(time.perf_counter() - start)
        first, runs = runs[0], runs[1:]
        figures = (first, statistics.median(runs), max(runs))
        rows.append((label, *(f"{seconds * 1000:.0f}" for seconds in figures)))
    return rows


# ------------------------------------------------------------------ index justification
DASHBOARD_SQL = "SELECT * FROM integration_dashboard"
HOURS_SQL = (
    "SELECT date_trunc('hour', received_at), state, count(*) FROM integration_message_activity "
    "WHERE last_24h GROUP BY 1, 2"
)


def _timed(cr, sql, repeat):
    runs = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        cr.execute(sql)
        cr.fetchall()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs[1:]) * 1000


def _insert_cost(cr, count, batch=500):
    """Milliseconds to store ``count`` received messages in INSERTs of ``batch`` rows, as the intake does."""
    cr.execute("SELECT endpoint_id, flow_id, company_id, payload FROM integration_message LIMIT 1")
    endpoint_id, flow_id, company_id, payload = cr.fetchone()
    start = time.perf_counter()
    for first in range(0, count, batch):
        keys = [f"{PREFIX}insert-{time.time_ns()}-{i}" for i in range(first, min(first + batch, count))]
        cr.execute(
            """
            INSERT INTO integration_message (direction, endpoint_id, flow_id, schema_version, company_id,
                   idempotency_key, correlation_id, payload, state, attempts, create_uid, write_uid,
                   create_date, write_date)
            SELECT 'in', %s, %s, '1.0', %s, k, gen_random_uuid()::text, %s, 'received', 0, 1, 1,
                   now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM unnest(%s::varchar[]) k
            """,
            [endpoint_id, flow_id, company_id, payload, keys],
        )
    return (time.perf_counter() - start) * 1000


def _measure(conn, drop, repeat, inserts):
    """(dashboard ms, messages by hour ms, store ms) in one transaction, rolled back."""
    with conn.cursor() as cr:
        cr.execute("BEGIN")
        if drop:
            cr.execute(f'DROP INDEX "{drop}"')
        figures = (
            _timed(cr, DASHBOARD_SQL, repeat),
            _timed(cr, HOURS_SQL, repeat),
            _insert_cost(cr, inserts),
        )
        cr.execute("ROLLBACK")
    return figures


def justify_indexes(conn, repeat, inserts, rounds=5):
    """Each index with and without, in turns over a few rounds (medians): the machine is shared."""
    rows = []
    with conn.cursor() as cr:
        cr.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [INDEXES])
        present = {name for (name,) in cr.fetchall()}
    for index in INDEXES:
        if index not in present:
            print(f"{index} is not in the database: not measured")
            continue
        runs = {False: [], True: []}
        for turn in range(rounds):
            for drop in (False, True) if turn % 2 == 0 else (True, False):
                runs[drop].append(_measure(conn, index if drop else None, repeat, inserts))
        labels = ["dashboard query (ms)", "messages by hour, 24 h (ms)", f"store {inserts} messages (ms)"]
        for i, label in enumerate(labels):
            with_idx = statistics.median(run[i] for run in runs[False])
            without = statistics.median(run[i] for run in runs[True])
            change = f"{(with_idx - without) / without:+.0%}"
            rows.append((index, label, f"{with_idx:.1f}", f"{without:.1f}", change))
    return rows


def main():
    args = parse_args()
    ensure_database(update=not args.no_update)
    conn = pg_connect()
    have = grow_history(conn, args.history, args.days)
    ensure_queue(conn)
    with conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM integration_message")
        total = cr.fetchone()[0]
        cr.execute("SELECT id FROM res_company WHERE entity_code = 'BE01'")
        entity_id = cr.fetchone()[0]
    print(f"\n{total} messages stored ({have} of this benchmark's history over {args.days} days)\n")
    with odoo_server(cron_threads=0) as server:  # no cron: the figures are the screens' alone
        client = Client(server.url)
        client.login()
        rows = time_calls(client, measures(entity_id, alert_rules(client)), args.repeat)
    table(rows, ["through the server (JSON-RPC)", "first ms", "median ms", "max ms"])
    print("\nIndexes, measured in one transaction each, rolled back (the server stopped):\n")
    table(justify_indexes(conn, args.repeat, args.inserts), ["index", "measure", "with", "without", "cost"])
    drop_queue(conn)
    conn.close()


if __name__ == "__main__":
    main()
