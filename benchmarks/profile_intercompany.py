"""Where intercompany mirroring spends its time, in-process (a diagnostic, not a benchmark).

Stores N ``invoice`` messages of BE01 to US01 (as bench_intercompany.py
sends them), then processes the queue under cProfile: the invoice flow makes
and posts the invoices in BE01, whose posting queues one mirror message each,
then the mirror flow makes the bills in US01. Prints the profile's heaviest
functions, SQL statements per invoice, and the ORM making the same bills.

    BENCH_DB=ic_bench scripts/bench.sh profile_intercompany.py [--invoices 300] [--top 40]
"""

import argparse
import cProfile
import io
import pstats
import time
import uuid
from _queue import cancel_pending

from _harness import ensure_database, orm_env, pg_connect
from _ic_measures import analyze
from _ic_workload import invoice_envelopes, orm_bills
from bench_intercompany import setup


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-update", action="store_true")
    args = parser.parse_args()
    ensure_database(update=not args.no_update)
    run = uuid.uuid4().hex[:6].upper()
    conn = pg_connect()
    cancel_pending(conn)
    conn.close()
    with orm_env() as env:
        ctx = setup(env, run)
        endpoint = env["integration.endpoint"].browse(ctx["billing"])
        Message = env["integration.message"]
        for tag, count in (("W", 20), ("P", args.invoices)):
            envelopes = invoice_envelopes(run, tag, count, ctx["account_code"], "US01")
            outcomes = Message._api_receive(endpoint, envelopes)
            env.cr.commit()
            assert all(status == 202 for status, _body, _headers in outcomes), outcomes[:2]
            if tag == "W":  # caches warm, then the table statistics of a steady database
                Message._process_queue(batch_size=50, commit=True)
                analyze()
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        Message._process_queue(batch_size=50, commit=True)
        profile.disable()
        seconds = time.perf_counter() - start
        orm = orm_bills(env, ctx["rule"], run, args.invoices, 50)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    executes = sum(
        calls
        for (path, _line, name), (calls, *_rest) in stats.stats.items()
        if name == "execute" and path.endswith("sql_db.py")
    )
    print(
        f"{args.invoices} invoices to mirrored bills in-process: {seconds:.1f} s (profiled), ORM bills {orm:.1f} s"
    )
    print(f"SQL statements: {executes / args.invoices:.1f} per invoice")
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.print_callers(
        r"account_move_line.py:\d+\(write\)|account_move.py:3858\(write\)|_sync_dynamic_lines"
    )
    profile.dump_stats("/tmp/profile_intercompany.prof")
    print(out.getvalue())


if __name__ == "__main__":
    main()
