from decimal import Decimal

from odoo import Command, api, fields, models

from odoo.addons.integration_core.exceptions import BusinessError

from .integration_handler_move import decimals_of, exact_amount

# ISO 4217 minor units (decimals): these codes have 2, the exceptions follow. A code
# not listed (a sender's own, precious metals) is checked once translated, at processing.
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD
LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN
PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL
"""
ISO_4217_DECIMALS = {
    **dict.fromkeys(_ISO_4217.split(), 2),
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


class IntegrationHandlerJournalEntry(models.AbstractModel):
    """journal_entry: payroll, expense, allocation and other journals, posted.

    Amounts stay exact Decimals until the ORM: a line finer than its
    currency is refused, never rounded, and an entry is posted only when its
    debits equal its credits exactly in its currency.
    """

    _name = "integration.handler.journal_entry"
    _inherit = "integration.handler.move"
    _description = "Journal Entry Flow"

    # ------------------------------------------------------------- intake
    @api.model
    def _static_checks(self, payload, version):
        errors = []
        places = ISO_4217_DECIMALS.get(payload.get("currency"))
        total_debit = total_credit = Decimal(0)
        for index, line in enumerate(payload["lines"]):
            path = f"$.payload.lines[{index}]"
            debit, credit = exact_amount(line.get("debit")), exact_amount(line.get("credit"))
            if debit is None or credit is None:
                errors.append({"path": path, "message": "debit and credit must be decimal amounts"})
                continue
            if debit and credit:
                errors.append({"path": path, "message": "a line has a debit or a credit, not both"})
            for side, amount in (("debit", debit), ("credit", credit)):
                if places is not None and decimals_of(amount) > places:
                    errors.append(
                        {
                            "path": f"{path}.{side}",
                            "message": f"{line[side]} has more decimals than {payload['currency']} has "
                            f"({places}); it is never rounded",
                        }
                    )
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
        results = self._refuse_rejected(self._find_existing_batch(messages))
        resolver = self._resolver(messages)
        journals = {}
        to_create = []
        for message in messages:
            if message.id in results:
                continue
            try:
                to_create.append((message, self._prepare_move_vals(message, resolver, journals)))
            except BusinessError as error:
                results[message.id] = error
        if to_create:
            moves = self.env["account.move"].create([vals for _message, vals in to_create])
            self._post_or_hold(messages, moves)
            for (message, _vals), move in zip(to_create, moves, strict=True):
                results[message.id] = move
        return results

    # ------------------------------------------------------------- hooks
    @api.model
    def _prepare_move_vals(self, message, resolver, journals=None):
        """Values of the account.move for one message; raises BusinessError naming every problem."""
        payload = self.env[message.flow_id.handler_model]._upgrade_payload(
            message._payload_dict(), message.schema_version
        )
        company = message.company_id
        date = fields.Date.to_date(payload["date"])
        problems = []
        if payload.get("journal"):
            journal = resolver.resolve("journal", payload["journal"], problems, date=date)
        else:
            journal = self._miscellaneous_journal(company, journals if journals is not None else {}, problems)
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
        amounts = self._exact_amounts(payload["lines"], currency)
        self._check_lock_dates(company, date, journal)
        line_vals = self._prepare_line_vals(company, currency, date, lines, amounts)
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
    def _miscellaneous_journal(self, company, journals, problems):
        """Without a journal, the entity's first general journal, the one a manual entry in Odoo gets."""
        journal = self._first_journal(company, "general", journals)
        if not journal:
            problems.append(
                {
                    "code": "missing_mapping",
                    "type": "journal",
                    "value": "",
                    "message": self.env._(
                        "The entry names no journal and %(entity)s has no miscellaneous-operations "
                        "journal (a journal of type Miscellaneous) to take it: create one, or send the "
                        "journal's code.",
                        entity=f"{company.name} ({company.entity_code})",
                    ),
                }
            )
        return journal

    @api.model
    def _exact_amounts(self, lines, currency):
        """Each line's amount (debit - credit) as an exact Decimal in the entry's currency.

        Refuses (invalid_document, every line at once) a line finer than the
        currency or not an amount at all, and an entry whose debits and
        credits differ: nothing is rounded to make it fit.
        """
        problems = []
        amounts = []
        total_debit = total_credit = Decimal(0)
        for index, line in enumerate(lines):
            where = self._line_name(index, line)
            debit, credit = exact_amount(line.get("debit")), exact_amount(line.get("credit"))
            for side, amount in (("debit", debit), ("credit", credit)):
                if amount is None:
                    message = self.env._(
                        "%(line)s: the %(side)s is not an amount the books can hold.", line=where, side=side
                    )
                elif decimals_of(amount) > currency.decimal_places:
                    message = self.env._(
                        "%(line)s: the %(side)s %(amount)s has more decimals than %(currency)s has "
                        "(%(places)s). It is not rounded: send the amount the books should hold.",
                        line=where,
                        side=side,
                        amount=amount,
                        currency=currency.name,
                        places=currency.decimal_places,
                    )
                else:
                    continue
                path = f"$.payload.lines[{index}].{side}"
                problems.append({"code": "invalid_document", "path": path, "message": message})
            if debit is not None and credit is not None:
                total_debit += debit
                total_credit += credit
                amounts.append(debit - credit)
        if not problems and total_debit != total_credit:
            problems.append(
                {
                    "code": "invalid_document",
                    "path": "$.payload.lines",
                    "message": self.env._(
                        "Debits (%(debit)s) do not equal credits (%(credit)s) in %(currency)s: the entry "
                        "is not posted.",
                        debit=total_debit,
                        credit=total_credit,
                        currency=currency.name,
                    ),
                }
            )
        if problems:
            raise BusinessError.from_errors(problems)
        return amounts

    @api.model
    def _prepare_line_vals(self, company, currency, date, lines, amounts):
        """Lines in the entry's currency, converted to the company's by Odoo's rates.

        ``amounts`` are exact and no finer than the currency (``_exact_amounts``),
        so their floats hold the same decimals. Converting line by line can
        leave a cent of rounding: it goes to the largest line so the entry
        balances in both currencies, as Odoo's own invoices do.
        """
        company_currency = company.currency_id
        vals_list = []
        for (line, account, partner, analytic), exact in zip(lines, amounts, strict=True):
            amount = float(exact)
            if currency == company_currency:
                balance = amount
            else:
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
