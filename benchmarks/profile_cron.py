"""Where the cron path spends its time: a server's cron runs beside the engine in-process.

Posts entries to a server (threaded as the README's run command starts it,
or prefork with --workers) whose cron callbacks are profiled with cProfile,
waits until all are posted, then processes the same number in-process under
the same profiler; prints both profiles' heaviest functions and the SQL
statements per entry. A diagnostic, not a benchmark: profiling slows both.

    scripts/bench.sh profile_cron.py [--entries 500] [--workers 2] [--top 30]
"""

import argparse
import cProfile
import glob
import io
import os
import pstats
import tempfile
import time
import uuid
from _queue import Progress, cancel_pending

from _harness import ensure_database, odoo_server, orm_env, pg_connect
from _workload import encode_batches, post_bodies
from bench_core import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def show(stats, title, count, top):
    out = io.StringIO()
    stats.stream = out
    print(f"\n=== {title}: {stats.total_tt:.1f} s profiled, {1000 * stats.total_tt / count:.1f} ms per entry")
    executes = sum(
        calls
        for (path, _line, name), (calls, *_rest) in stats.stats.items()
        if name == "execute" and path.endswith("sql_db.py")
    )
    print(f"SQL statements (odoo.sql_db Cursor.execute): {executes / count:.1f} per entry")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--workers", type=int, default=0, help="0: threaded (the README's run command)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-update", action="store_true")
    args = parser.parse_args()
    ensure_database(update=not args.no_update)
    run = uuid.uuid4().hex[:8]
    conn = pg_connect()
    cancel_pending(conn)
    profile_dir = tempfile.mkdtemp(prefix="bench-profile-")
    os.environ["BENCH_PROFILE_DIR"] = profile_dir
    with orm_env() as env:
        endpoint, key, _companies, workload = setup(env, run)
        launcher = os.path.join(HERE, "_profiled_odoo.py")
        with odoo_server(workers=args.workers, log_level=None, launcher=launcher) as server:
            warm = encode_batches(workload.envelopes(100, "pwarm"), 50)
            _start, _seconds, ids = post_bodies(server.url, key, warm)
            Progress(conn, ids).wait(time.perf_counter())
            for path in glob.glob(os.path.join(profile_dir, "*.prof")):
                os.unlink(path)  # the warm-up's runs load caches: not what a steady queue costs
            bodies = encode_batches(workload.envelopes(args.entries, "prof"), 100)
            start, _seconds, ids = post_bodies(server.url, key, bodies)
            seconds = Progress(conn, ids).wait(start)
        rate = args.entries / seconds
        print(f"server: {args.entries} entries end to end in {seconds:.1f} s ({rate:.1f}/s)")
        runs = sorted(glob.glob(os.path.join(profile_dir, "*.prof")))
        print(f"cron callbacks profiled: {len(runs)} ({', '.join(os.path.basename(r) for r in runs)})")
        if runs:
            show(pstats.Stats(*runs), "cron callbacks in the server", args.entries, args.top)

        outcomes = env["integration.message"]._api_receive(endpoint, workload.envelopes(args.entries, "pin"))
        env.cr.commit()
        assert all(status == 202 for status, _body, _headers in outcomes)
        profile = cProfile.Profile()
        profile.enable()
        env["integration.message"]._process_queue(batch_size=50, commit=True)
        profile.disable()
        show(pstats.Stats(profile), "engine in-process (_process_queue)", args.entries, args.top)
    conn.close()


if __name__ == "__main__":
    main()
