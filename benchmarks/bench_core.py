"""integration_core benchmark: the product as users run it, beside Odoo's own ways.

End to end: a client POSTs two-line journal entries to a real server and the
clock runs from the first POST until the last message is processed and its
entry posted (watched in the database), with the server started
  - as the README's run command does (threaded, Odoo's 2 cron threads), and
  - as a production configuration would (prefork, --workers=2 --max-cron-threads=2).
Beside it, on the same entries in the same run: Odoo's ORM creating and
posting them in batches (in-process), Odoo's JSON-RPC API one entry per call
(against the same server), and the engine called in-process (labelled so).
Also: ingestion alone; processing cost per message with nothing stored and
with 50,000 done messages stored; and cron workers over two entities'
backlogs (BE01 and US01), 2 against 1. Prints figures, ratios and targets.
"""

import argparse
import json
import os
import time
import uuid
from _queue import Progress, cancel_pending, clear_messages, lane_crons, message_count, seed_done

from _cronlog import cron_runs, summary
from _harness import DB, CpuMeter, ensure_database, odoo_server, orm_env, pg_connect
from _report import print_report
from _workload import HttpWatch, Workload, encode_batches, jsonrpc_baseline, orm_baseline, post_bodies

SEED = 50_000
STARTED = time.perf_counter()


def done(results, key, **figures):
    """Record a measure and say so at once: a run cut short still shows what it measured."""
    results[key] = figures
    shown = {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items() if k != "cron"}
    print(f"[{time.perf_counter() - STARTED:6.0f} s] {key}: {shown}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=2_000, help="entries end to end (and ORM, in-process)")
    parser.add_argument("--post-batch", type=int, default=100, help="envelopes per POST end to end")
    parser.add_argument("--rpc", type=int, default=200, help="entries for the JSON-RPC baseline (slow)")
    parser.add_argument("--orm-batch", type=int, default=100, help="ORM baseline batch size")
    parser.add_argument("--batch", type=int, default=50, help="engine batch size, in-process")
    parser.add_argument("--ingest", type=int, default=10_000, help="envelopes for ingestion alone")
    parser.add_argument("--cost", type=int, default=200, help="messages per processing-cost measure")
    parser.add_argument("--cost-rounds", type=int, default=3, help="rounds of the two cost measures")
    parser.add_argument("--chunk", type=int, default=250, help="in-process: engine and ORM alternate by")
    parser.add_argument("--orm-sample", type=int, default=200, help="ORM entries before and after e2e")
    parser.add_argument("--seed", type=int, default=SEED, help="done messages stored for the second cost")
    parser.add_argument("--backlog", type=int, default=500, help="entries per entity, cron workers measure")
    parser.add_argument("--cron-workers", default="1,2", help="cron workers to compare over two entities")
    parser.add_argument(
        "--workers-entities", default="BE01,US01", help="the entities whose backlogs the cron workers share"
    )
    parser.add_argument("--skip", default="", help="measures to skip: e2e-threaded,e2e-prefork,workers")
    parser.add_argument(
        "--watch",
        choices=("db", "http", "http-all"),
        default="db",
        help="how end to end sees the last entry posted: the database, or GET per message (see end_to_end)",
    )
    parser.add_argument("--no-update", action="store_true", help="do not update the addons first (iterating)")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the benchmark database first")
    return parser.parse_args()


def setup(env, run):
    """An endpoint for BE01 and US01 (journal entries), its key, and this run's journal in both."""
    from odoo import Command

    companies = env["res.company"].search([("entity_code", "in", ["BE01", "US01"])])
    by_code = {company.entity_code: company for company in companies}
    code = "BENCH"
    endpoint = env["integration.endpoint"].with_context(active_test=False).search([("code", "=", code)])
    if not endpoint:
        endpoint = env["integration.endpoint"].create(
            {
                "name": "Benchmark",
                "code": code,
                "company_id": by_code["BE01"].id,
                "company_ids": [Command.set(companies.ids)],
                "flow_ids": [Command.set(env.ref("integration_mapping.flow_journal_entry").ids)],
                "backlog_limit": 1_000_000,
                "max_body_kb": 65536,
            }
        )
    _key, raw = env["integration.api.key"]._issue(endpoint)
    journal = f"B{run[:4].upper()}"
    for company in companies:
        env["account.journal"].create(
            {"name": f"Benchmark {journal}", "code": journal, "type": "general", "company_id": company.id}
        )
    env.cr.commit()
    return endpoint, raw, by_code, Workload(run, journal)


def process_in_process(env, endpoint, envelopes, batch):
    """Store the envelopes (intake, in-process) then time the engine on them: (seconds, Progress)."""
    outcomes = env["integration.message"]._api_receive(endpoint, envelopes)
    ids = [body["id"] for status, body, _headers in outcomes if status == 202]
    env.cr.commit()
    start = time.perf_counter()
    env["integration.message"]._process_queue(batch_size=batch, commit=True)
    return time.perf_counter() - start, ids


def end_to_end(conn, server, key, workload, counts, post_batch, prefix, watch="db"):
    """From the first POST to the last posted move, on a warm server; with the cron log's view of it.

    ``watch``: how the end is seen: polling the database (``db``, the lightest) or
    the API as an independent client would (``http``: the first message not
    final yet; ``http-all``: every pending message each round).
    """
    warm = []
    for entity in counts:
        warm += workload.envelopes(post_batch, f"warm-{prefix}", entity)
    _start, _seconds, ids = post_bodies(server.url, key, encode_batches(warm, post_batch // 2), threads=2)
    Progress(conn, ids).wait(time.perf_counter())
    envelopes = []
    for entity, count in counts.items():
        envelopes += workload.envelopes(count, prefix, entity)
    # Interleaved as senders would send them; request bodies encoded before the clock starts.
    envelopes.sort(key=lambda e: int(e["idempotency_key"].rsplit("-", 1)[1]))
    bodies = encode_batches(envelopes, post_batch)
    log_from = server.log_size()
    cpu = CpuMeter(server, conn)
    cpu.start()
    start, post_seconds, ids = post_bodies(server.url, key, bodies)
    progress = Progress(conn, ids)
    gets = None
    if watch == "db":
        seconds = progress.wait(start)
    else:
        watcher = HttpWatch(server.url, key, ids, every=watch == "http-all")
        seconds, gets = watcher.wait(start), watcher.requests
        progress.first_done = progress.longest_stall = None
    cpu_used = cpu.stop()
    states, posted = progress.outcome()
    lanes = {lane[0] for lane in lane_crons(conn)}
    return {
        "entities": list(counts),
        "count": len(ids),
        "seconds": seconds,
        "rate": len(ids) / seconds,
        "post_seconds": post_seconds,
        "first_done": progress.first_done,
        "longest_stall": progress.longest_stall,
        "watch": watch,
        "gets": gets,
        "states": states,
        "posted": posted,
        "cpu": cpu_used,
        "cron": summary(cron_runs(server.log_lines("Job ", since=log_from), lanes)),
    }


class OrmBeside:
    """The ORM baseline, measured in samples beside each figure it is compared with.

    The machine is shared: its speed drifts within a run. A figure compared
    with the ORM measured right before and right after it (same entries,
    same journal) is a ratio both sides of which saw the same machine.
    """

    def __init__(self, env, workload, company, batch):
        self.env, self.workload, self.company, self.batch = env, workload, company, batch
        self.count = self.seconds = 0

    def sample(self, count, first=0):
        seconds = orm_baseline(self.env, self.workload, self.company, count, self.batch, first=first)
        self.count += count
        self.seconds += seconds
        return count / seconds

    def around(self, count, measure):
        """Run ``measure()`` between two ORM samples: (its result, the samples' mean rate)."""
        before = self.sample(count)
        result = measure()
        after = self.sample(count)
        return result, (before + after) / 2


def measure_cost(conn, env, endpoint, workload, args, run, results):
    """Processing cost per message with nothing stored and with ``--seed`` done messages stored,
    alternated over ``--cost-rounds`` rounds; the best round of each is kept (the least disturbed
    by the rest of the machine: a load spike would pass for a cost of the table's size)."""
    empty, seeded = [], []
    for round_ in range(args.cost_rounds):
        clear_messages(conn)
        envelopes = workload.envelopes(args.cost, f"cost0r{round_}")
        seconds, ids = process_in_process(env, endpoint, envelopes, args.batch)
        empty.append(seconds / len(ids))
        seed_done(conn, args.seed, ids, f"{run}r{round_}")
        stored = message_count(conn)
        envelopes = workload.envelopes(args.cost, f"cost1r{round_}")
        seconds, ids = process_in_process(env, endpoint, envelopes, args.batch)
        seeded.append(seconds / len(ids))
    done(results, "cost_empty", per_message=empty, count=args.cost, stored=0)
    done(results, "cost_seeded", per_message=seeded, count=args.cost, stored=stored)


def measure_in_process(conn, env, endpoint, workload, orm, args, results):
    """The engine in-process and the ORM on the same entries, in alternating chunks."""
    engine_seconds, ids = 0.0, []
    envelopes = workload.envelopes(args.entries, "inproc")
    for first in range(0, args.entries, args.chunk):
        count = min(args.chunk, args.entries - first)
        seconds, chunk_ids = process_in_process(env, endpoint, envelopes[first : first + count], args.batch)
        engine_seconds += seconds
        ids += chunk_ids
        orm.sample(count, first=first)
    orm_rate = orm.count / orm.seconds
    done(
        results,
        "in_process",
        seconds=engine_seconds,
        count=len(ids),
        orm_rate=orm_rate,
        states=Progress(conn, ids).outcome(),
    )


def main():
    args = parse_args()
    skip = set(args.skip.split(","))
    ensure_database(fresh=args.fresh, update=not args.no_update)
    run = uuid.uuid4().hex[:8]
    conn = pg_connect()
    results = {"args": vars(args), "lanes": lane_crons(conn), "date": time.strftime("%Y-%m-%d %H:%M")}
    results["load_before"] = os.getloadavg()
    cancel_pending(conn)
    with orm_env() as env:
        endpoint, key, companies, workload = setup(env, run)
        be01 = companies["BE01"]
        orm = OrmBeside(env, workload, be01, args.orm_batch)
        # Caches warm first: the first batch of a process loads what every later one reuses.
        process_in_process(env, endpoint, workload.envelopes(args.batch, "warm-inproc"), args.batch)
        orm.sample(args.orm_batch)
        orm.count = orm.seconds = 0
        measure_cost(conn, env, endpoint, workload, args, run, results)
        measure_in_process(conn, env, endpoint, workload, orm, args, results)

        # Ingestion alone: prefork, 2 HTTP workers, no cron (nothing processes meanwhile).
        with odoo_server(workers=2, cron_threads=0, log_level=None) as server:
            warm = encode_batches(workload.envelopes(2000, "warm-ingest"), 1000)
            post_bodies(server.url, key, warm, threads=2)
            bodies = encode_batches(workload.envelopes(args.ingest, "ingest"), 1000)
            _start, seconds, _ids = post_bodies(server.url, key, bodies, threads=2)
            done(results, "ingest", seconds=seconds, count=args.ingest)
        cancel_pending(conn, "benchmark: ingestion only")

        entries = {"BE01": args.entries}
        if "e2e-threaded" not in skip:
            with odoo_server(log_level=None) as server:  # the README's run command
                e2e, orm_rate = orm.around(
                    args.orm_sample,
                    lambda: end_to_end(
                        conn, server, key, workload, entries, args.post_batch, "e2e-t", args.watch
                    ),
                )
                done(results, "e2e_threaded", orm_rate=orm_rate, **e2e)
                rpc_seconds = jsonrpc_baseline(server.url, DB, workload, be01.id, args.rpc)
                done(results, "rpc", seconds=rpc_seconds)
        if "e2e-prefork" not in skip:
            with odoo_server(workers=2, cron_threads=2, log_level=None) as server:
                e2e, orm_rate = orm.around(
                    args.orm_sample,
                    lambda: end_to_end(
                        conn, server, key, workload, entries, args.post_batch, "e2e-p", args.watch
                    ),
                )
                done(results, "e2e_prefork", orm_rate=orm_rate, **e2e)
        results["orm"] = {"count": orm.count, "seconds": orm.seconds}
    if "workers" not in skip:
        results["workers"] = {}
        for count in [int(c) for c in args.cron_workers.split(",")]:
            with odoo_server(workers=2, cron_threads=count, log_level=None) as server:
                backlogs = dict.fromkeys(args.workers_entities.split(","), args.backlog)
                e2e = end_to_end(conn, server, key, workload, backlogs, args.post_batch, f"w{count}")
                results["workers"][count] = e2e
                elapsed = time.perf_counter() - STARTED
                print(f"[{elapsed:6.0f} s] cron workers {count}: {e2e['rate']:.1f}/s", flush=True)
    conn.close()
    results["load_after"] = os.getloadavg()
    print_report(results)
    save(results)


def save(results):
    """The raw figures as JSON under benchmarks/results/ (not versioned), to compare runs later."""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"bench_core-{time.strftime('%Y%m%d-%H%M%S')}.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(results, file, indent=1, default=str)
    print(f"raw figures: {path}")


if __name__ == "__main__":
    main()
