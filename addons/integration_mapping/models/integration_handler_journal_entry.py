from decimal import Decimal, InvalidOperation

from odoo import Command, api, fields, models

from odoo.addons.integration_core.exceptions import BusinessError


def to_decimal(value):
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return None


class IntegrationHandlerJournalEntry(models.AbstractModel):
    """journal_entry: payroll, expense, allocation and other journals, posted."""

    _name = "integration.handler.journal_entry"
    _inherit = "integration.handler.move"
    _description = "Journal Entry Flow"

    # ------------------------------------------------------------- intake
    @api.model
    def _static_checks(self, payload, version):
        errors = []
        total_debit = total_credit = Decimal(0)
        for index, line in enumerate(payload["lines"]):
            debit, credit = to_decimal(line.get("debit")), to_decimal(line.get("credit"))
            path = f"$.payload.lines[{index}]"
            if debit is None or credit is None:
                errors.append({"path": path, "message": "debit and credit must be decimal amounts"})
                continue
            if debit and credit:
                errors.append({"path": path, "message": "a line has a debit or a credit, not both"})
            total_debit += debit
            total_credit += credit
        if not errors and total_debit != total_credit:
            errors.append(
                {
                    "path": "$.payload.lines",
                    "message": f"debits ({total_debit}) do not equal credits ({total_credit})",
                }
            )
        if not errors and not total_debit:
            errors.append({"path": "$.payload.lines", "message": "the entry has no amount"})
        return errors

    # --------------------------------------------------------- processing
    @api.model
    def _find_existing_batch(self, messages):
        moves = self.env["account.move"].search([("integration_message_id", "in", messages.ids)])
        return {move.integration_message_id.id: move for move in moves}

    @api.model
    def _find_existing(self, message):
        return self._find_existing_batch(message).get(message.id, self.env["account.move"])

    @api.model
    def _process_batch(self, messages):
        results = self._find_existing_batch(messages)
        resolver = self._resolver(messages)
        to_create = []
        for message in messages:
            if message.id in results:
                continue
            try:
                to_create.append((message, self._prepare_move_vals(message, resolver)))
            except BusinessError as error:
                results[message.id] = error
        if to_create:
            moves = self.env["account.move"].create([vals for _message, vals in to_create])
            moves._post(soft=False)
            for (message, _vals), move in zip(to_create, moves, strict=True):
                results[message.id] = move
        return results

    # ------------------------------------------------------------- hooks
    @api.model
    def _prepare_move_vals(self, message, resolver):
        """Values of the account.move for one message; raises BusinessError naming every problem."""
        payload = self.env[message.flow_id.handler_model]._upgrade_payload(
            message._payload_dict(), message.schema_version
        )
        company = message.company_id
        date = fields.Date.to_date(payload["date"])
        problems = []
        journal = resolver.resolve("journal", payload["journal"], problems, date=date)
        currency = resolver.resolve(
            "currency", payload.get("currency") or company.currency_id.name, problems, date=date
        )
        lines = []
        for line in payload["lines"]:
            account = resolver.resolve("account", line["account"], problems, date=date)
            partner = line.get("partner") and resolver.resolve(
                "partner", line["partner"], problems, date=date
            )
            analytic = {
                dimension: resolver.resolve("analytic", code, problems, date=date, dimension=dimension)
                for dimension, code in (line.get("analytic") or {}).items()
            }
            lines.append((line, account, partner, analytic))
        if problems:
            raise BusinessError.from_errors(problems)
        self._check_lock_dates(company, date, journal)
        line_vals = self._prepare_line_vals(company, currency, date, lines)
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "company_id": journal.company_id.id or company.id,
            "date": date,
            "ref": payload.get("ref"),
            "currency_id": currency.id,
            "line_ids": [Command.create(vals) for vals in line_vals],
            **self.env["account.move"]._integration_trace_vals(message),
        }

    @api.model
    def _prepare_line_vals(self, company, currency, date, lines):
        """Lines in the entry's currency, converted to the company's by Odoo's rates.

        Converting line by line can leave a cent of rounding: it goes to the
        largest line so the entry balances in both currencies, as Odoo's own
        invoices do.
        """
        company_currency = company.currency_id
        vals_list = []
        for line, account, partner, analytic in lines:
            amount = float(to_decimal(line.get("debit")) - to_decimal(line.get("credit")))
            amount = currency.round(amount)
            balance = currency._convert(amount, company_currency, company, date, round=True)
            vals = {
                "account_id": account.id,
                "name": line.get("label") or False,
                "partner_id": partner.id if partner else False,
                "currency_id": currency.id,
                "amount_currency": amount,
                "balance": balance,
            }
            distribution = self._analytic_distribution(analytic)
            if distribution:
                vals["analytic_distribution"] = distribution
            vals_list.append(vals)
        difference = company_currency.round(-sum(v["balance"] for v in vals_list))
        if difference:
            largest = max(vals_list, key=lambda v: abs(v["balance"]))
            largest["balance"] = company_currency.round(largest["balance"] + difference)
        return vals_list
