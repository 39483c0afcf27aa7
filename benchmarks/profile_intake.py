"""What intake and reads cost, in-process: deterministic counts beside wall time.

Three measures on the benchmark database, each in this process (no server,
no network, so another process's load moves only the times, never the
counts):

- ``receive``: ``integration.message._api_receive`` of ``--count`` two-line
  journal entries (the engine's intake alone), rolled back after each round;
- ``post``: ``POST /integration/v1/messages`` of the same batch through
  Odoo's WSGI application (key check, body parse, intake, answer), committed
  as a server does (the messages are then cancelled: nothing processes them);
- ``get``: ``GET /integration/v1/messages/<id>`` of a processed message through
  the same application, ``--gets`` times.

For each: best and median wall time of ``--rounds`` rounds and the least CPU
time this process used in one (PostgreSQL's work left out), then one round
under cProfile: Python function calls and SQL statements, per message or per
request (the figures to compare between two commits on a shared machine).
``--top N`` prints the profile's heaviest functions.

    BENCH_CONF=.deps/odoo.<db>.conf BENCH_DB=<db> .venv/bin/python benchmarks/profile_intake.py
"""

import argparse
import cProfile
import io
import json
import pstats
import statistics
import time
import uuid
from _queue import cancel_pending

from _harness import CONF, DB, orm_env, pg_connect
from bench_core import setup


def sql_statements(stats):
    return sum(
        calls
        for (path, _line, name), (calls, *_rest) in stats.stats.items()
        if name == "execute" and path.endswith("sql_db.py")
    )


def measure(name, action, rounds, per, top):
    """Times of ``rounds`` calls, then one under the profiler; prints one line (and the profile)."""
    action()  # caches warm
    times, cpu = [], []
    for _round in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(
        f"{name:8} best {1000 * min(times):7.1f} ms, median {1000 * statistics.median(times):7.1f} ms, "
        f"CPU of this process {1000 * min(cpu):7.1f} ms | per {per[0]}: {1000 * min(times) / per[1]:.3f} ms, "
        f"CPU {1000 * min(cpu) / per[1]:.3f} ms, "
        f"{stats.total_calls / per[1]:,.0f} Python calls, {sql_statements(stats) / per[1]:.2f} SQL statements",
        flush=True,
    )
    if top:
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
        print(out.getvalue())


class Wsgi:
    """Odoo's WSGI application called in this process, as a threaded server's request thread does."""

    def __init__(self, key, db_filter):
        import odoo.http
        from odoo.tools import config

        # scripts/run.sh serves one database with -d alone; --db-filter to compare with it set.
        config["dbfilter"] = f"^{DB}$" if db_filter else ""
        self.app = odoo.http.root
        self.auth = f"Bearer {key}"

    def call(self, method, path, body=None):
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        builder = EnvironBuilder(
            path=path,
            method=method,
            data=body,
            base_url="http://127.0.0.1:8069",
            headers={"Authorization": self.auth, "Content-Type": "application/json"},
        )
        try:
            _iterable, status, _headers = run_wsgi_app(self.app, builder.get_environ(), buffered=True)
        finally:
            builder.close()
        return status


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000, help="envelopes per receive and per POST")
    parser.add_argument("--gets", type=int, default=200, help="GET requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=0, help="print the profiles' heaviest functions")
    parser.add_argument("--only", default="receive,post,get", help="measures to take")
    parser.add_argument(
        "--db-filter", action="store_true", help="serve with --db-filter=^DB$ too (run.sh gives -d DB alone)"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    run = uuid.uuid4().hex[:8]
    print(
        f"database {DB} ({CONF}); load average {', '.join(f'{v:.1f}' for v in __import__('os').getloadavg())}"
    )
    conn = pg_connect()
    cancel_pending(conn)
    with orm_env() as env:
        endpoint, key, _companies, workload = setup(env, run)
        Message = env["integration.message"]
        if "receive" in only:
            envelopes = workload.envelopes(args.count, "receive")

            def receive():
                with env.cr.savepoint(flush=False) as savepoint:
                    outcomes = Message._api_receive(endpoint, envelopes)
                    assert {status for status, _body, _headers in outcomes} == {202}, outcomes[:3]
                    savepoint.rollback()
                env.invalidate_all()

            measure("receive", receive, args.rounds, ("message", args.count), args.top)
        env.cr.commit()
        wsgi = Wsgi(key, db_filter=args.db_filter)
        if "post" in only:
            rounds = iter(range(args.rounds + 2))

            def post():
                body = json.dumps({"messages": workload.envelopes(args.count, f"post{next(rounds)}")})
                status = wsgi.call("POST", "/integration/v1/messages", body.encode())
                assert status.startswith("200"), status

            measure("post", post, args.rounds, ("message", args.count), args.top)
            cancel_pending(conn, "profile_intake: nothing processes them")
        if "get" in only:
            # A processed message, as a client waiting for its entry reads it at last.
            outcomes = Message._api_receive(endpoint, workload.envelopes(1, "get"))
            message = Message.browse(outcomes[0][1]["id"])
            env.cr.commit()
            Message._process_queue(commit=True)
            assert message.state == "done", message.errors
            path = f"/integration/v1/messages/{message.id}"

            def get():
                for _request in range(args.gets):
                    status = wsgi.call("GET", path)
                    assert status.startswith("200"), status

            measure("get", get, args.rounds, ("request", args.gets), args.top)
            cancel_pending(conn, "profile_intake: nothing processes them")
    conn.close()


if __name__ == "__main__":
    main()
