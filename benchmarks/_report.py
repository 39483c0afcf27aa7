"""The core benchmark's report: figures, ratios and targets side by side."""

import os

from _harness import table

TARGETS = {
    "e2e_orm": 0.9,
    "e2e_rpc": 8.0,
    "ingest": 4000,
    "cost_growth": 1.1,
    "workers": 1.5,
}


def _rate(result, count_key="count"):
    return result[count_key] / result["seconds"]


def _cpu(e2e):
    """CPU ms per entry of Odoo and PostgreSQL, and the rate that would fill every core with it."""
    odoo, postgres = (1000 * e2e["cpu"][kind] / e2e["count"] for kind in ("odoo", "postgres"))
    ceiling = os.cpu_count() * 1000 / (odoo + postgres)
    return f"CPU/entry: Odoo {odoo:.0f} ms + PG {postgres:.0f} ms", f"all cores at it: {ceiling:.0f}/s"


def _e2e_rows(label, e2e, orm_rate, rpc_rate):
    rate, beside = e2e["rate"], e2e["orm_rate"]
    ratio = f"{rate / orm_rate:.2f}x ORM ({rate / beside:.2f}x the ORM beside it)"
    if rpc_rate:
        ratio += f", {rate / rpc_rate:.1f}x JSON-RPC"
    cron = e2e["cron"]
    pauses = cron["pauses"]
    busy_ms = 1000 * cron["busy"] / e2e["count"]
    return [
        (
            f"{label}: {e2e['count']:,} entries, first POST to last posted move",
            f"{rate:,.1f} entries/s",
            ratio,
            f">= {TARGETS['e2e_orm']}x ORM, >= {TARGETS['e2e_rpc']:.0f}x JSON-RPC",
        ),
        (
            "    its cron (server log): runs, lanes used, busy ms per entry",
            f"{cron['runs']} runs, {cron['lanes_used']} lanes, {busy_ms:.1f} ms",
            f"longest run {cron['longest_run']:.1f} s",
            "",
        ),
        (
            "    waits: first entry posted after / longest time without progress"
            if e2e["watch"] == "db"
            else f"    watched through the API ({e2e['watch']}): GET requests",
            f"{e2e['first_done'] or 0:.1f} s / {e2e['longest_stall']:.1f} s"
            if e2e["watch"] == "db"
            else f"{e2e['gets']:,}",
            f"pauses with work left: {len(pauses)}, longest {max(pauses, default=0):.1f} s",
            "",
        ),
        ("    machine", *_cpu(e2e), ""),
    ]


def _check(e2e):
    states, posted = e2e["states"], e2e["posted"]
    return f"{states} posted {posted}"


def print_report(results):
    orm = results["orm"]
    orm_rate = orm["count"] / orm["seconds"]
    rpc_rate = results["args"]["rpc"] / results["rpc"]["seconds"] if "rpc" in results else None
    rows = []
    for key, label in (
        ("e2e_threaded", "end to end, README's run command (threaded, 2 cron threads)"),
        ("e2e_prefork", "end to end, prefork --workers=2 --max-cron-threads=2"),
    ):
        if key in results:
            rows += _e2e_rows(label, results[key], orm_rate, rpc_rate)
    inproc = results["in_process"]
    inproc_rate = _rate(inproc)
    rows.append(
        (
            f"in-process: engine called directly, batches of {results['args']['batch']}, same entries",
            f"{inproc_rate:,.1f} entries/s",
            f"{inproc_rate / inproc['orm_rate']:.2f}x ORM ({inproc['orm_rate']:.1f}/s, alternated)",
            "",
        )
    )
    rows.append(
        (
            f"baseline: Odoo ORM, create + post in batches of {results['args']['orm_batch']} (in-process)",
            f"{orm_rate:,.1f} entries/s",
            f"all its samples ({orm['count']:,} entries)",
            "",
        )
    )
    if rpc_rate:
        rows.append(
            (
                f"baseline: Odoo JSON-RPC, create then post, one entry per call ({results['args']['rpc']})",
                f"{rpc_rate:,.1f} entries/s",
                "",
                "",
            )
        )
    ingest = results["ingest"]
    rows.append(
        (
            f"ingestion alone: {ingest['count']:,} envelopes, batches of 1,000, prefork 2 workers",
            f"{_rate(ingest):,.0f} msg/s",
            "",
            f">= {TARGETS['ingest']:,} msg/s",
        )
    )
    empty, seeded = results["cost_empty"], results["cost_seeded"]
    empty_ms, seeded_ms = 1000 * min(empty["per_message"]), 1000 * min(seeded["per_message"])
    rounds = len(empty["per_message"])
    rows.append(
        (
            f"processing cost (in-process), {empty['count']} entries, table empty, best of {rounds}",
            f"{empty_ms:.1f} ms/msg",
            "rounds " + ", ".join(f"{1000 * x:.1f}" for x in empty["per_message"]),
            "",
        )
    )
    rows.append(
        (
            f"processing cost (in-process), {seeded['count']} entries, {seeded['stored']:,} stored, "
            f"best of {rounds}",
            f"{seeded_ms:.1f} ms/msg",
            f"{seeded_ms / empty_ms:.2f}x empty; rounds "
            + ", ".join(f"{1000 * x:.1f}" for x in seeded["per_message"]),
            f"<= {TARGETS['cost_growth']}x",
        )
    )
    workers = results.get("workers") or {}
    for count, e2e in sorted(workers.items()):
        base = workers[min(workers)]
        rows.append(
            (
                f"cron workers: {count}, {' + '.join(e2e['entities'])} backlogs "
                f"({e2e['count']:,} entries), prefork",
                f"{e2e['rate']:,.1f} entries/s",
                f"{e2e['rate'] / base['rate']:.2f}x {min(workers)} worker" if count != min(workers) else "",
                f">= {TARGETS['workers']}x" if count != min(workers) else "",
            )
        )
        rows.append(("    machine", *_cpu(e2e), ""))
    print()
    lanes = results["lanes"]
    print(
        f"bench_core {results['date']}, {os.cpu_count()} cores; processing lanes (crons): {len(lanes)} "
        f"({', '.join(f'{name} #{cid}' + ('' if active else ' inactive') for cid, name, active in lanes)})"
    )
    load = ", ".join(f"{results[k][0]:.1f}" for k in ("load_before", "load_after"))
    print(f"load average (1 min) before, after: {load} (other work on the machine moves every figure)")
    table(rows, ("measure", "figure", "ratio", "target"))
    print()
    print("outcomes (every entry must be done and its move posted):")
    for key in ("e2e_threaded", "e2e_prefork"):
        if key in results:
            print(f"  {key}: {_check(results[key])}")
    for count, e2e in sorted(workers.items()):
        print(f"  cron workers {count}: {_check(e2e)}")
    states, posted = inproc["states"]
    print(f"  in-process: {states} posted {posted}")
