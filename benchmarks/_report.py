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


def _e2e_rows(label, e2e, orm_rate, rpc_rate):
    rate = e2e["rate"]
    ratio = f"{rate / orm_rate:.2f}x ORM"
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
            "    waits: first entry posted after / longest time without progress",
            f"{e2e['first_done'] or 0:.1f} s / {e2e['longest_stall']:.1f} s",
            f"pauses with work left: {len(pauses)}, longest {max(pauses, default=0):.1f} s",
            "",
        ),
    ]


def _check(e2e):
    states, posted = e2e["states"], e2e["posted"]
    return f"{states} posted {posted}"


def print_report(results):
    orm = results["orm"]
    orm_rate = results["args"]["entries"] / orm["seconds"]
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
            f"{inproc_rate / orm_rate:.2f}x ORM ({1000 / inproc_rate:.1f} ms per entry)",
            "",
        )
    )
    rows.append(
        (
            f"baseline: Odoo ORM, create + post in batches of {results['args']['orm_batch']} (in-process)",
            f"{orm_rate:,.1f} entries/s",
            "",
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
    empty_ms = 1000 * empty["seconds"] / empty["count"]
    seeded_ms = 1000 * seeded["seconds"] / seeded["count"]
    rows.append(
        (
            f"processing cost (in-process), {empty['count']} entries, table empty before",
            f"{empty_ms:.1f} ms/msg",
            "",
            "",
        )
    )
    rows.append(
        (
            f"processing cost (in-process), {seeded['count']} entries, {seeded['stored']:,} messages stored",
            f"{seeded_ms:.1f} ms/msg",
            f"{seeded_ms / empty_ms:.2f}x the empty table",
            f"<= {TARGETS['cost_growth']}x",
        )
    )
    workers = results.get("workers") or {}
    for count, e2e in sorted(workers.items()):
        base = workers[min(workers)]
        rows.append(
            (
                f"cron workers: {count}, BE01 + US01 backlogs ({e2e['count']:,} entries), prefork",
                f"{e2e['rate']:,.1f} entries/s",
                f"{e2e['rate'] / base['rate']:.2f}x {min(workers)} worker" if count != min(workers) else "",
                f">= {TARGETS['workers']}x" if count != min(workers) else "",
            )
        )
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
