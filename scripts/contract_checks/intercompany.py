"""Intercompany from outside (issue 13's acceptance): IC invoices through the API between the demo entities
in four currencies, one rejected by the counterparty's approver, one cancelled, one reset and re-posted,
an allocation run asked through the API; then the IC reconciliation and the consolidated trial balance
compared with sums computed here from Odoo's journal items (JSON-RPC) and the reporting API's rates, and
the close cockpit's checklist against the state set up.

What the API does not carry (cancelling, resetting, approving) goes through Odoo's JSON-RPC as an
administrator, as a user would on the screens.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from .harness import RUN, TODAY, R, body, envelope, show
from .intercompany_reports import check_cockpit, check_consolidated_tb, check_reconciliation

CENT = Decimal("0.01")
WAIT = 180  # seconds for the queue to make a mirror


def _dec(value):
    return Decimal(str(value))


class Ic:
    def __init__(self, api, rpc, billing_key, reporting_key):
        self.api, self.rpc, self.key, self.reporting = api, rpc, billing_key, reporting_key
        self.cid = {code: rpc.company_id(code) for code in ("BE01", "US01", "UK01", "SG01", "PL01")}
        self.income = {code: self._income_code(code) for code in self.cid}

    def ctx(self, code):
        return {"context": {"allowed_company_ids": [self.cid[code]]}}

    def _income_code(self, code):
        found = self.rpc(
            "account.account",
            "search_read",
            [[("company_ids", "in", [self.cid[code]]), ("account_type", "=", "income")]],
            {"fields": ["code"], "order": "code", "limit": 1, **self.ctx(code)},
        )
        return found[0]["code"]

    def invoice(self, tag, entity, counterparty, currency, amount, **payload):
        """POST an IC invoice of ``entity`` to ``counterparty`` (named by its entity code); the posted
        invoice's id, or None."""
        number = f"CC-{RUN}-{tag}"
        env = envelope(
            f"ic-{tag}",
            {
                "move_type": "out_invoice",
                "partner": counterparty,
                "number": number,
                "invoice_date": str(TODAY),
                "due_date": str(TODAY),
                "currency": currency,
                "lines": [
                    {
                        "label": f"IC {tag}",
                        "quantity": "1",
                        "price_unit": amount,
                        "account": self.income[entity],
                    }
                ],
                "post": True,
                **payload,
            },
            flow="invoice",
            entity=entity,
        )
        resp = self.api.post(self.key, env)
        accepted = R.check(
            f"IC invoice {tag} ({entity} -> {counterparty}, {currency}) accepted",
            resp.status_code == 202,
            f"POST invoice {entity}->{counterparty}",
            "202",
            show(resp),
        )
        if not accepted:
            return None
        final = self.api.poll(self.key, body(resp)["id"])
        done = R.check(
            f"IC invoice {tag} done as a posted invoice in {entity}",
            isinstance(final, dict) and final.get("state") == "done",
            f"GET /messages/{body(resp)['id']}",
            "done",
            final,
        )
        return final["result"]["id"] if done else None

    def move(self, move_id, code, fields=("state", "ic_state", "ic_mirror_move_id", "amount_total", "name")):
        return self.rpc("account.move", "read", [[move_id], list(fields)], self.ctx(code))[0]

    def wait_mirror(self, source_id, code, target, ic_states, state):
        """The source's live mirror once it has reached ``state`` and one of ``ic_states``, or the last
        seen (the queue works in the background)."""
        end = time.monotonic() + WAIT
        mirror = None
        while time.monotonic() < end:
            source = self.move(source_id, code)
            if source["ic_mirror_move_id"]:
                mirror = self.move(
                    source["ic_mirror_move_id"][0],
                    target,
                    ("state", "ic_state", "amount_total", "currency_id", "company_id", "move_type", "ref"),
                )
                if mirror["state"] == state and mirror["ic_state"] in ic_states:
                    return source, mirror
            time.sleep(1)
        return self.move(source_id, code), mirror

    def live_mirrors(self, source_id, target):
        return self.rpc(
            "account.move",
            "search_read",
            [[("ic_source_move_id", "=", source_id), ("state", "!=", "cancel")]],
            {"fields": ["amount_total", "state"], **self.ctx(target)},
        )


def check_intercompany(api, rpc, billing_key, reporting_key):
    ic = Ic(api, rpc, billing_key, reporting_key)
    made = {}
    for tag, entity, counterparty, currency, amount in (
        ("usd", "BE01", "US01", "USD", "1000.00"),
        ("gbp", "BE01", "UK01", "GBP", "800.00"),
        ("sgd", "BE01", "SG01", "SGD", "1500.00"),
        ("eur", "US01", "BE01", "EUR", "500.00"),
        ("pln", "PL01", "BE01", "PLN", "300000.00"),  # above BE01's approval amount (50,000.00 EUR)
    ):
        made[tag] = (
            ic.invoice(tag, entity, counterparty, currency, amount),
            entity,
            counterparty,
            currency,
            amount,
        )

    for tag in ("usd", "gbp", "sgd", "eur"):
        source_id, entity, target, currency, amount = made[tag]
        if not source_id:
            continue
        source, mirror = ic.wait_mirror(source_id, entity, target, {"mirrored"}, "posted")
        R.check(
            f"{tag}: a posted bill mirrors it in {target}, same currency and total, the source's number as reference",
            mirror is not None
            and mirror["state"] == "posted"
            and mirror["move_type"] == "in_invoice"
            and mirror["company_id"][0] == ic.cid[target]
            and mirror["currency_id"][1] == currency
            and _dec(mirror["amount_total"]) == _dec(amount)
            and mirror["ref"] == source["name"],
            f"account.move {source_id}.ic_mirror_move_id",
            f"posted in_invoice of {target}, {currency} {amount}, ref {source['name']}",
            mirror,
        )

    source_id = made["gbp"][0]
    if source_id:  # cancelled by the issuer: the unpaid mirror is cancelled
        rpc("account.move", "button_draft", [[source_id]], ic.ctx("BE01"))
        rpc("account.move", "button_cancel", [[source_id]], ic.ctx("BE01"))
        _source, mirror = ic.wait_mirror(source_id, "BE01", "UK01", {"cancelled"}, "cancel")
        R.check(
            "gbp: cancelling the invoice cancels its unpaid mirror in UK01",
            mirror is not None and mirror["state"] == "cancel" and mirror["ic_state"] == "cancelled",
            "button_draft + button_cancel on the source",
            "mirror cancel / cancelled",
            mirror,
        )

    source_id = made["sgd"][0]
    if source_id:  # reset to draft, changed, posted again: still one live mirror, with the new amount
        line = rpc(
            "account.move.line",
            "search",
            [[("move_id", "=", source_id), ("display_type", "=", "product")]],
            ic.ctx("BE01"),
        )
        rpc("account.move", "button_draft", [[source_id]], ic.ctx("BE01"))
        rpc(
            "account.move",
            "write",
            [[source_id], {"invoice_line_ids": [(1, line[0], {"price_unit": 1600})]}],
            ic.ctx("BE01"),
        )
        rpc("account.move", "action_post", [[source_id]], ic.ctx("BE01"))
        end = time.monotonic() + WAIT
        live = []
        while time.monotonic() < end:
            live = ic.live_mirrors(source_id, "SG01")
            if (
                len(live) == 1
                and _dec(live[0]["amount_total"]) == Decimal("1600")
                and live[0]["state"] == "posted"
            ):
                break
            time.sleep(1)
        R.check(
            "sgd: reset, changed to 1,600.00 and posted again: one live mirror in SG01, posted at 1,600.00",
            len(live) == 1
            and _dec(live[0]["amount_total"]) == Decimal("1600")
            and live[0]["state"] == "posted",
            "button_draft, write price_unit, action_post",
            "one live mirror of 1600.0",
            live,
        )

    source_id = made["pln"][0]
    if source_id:  # above the threshold: waits for BE01's approver, who rejects it with a reason
        _source, mirror = ic.wait_mirror(source_id, "PL01", "BE01", {"waiting_approval"}, "draft")
        waiting = R.check(
            "pln: above BE01's approval amount the mirror waits in draft for an approver",
            mirror is not None and mirror["state"] == "draft" and mirror["ic_state"] == "waiting_approval",
            "mirror of the PLN invoice",
            "draft / waiting_approval",
            mirror,
        )
        if waiting:
            reason = f"Contract check {RUN}: these services were billed already."
            mirror_id = rpc("account.move", "read", [[source_id], ["ic_mirror_move_id"]], ic.ctx("PL01"))[0][
                "ic_mirror_move_id"
            ][0]
            wctx = {
                "context": {
                    **ic.ctx("BE01")["context"],
                    "active_model": "account.move",
                    "active_ids": [mirror_id],
                }
            }
            wizard = rpc("integration.intercompany.reject", "create", [{"reason": reason}], wctx)
            rpc("integration.intercompany.reject", "action_reject", [[wizard]], wctx)
            end = time.monotonic() + WAIT
            found = []
            while time.monotonic() < end and not found:
                found = rpc(
                    "integration.exception",
                    "search_read",
                    [[("company_id", "=", ic.cid["PL01"]), ("state", "=", "open"), ("name", "ilike", RUN)]],
                    {"fields": ["name", "code"], **ic.ctx("PL01")},
                )
                time.sleep(0 if found else 1)
            R.check(
                "pln: the rejection with its reason becomes an open exception in PL01",
                len(found) == 1 and reason in found[0]["name"],
                "reject wizard as BE01's approver",
                reason,
                found,
            )

    check_allocation(ic)
    check_reconciliation(ic)
    check_consolidated_tb(ic)
    check_cockpit(ic)


def check_allocation(ic):
    """A shared-service allocation run asked through the API (the demo's IT-SERVICES key of PL01)."""
    last_month = TODAY.replace(day=1) - dt.timedelta(days=1)  # a run allocates a period that is over
    period = last_month.strftime("%Y-%m")
    # The shared-service centre's IT costs of that period, as its procurement system would send them.
    vendor = f"CC-{RUN}-IT-VENDOR"
    partner = ic.api.post(
        ic.key,
        envelope(
            "alloc-vendor",
            {"external_id": vendor, "name": f"IT vendor {RUN}", "is_company": True, "roles": ["supplier"]},
            flow="partner",
            entity="PL01",
        ),
    )
    if partner.status_code == 202:
        ic.api.poll(ic.key, body(partner)["id"])
    cost = ic.api.post(
        ic.key,
        envelope(
            "alloc-cost",
            {
                "move_type": "in_invoice",
                "partner": vendor,
                "number": f"CC-{RUN}-IT-LICENCES",
                "invoice_date": str(last_month),
                "due_date": str(last_month),
                "currency": "PLN",
                "lines": [
                    {"label": "Licences", "quantity": "1", "price_unit": "12000.00", "account": "40.020.200"}
                ],
                "post": True,
            },
            flow="invoice",
            entity="PL01",
        ),
    )
    booked = ic.api.poll(ic.key, body(cost)["id"]) if cost.status_code == 202 else show(cost)
    R.check(
        "allocation: the service centre's IT costs of the period booked through the API",
        isinstance(booked, dict) and booked.get("state") == "done",
        "POST invoice in_invoice PL01 on 40.020.200",
        "done",
        booked,
    )
    asks = []
    for tag in ("alloc-1", "alloc-2"):
        resp = ic.api.post(
            ic.key,
            envelope(tag, {"key": "IT-SERVICES", "period": period}, flow="allocation_run", entity="PL01"),
        )
        asks.append(ic.api.poll(ic.key, body(resp)["id"]) if resp.status_code == 202 else show(resp))
    first, second = asks
    if R.check(
        "allocation run through the API: done, and a second request for the period gives the same run",
        all(isinstance(a, dict) and a.get("state") == "done" for a in asks)
        and first["result"] == second["result"],
        f"POST allocation_run IT-SERVICES {period} twice",
        "done twice, same result",
        asks,
    ):
        check_allocation_invoices(ic, first["result"]["id"])


def intercompany_steps(api, rpc, issue):
    """The contract check's intercompany group; ``issue(code)`` issues a key of a demo endpoint."""
    return [
        (
            "intercompany",
            lambda: check_intercompany(api, rpc, issue("DEMO_IC_BILLING"), issue("DEMO_GROUP_REPORTING")),
        )
    ]


def check_allocation_invoices(ic, run_id):
    """The run's invoices: one per receiver of the demo key, posted in PL01, each mirrored in its receiver."""
    ctx = ic.ctx("PL01")
    invoice_ids = ic.rpc("integration.allocation.run", "read", [[run_id], ["invoice_ids"]], ctx)[0][
        "invoice_ids"
    ]
    end = time.monotonic() + WAIT
    invoices = []
    while time.monotonic() < end:
        invoices = ic.rpc(
            "account.move", "read", [invoice_ids, ["state", "partner_id", "ic_mirror_move_id"]], ctx
        )
        if invoices and all(invoice["ic_mirror_move_id"] for invoice in invoices):
            break
        time.sleep(1)
    receivers = {
        ic.rpc("res.company", "read", [[ic.cid[code]], ["partner_id"]])[0]["partner_id"][0]
        for code in ("BE01", "US01", "UK01", "SG01")
    }
    R.check(
        "allocation: one posted invoice per receiver (BE01, US01, UK01, SG01), each mirrored",
        {invoice["partner_id"][0] for invoice in invoices} == receivers
        and len(invoices) == 4
        and all(invoice["state"] == "posted" and invoice["ic_mirror_move_id"] for invoice in invoices),
        f"integration.allocation.run {run_id} invoices",
        "4 posted invoices with mirrors",
        invoices,
    )
