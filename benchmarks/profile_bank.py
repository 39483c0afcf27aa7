"""Profile the bank statement flow's cron run: a camt.053 of N entries through a profiled server.

Dumps cProfile files of each cron callback to a temporary folder and prints
the top functions by cumulative time. A tool for finding where the time goes,
not a benchmark: profiling slows everything down.
"""

import argparse
import glob
import os
import pstats
import tempfile
import uuid

from _harness import ensure_database, odoo_server, orm_env
from bench_bank import camt_file, end_to_end, open_invoices, planner_statistics, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    ensure_database(update=False)
    run = uuid.uuid4().hex[:6].upper()
    with orm_env() as env:
        be01, journal, _endpoint, raw_key, customer = setup(env, run)
        refs = open_invoices(env, be01, customer, run, "P", args.lines)
        journal_id = journal.id
    planner_statistics(True)  # as bench_bank.py measures: with the statistics autovacuum would gather
    profile_dir = tempfile.mkdtemp(prefix="bench-profile-")
    os.environ["BENCH_PROFILE_DIR"] = profile_dir
    launcher = os.path.join(HERE, "_profiled_odoo.py")
    with odoo_server(launcher=launcher) as server:
        result = end_to_end(
            server, raw_key, camt_file(run, f"BENCH-{run}", refs), f"prof-{run}", journal_id, args.lines
        )
    print(result)
    files = glob.glob(os.path.join(profile_dir, "*.prof"))
    stats = pstats.Stats(*files)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
