"""Faults, measured: real Odoo server processes (prefork, as in production) on one database.

(i)   scale out: N journal entries through two servers sharing one queue, beside the same
      through one server; every message checked done once with one posted entry;
(ii)  a cron worker SIGKILLed in the middle of a batch: processing before / during / after,
      time until the others carry on and until the killed batch is done;
(iii) PostgreSQL restarted for real in the middle of a batch (``pg_ctl restart -m fast`` of a
      cluster started for the run, or ``--restart-cluster shared``: the machine's own cluster
      through pg_ctlcluster, for a machine nobody else uses): time until the servers process
      again, before / after, nothing lost or doubled; senders keep posting through it;
(iv)  a webhook receiver down for ``--down-minutes`` while entries are posted and their
      `move.posted` events accumulate: then up; every event received, in order, once (resends
      counted), time to the first delivery and to drain, events/s.
A batch claimed by a worker that died waits for the engine's stuck timeout (STUCK_TIMEOUT,
600 s) before it is processed again: ``--stuck wait`` waits for it as users would,
``--stuck backdate`` moves those claims back in time (the figure then says so).
Run alone (scripts/bench.sh bench_faults.py); raw figures in benchmarks/results/.
"""

import argparse
import json
import os
import time
import uuid

# Before the harness reads it: others' benchmarks keep their database.
os.environ.setdefault("BENCH_DB", "integration_bench_faults")
# isort: split
from _queue import cancel_pending

from _faults_env import RECORDER, UNRECORD, execute
from _faults_measures import measure_kill, measure_receiver, measure_restart, measure_scale
from _faults_report import print_report
from _harness import conf_options, ensure_database, free_port, orm_env, pg_connect
from _workload import Workload


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=5000, help="journal entries per measure")
    parser.add_argument("--entities", default="BE01,US01", help="entities the entries are spread over")
    parser.add_argument("--cron-threads", type=int, default=1, help="cron workers per server")
    parser.add_argument("--down-minutes", type=float, default=10, help="how long the receiver is down")
    parser.add_argument(
        "--event-rate", type=float, default=5, help="entries (events) posted per second while down"
    )
    parser.add_argument("--stuck", choices=("wait", "backdate"), default="wait")
    parser.add_argument("--restart-cluster", choices=("private", "shared"), default="private")
    parser.add_argument("--skip", default="", help="measures to skip: scale,kill,restart,receiver")
    parser.add_argument("--no-update", action="store_true")
    return parser.parse_args()


def setup(env, run):
    """An endpoint for the entities (journal entries, events), its key, journals of this run."""
    from odoo import Command

    companies = env["res.company"].search([("entity_code", "in", ["BE01", "US01"])])
    endpoint = env["integration.endpoint"].with_context(active_test=False).search([("code", "=", "FAULTS")])
    if not endpoint:
        endpoint = env["integration.endpoint"].create(
            {
                "name": "Fault benchmark",
                "code": "FAULTS",
                "company_id": companies.filtered(lambda c: c.entity_code == "BE01").id,
                "company_ids": [Command.set(companies.ids)],
                "flow_ids": [Command.set(env.ref("integration_mapping.flow_journal_entry").ids)],
                "backlog_limit": 1_000_000,
                "max_body_kb": 65536,
            }
        )
    _key, raw = env["integration.api.key"]._issue(endpoint)
    code, events_code = f"F{run[:4].upper()}", f"V{run[:4].upper()}"
    for company in companies:
        env["account.journal"].create(
            {"name": f"Faults {code}", "code": code, "type": "general", "company_id": company.id}
        )
    be01 = companies.filtered(lambda c: c.entity_code == "BE01")
    events_journal = env["account.journal"].create(
        {
            "name": f"Faults events {events_code}",
            "code": events_code,
            "type": "general",
            "company_id": be01.id,
        }
    )
    event_type = env.ref("integration_mapping.event_move_posted")
    endpoint.subscription_ids.unlink()
    endpoint.subscription_ids = [
        Command.create({"event_type_id": event_type.id, "journal_ids": [Command.set(events_journal.ids)]})
    ]
    port = free_port()
    endpoint.outbound_url = f"http://127.0.0.1:{port}/hooks"
    secret = endpoint.action_rotate_outbound_secret()["context"]["integration_secret"]
    env.cr.commit()
    return {
        "key": raw,
        "endpoint_id": endpoint.id,
        "event_type_id": event_type.id,
        "port": port,
        "secret": secret,
        "breaker": (endpoint.breaker_threshold, endpoint.breaker_cooldown),
        "workload": Workload(run, code),
        "events": Workload(run, events_code),
    }


def main():
    args = parse_args()
    skip = set(args.skip.split(","))
    entities = args.entities.split(",")
    ensure_database(update=not args.no_update)
    opts = conf_options()
    conn = pg_connect()
    cancel_pending(conn)
    execute(conn, RECORDER)
    results = {
        "args": vars(args),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_before": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    try:
        with orm_env() as env:
            setup_ = setup(env, uuid.uuid4().hex[:8])
        if "scale" not in skip:
            results["scale"] = measure_scale(setup_, args, entities, pg_connect)
        if "kill" not in skip:
            results["kill"] = measure_kill(setup_, args, entities, pg_connect, conn)
        if "restart" not in skip:
            results["restart"] = measure_restart(setup_, args, entities, opts)
        if "receiver" not in skip:
            results["receiver"] = measure_receiver(setup_, args, pg_connect, conn)
    finally:
        cancel_pending(conn, "benchmark: interrupted")
        execute(conn, UNRECORD)
        conn.close()
        results["load_after"] = os.getloadavg()
        save(results)
    print_report(results)


def save(results):
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"bench_faults-{time.strftime('%Y%m%d-%H%M%S')}.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(results, file, indent=1, default=str)
    print(f"raw figures: {path}")


if __name__ == "__main__":
    main()
