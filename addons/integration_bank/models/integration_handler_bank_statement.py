import hashlib
from decimal import Decimal

from odoo import Command, api, fields, models

from odoo.addons.base.models.res_bank import sanitize_account_number
from odoo.addons.integration_core.exceptions import BusinessError
from odoo.addons.integration_mapping.models.integration_handler_journal_entry import ISO_4217_DECIMALS
from odoo.addons.integration_mapping.models.integration_handler_move import decimals_of, exact_amount


def line_identities(payload):
    """Each line's identity in its bank account, in payload order.

    The bank's line id where it names one entry only. Where the bank gives no
    id, or gives one id to two different entries of the statement, the
    identity is derived from the statement id and the entry (booking date,
    signed amount, references) and its position in the statement: a re-sent
    file gives the same identities, and two real entries never share one (they
    differ at least by position). The statement id is part of it, so entries
    without ids are never merged across statements either: an overlap the
    bank cannot identify is imported and shows in the balance check.
    """
    lines = payload["lines"]
    counts = {}
    for line in lines:
        if line.get("id"):
            counts[line["id"]] = counts.get(line["id"], 0) + 1
    identities = []
    for position, line in enumerate(lines, start=1):
        bank_id = line.get("id")
        if bank_id and counts[bank_id] == 1:
            identities.append(f"id:{bank_id}")
            continue
        parts = (
            payload["statement_id"],
            line["date"],
            str(exact_amount(line["amount"])),
            bank_id or "",
            line.get("reference") or "",
            line.get("end_to_end_id") or "",
            str(position),
        )
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
        identities.append(f"derived:{digest}")
    return identities


class IntegrationHandlerBankStatement(models.AbstractModel):
    """bank_statement: one statement of one of the entity's bank accounts, with its lines.

    Idempotent by (bank account, statement id) and each line by its identity
    (``line_identities``). The statement must prove its balances: it starts
    where the previous one ended and its lines add up to its closing balance;
    otherwise it stops as an exception a finance user may accept with a
    reason. What can be matched to open invoices is reconciled at once.
    """

    _name = "integration.handler.bank_statement"
    _inherit = "integration.handler.move"
    _description = "Bank Statement Flow"

    # ------------------------------------------------------------- intake
    @api.model
    def _static_checks(self, payload, version):
        """Amounts finer than a known currency are refused at once: nothing is rounded."""
        errors = []
        places = ISO_4217_DECIMALS.get(payload.get("currency"))
        checks = [("$.payload.opening_balance", payload.get("opening_balance"), places)]
        checks.append(("$.payload.closing_balance", payload.get("closing_balance"), places))
        for index, line in enumerate(payload["lines"]):
            path = f"$.payload.lines[{index}]"
            checks.append((f"{path}.amount", line.get("amount"), places))
            foreign = ISO_4217_DECIMALS.get(line.get("foreign_currency"))
            checks.append((f"{path}.foreign_amount", line.get("foreign_amount"), foreign))
        for path, value, decimals in checks:
            amount = None if value is None else exact_amount(value)
            if amount is not None and decimals is not None and decimals_of(amount) > decimals:
                errors.append({"path": path, "message": f"{value} has more decimals than its currency has"})
        return errors

    # --------------------------------------------------------- processing
    @api.model
    def _find_existing(self, message):
        return self.env["account.bank.statement"].search(
            [("integration_message_id", "=", message.id)], limit=1
        )

    @api.model
    def _process_batch(self, messages):
        """Statements in arrival order: each one's continuity depends on the one before."""
        results = {}
        for message in messages.sorted("id"):
            existing = self._find_existing(message)
            if existing:
                results[message.id] = existing
                continue
            try:
                results[message.id] = self._import_statement(message)
            except BusinessError as error:
                results[message.id] = error
        return results

    @api.model
    def _import_statement(self, message):
        payload = self._upgrade_payload(message._payload_dict(), message.schema_version)
        company = message.company_id
        journal = self.env["account.journal"]._integration_bank_journal(company, payload["account"])
        if not journal:
            raise BusinessError(
                "unknown_reference",
                self.env._(
                    "%(entity)s has no bank journal for the account %(account)s: set the IBAN as the "
                    "journal's bank account, or the bank's account id on the journal.",
                    entity=f"{company.name} ({company.entity_code})",
                    account=payload["account"],
                ),
                type="bank_account",
                value=payload["account"],
            )
        Statement = self.env["account.bank.statement"]
        same = Statement.search(
            [("journal_id", "=", journal.id), ("integration_statement_ref", "=", payload["statement_id"])],
            limit=1,
        )
        if same:
            return same
        currency = self._check_currency(journal, payload)
        amounts = self._exact_amounts(payload, currency)
        identities = line_identities(payload)
        imported = self.env["account.bank.statement.line"].search(
            [("journal_id", "=", journal.id), ("integration_line_identity", "in", identities)]
        )
        known = set(imported.mapped("integration_line_identity"))
        new = [index for index, identity in enumerate(identities) if identity not in known]
        opening, acceptance = self._check_balances(message, journal, payload, amounts, new)
        if not new and imported and not acceptance and opening == amounts["closing"]:
            # The whole statement was imported before under another id: nothing to add.
            return imported.statement_id.sorted("id")[-1:]
        dates = {fields.Date.to_date(payload["lines"][index]["date"]) for index in new}
        for date in sorted(dates):
            self._check_lock_dates(company, date, journal)
        partners = self._partners_by_account(company, payload)
        # OCA's statement lines guess a contact from a shared account or a similar name, and run
        # their own matcher on creation: a guess must not drive reconciliation, so the contact is
        # set here only when the account names one, and the feed's reconciliation runs below.
        line_vals = [
            self._prepare_line_vals(
                message,
                journal,
                currency,
                payload["lines"][index],
                index=index,
                identity=identities[index],
                partners=partners,
            )
            for index in new
        ]
        # Matches are decided before the lines exist, so that a line paying one invoice is created on
        # its receivable rather than on suspense and rewritten.
        Reconciler = self.env["integration.bank.reconciler"]
        plan = Reconciler._plan_new_lines(journal, line_vals)
        Statement = Statement.with_context(skip_retrieve_partner=True, integration_bank_import=True)
        with self.env["account.move"]._integration_statement_numbering():
            statement = Statement.create(
                {
                    "name": payload["statement_id"],
                    "reference": payload["statement_id"],
                    "journal_id": journal.id,
                    "balance_start": float(opening),
                    "balance_end_real": float(amounts["closing"]),
                    "integration_statement_ref": payload["statement_id"],
                    "integration_bank_account": payload["account"],
                    "integration_opening_sent": float(amounts["opening"])
                    if amounts["opening"] is not None
                    else False,
                    "integration_skipped_count": len(identities) - len(new),
                    "integration_acceptance_id": acceptance.id if acceptance else False,
                    "line_ids": [Command.create(vals) for vals in line_vals],
                    **Statement._integration_trace_vals(message),
                }
            )
        Reconciler._reconcile_planned(statement.line_ids, plan)
        return statement

    # ------------------------------------------------------------- checks
    @api.model
    def _check_currency(self, journal, payload):
        """The statement's currency must be the journal's: a bank account keeps one currency."""
        currency = journal.currency_id or journal.company_id.currency_id
        sent = payload.get("currency") or currency.name
        if sent != currency.name:
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "The statement is in %(sent)s but the journal %(journal)s keeps %(currency)s: a bank "
                    "account's statement is imported in the account's currency.",
                    sent=sent,
                    journal=journal.display_name,
                    currency=currency.name,
                ),
            )
        return currency

    @api.model
    def _exact_amounts(self, payload, currency):
        """Balances and line amounts as exact Decimals, none finer than the currency."""
        problems = []

        def amount(path, value, places, name):
            exact = exact_amount(value)
            if exact is None or decimals_of(exact) > places:
                problems.append(
                    {
                        "code": "invalid_document",
                        "path": path,
                        "message": self.env._(
                            "%(value)s is not an amount %(currency)s can hold (%(places)s decimals); "
                            "it is never rounded.",
                            value=value,
                            currency=name,
                            places=places,
                        ),
                    }
                )
            return exact

        places = currency.decimal_places
        opening = payload.get("opening_balance")
        result = {
            "opening": None
            if opening is None
            else amount("$.payload.opening_balance", opening, places, currency.name),
            "closing": amount("$.payload.closing_balance", payload["closing_balance"], places, currency.name),
            "lines": [],
        }
        for index, line in enumerate(payload["lines"]):
            result["lines"].append(
                amount(f"$.payload.lines[{index}].amount", line["amount"], places, currency.name)
            )
        if problems:
            raise BusinessError.from_errors(problems)
        return result

    @api.model
    def _check_balances(self, message, journal, payload, amounts, new):
        """The opening balance to store, and the acceptance that lets a difference through.

        Lines the bank repeats from an earlier statement (an overlapping feed)
        are left out; they were counted in that statement's closing balance,
        so the bank's opening balance plus them must meet it.
        """
        previous = self.env["account.bank.statement"].search(
            [("journal_id", "=", journal.id)], order="id desc", limit=1
        )
        previous_closing = Decimal(str(previous.balance_end_real)) if previous else None
        currency = journal.currency_id or journal.company_id.currency_id
        quantum = Decimal(1).scaleb(-currency.decimal_places)
        if previous_closing is not None:
            previous_closing = previous_closing.quantize(quantum)
        lines = amounts["lines"]
        total_sent = sum(lines, Decimal(0))
        total_new = sum((lines[index] for index in new), Decimal(0))
        skipped = total_sent - total_new
        opening_sent = amounts["opening"]
        if opening_sent is None:
            # Some banks send only the closing balance: the statement starts where the last one ended.
            opening = previous_closing if previous_closing is not None else amounts["closing"] - total_new
            checks = [("lines", amounts["closing"] - opening - total_new)]
        else:
            opening = opening_sent + skipped
            checks = [("lines", amounts["closing"] - opening_sent - total_sent)]
            if previous_closing is not None:
                checks.insert(0, ("continuity", opening - previous_closing))
        accepted = None
        for kind, difference in checks:
            if not difference:
                continue
            acceptance = self._acceptance(message, kind, difference)
            if acceptance:
                accepted = acceptance
                continue
            raise BusinessError(
                "invalid_document",
                self._difference_message(
                    kind,
                    difference,
                    currency=currency,
                    payload=payload,
                    previous=previous,
                    previous_closing=previous_closing,
                ),
                difference=str(difference),
                difference_kind=kind,
            )
        return opening, accepted

    @api.model
    def _acceptance(self, message, kind, difference):
        return (
            self.env["integration.bank.balance.acceptance"]
            .sudo()
            .search(
                [("message_id", "=", message.id), ("kind", "=", kind), ("difference", "=", str(difference))],
                limit=1,
            )
        )

    @api.model
    def _difference_message(self, kind, difference, *, currency, payload, previous, previous_closing):
        if kind == "continuity":
            return self.env._(
                "The statement %(statement)s opens at %(opening)s %(currency)s but the previous statement "
                "%(previous)s of this account closed at %(closing)s: a difference of %(difference)s. A "
                "statement may be missing; if the bank confirms the figures, accept the difference.",
                statement=payload["statement_id"],
                opening=payload.get("opening_balance"),
                currency=currency.name,
                previous=previous.name or previous.display_name,
                closing=previous_closing,
                difference=difference,
            )
        return self.env._(
            "The lines of statement %(statement)s do not add up to its closing balance %(closing)s "
            "%(currency)s: %(difference)s is missing. If the bank confirms the file, accept the difference.",
            statement=payload["statement_id"],
            closing=payload["closing_balance"],
            currency=currency.name,
            difference=difference,
        )

    # ------------------------------------------------------------- hooks
    @api.model
    def _partners_by_account(self, company, payload):
        """Counterparty account -> contact, where exactly one contact of the entity (or shared) holds it."""
        numbers = {
            sanitize_account_number(line["counterparty_iban"])
            for line in payload["lines"]
            if line.get("counterparty_iban")
        }
        if not numbers:
            return {}
        banks = self.env["res.partner.bank"].search(
            [("sanitized_acc_number", "in", list(numbers)), ("company_id", "in", (company.id, False))]
        )
        owners = {}
        for bank in banks:
            owners.setdefault(bank.sanitized_acc_number, set()).add(bank.partner_id.commercial_partner_id.id)
        return {number: next(iter(ids)) for number, ids in owners.items() if len(ids) == 1}

    @api.model
    def _prepare_line_vals(self, message, journal, currency, line, *, index, identity, partners):
        reference = line.get("reference") or False
        number = (
            sanitize_account_number(line["counterparty_iban"]) if line.get("counterparty_iban") else False
        )
        vals = {
            "journal_id": journal.id,
            "date": line["date"],
            "sequence": index + 1,
            "amount": float(exact_amount(line["amount"])),
            "payment_ref": line.get("label") or reference or line.get("end_to_end_id") or "/",
            "ref": reference,
            "partner_name": line.get("counterparty_name") or False,
            "account_number": line.get("counterparty_iban") or False,
            "partner_id": partners.get(number, False),
            "transaction_type": line.get("transaction_type") or False,
            "integration_line_identity": identity,
            "integration_bank_line_id": line.get("id") or False,
            "integration_reference": reference,
            "integration_end_to_end_id": line.get("end_to_end_id") or False,
            "integration_value_date": line.get("value_date") or False,
            "integration_reversal": bool(line.get("reversal")),
            **self.env["account.bank.statement.line"]._integration_trace_vals(message),
        }
        foreign = line.get("foreign_currency")
        if foreign and foreign != currency.name:
            foreign_currency = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", foreign)], limit=1)
            )
            if not foreign_currency:
                raise BusinessError(
                    "unknown_reference",
                    self.env._(
                        "Line %(line)s is in %(code)s, a currency this database does not know.",
                        line=index + 1,
                        code=foreign,
                    ),
                    type="currency",
                    value=foreign,
                )
            vals["foreign_currency_id"] = foreign_currency.id
            vals["amount_currency"] = float(exact_amount(line["foreign_amount"]))
        return vals
