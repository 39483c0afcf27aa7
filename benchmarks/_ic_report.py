"""The intercompany benchmark's table: figures, ratios (each side's work named) and targets."""

from _harness import table
from _ic_workload import CUTOFF

TARGET = ">= 0.75x"


def _mirror_rows(args, e2e, posting, cycle, orm):
    n = args.invoices
    bills, invoices, post = (n / orm[key] for key in ("bills", "invoices", "post"))
    both_made = n / (orm["bills"] + orm["invoices"])  # invoices created + posted, then bills
    both_posted = n / (orm["bills"] + orm["post"])  # drafts posted, then bills
    rows = []
    for label, result, same_work, same_label in (
        (
            "(a) invoice messages POSTed -> invoices in BE01 -> mirrored bills in US01",
            e2e,
            both_made,
            "ORM invoices+bills",
        ),
        (
            "(b) draft IC invoices posted by JSON-RPC action_post -> mirrored bills in US01",
            posting,
            both_posted,
            "ORM post+bills",
        ),
        (
            "(c) a batch cycle: queued mirror messages released by a JSON-RPC write -> mirrored bills",
            cycle,
            bills,
            "ORM bills",
        ),
    ):
        rate = result["posted"] / result["seconds"]
        cores = (result["cpu"]["odoo"] + result["cpu"]["postgres"]) / result["seconds"]
        rows += [
            (
                f"{label}: {n:,}",
                f"{rate:,.1f} mirrors/s ({result['seconds']:,.1f} s)",
                f"{rate / same_work:.2f}x {same_label} (same work)"
                + (f"; {rate / bills:.2f}x ORM bills only" if same_work != bills else ""),
                TARGET,
            ),
            (
                "    requests took; posted, failed; CPU Odoo + PG; load before / after",
                f"{result['post_seconds']:,.1f} s",
                (f"{result['waiting']:,} waited in the queue; " if "waiting" in result else "")
                + f"{result['posted']:,} posted, {result['failed']:,} failed; "
                f"{result['cpu']['odoo']:,.0f} + {result['cpu']['postgres']:,.0f} s ({cores:.2f} cores)",
                result["load"],
            ),
        ]
    # (c)'s clock starts with the mirrors queued: what queueing them added to the posting is counted here.
    queueing = cycle["posting_seconds"] - orm["post"] * cycle["posted"] / n
    all_in = cycle["posted"] / (cycle["seconds"] + max(queueing, 0.0))
    rows += [
        (
            "    (c) all in: its clock plus what queueing the mirrors added to posting the invoices",
            f"{all_in:,.1f} mirrors/s",
            f"{all_in / bills:.2f}x ORM bills",
            f"posting {cycle['posting_seconds']:,.1f} s with mirrors queued, ORM {orm['post']:,.1f} s without",
        ),
        (
            f"    baseline: ORM, the {n:,} bills in US01, batches of {args.orm_batch}",
            f"{bills:,.1f} bills/s",
            "1.00x",
            orm["load"],
        ),
        (
            "    baseline: ORM, the invoices in BE01 created and posted",
            f"{invoices:,.1f} invoices/s",
            "",
            f"with bills: {both_made:,.1f}/s",
        ),
        (
            "    baseline: ORM, drafts of the invoices posted",
            f"{post:,.1f} invoices/s",
            "",
            f"with bills: {both_posted:,.1f}/s",
        ),
    ]
    return rows


def _recon_rows(args, recon, api):
    rows = []
    first = recon[0]
    for size, docs, seconds, pairs, explained, measured_load in recon:
        per_doc = seconds / docs * 1000
        growth = (
            f"{per_doc / (first[2] / first[1] * 1000):.2f}x per doc vs {first[0]:,}"
            if size != first[0]
            else ""
        )
        rows.append(
            (
                f"IC reconciliation, 5 entities x {size:,} documents (in-process, best of {args.repeat})",
                f"{seconds:,.2f} s",
                f"{per_doc:.3f} ms/doc {growth}",
                f"{docs:,} docs read, {pairs} pairs, {explained:,} explained; {measured_load}",
            )
        )
    if api:
        rows.append(
            (
                f"    GET /reporting/intercompany?date={CUTOFF} through the server, {recon[-1][0]:,}",
                f"{api['seconds']:,.2f} s",
                f"HTTP {api['status']}",
                f"{api['pairs']} pairs, {api['kb']:,.0f} KB",
            )
        )
    return rows


def report(results):
    args, rows = results["args"], []
    if "orm" in results:
        rows += _mirror_rows(args, results["e2e"], results["posting"], results["cycle"], results["orm"])
    if "recon" in results:
        rows += _recon_rows(args, results["recon"], results.get("api"))
    table(rows, ("measure", "figure", "ratio", "notes"))
