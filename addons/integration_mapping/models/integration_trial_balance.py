from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_repr

# The group's reporting (presentation) currency, as an ISO 4217 code.
#
# A system parameter rather than a field on the endpoint or a parent company:
# there is one group per database and one set of group figures, which every
# reader (each reporting endpoint of the API and the report in Odoo, which
# has no endpoint) must see alike; and the entities need not hang under one
# parent company, whose own currency need not be the group's presentation
# currency anyway. Unset, the group reports in EUR.
GROUP_CURRENCY_PARAM = "integration_mapping.group_currency"
DEFAULT_GROUP_CURRENCY = "EUR"

# The rate each kind of account translates at (contract: closing for the balance sheet,
# the period's average for income and expense).
RATE_TYPES = {"balance_sheet": "closing", "income_expense": "average"}
AMOUNTS = ("opening", "debit", "credit", "closing")
# The row carrying a translated trial balance's translation difference (contract extension 1.3).
CTA_CODE, CTA_RATE_TYPE = "CTA", "translation"


class IntegrationTrialBalance(models.AbstractModel):
    """An entity's trial balance for group reporting, in its own and in the group currency.

    Every figure comes from Odoo's posted journal items of the entity
    (``account.move.line`` whose move is posted), read with ``_read_group``;
    nothing is written. ``opening`` is the balance of the items dated before
    ``date_from``; ``debit`` and ``credit`` sum the items of the period;
    ``closing`` = opening + debit - credit, each rounded to the company
    currency.

    Group currency: balance-sheet accounts translate at the closing rate
    (Odoo's rate in force on ``date_to``), income and expense accounts at the
    period's average rate. An account's kind is its group account's; an
    unmapped account's is read from Odoo's internal group (income and expense,
    else balance sheet). Each translated opening, debit and credit is rounded
    to the group currency and the translated closing is their sum, so that
    ``closing = opening + debit - credit`` holds in both currencies.

    Translation difference (CTA): translating accounts at different rates
    unbalances the translated figures (an entity's debits equal its credits
    in its own currency, not once income is translated at the average rate
    and the balance sheet at the closing rate). A trial balance translated
    into another currency therefore ends with a row ``CTA`` of its own, with
    no amount in the company currency and, in the group currency:
    ``opening`` = minus the sum of the translated openings; the gap between
    translated debits and credits on the side that closes it (``credit`` =
    debits - credits when debits are larger, else ``debit`` = credits -
    debits); ``closing`` = opening + debit - credit, which is minus the sum
    of the translated closings. With it, translated openings and closings
    each sum to zero and translated debits equal translated credits, to the
    cent. An entity reporting in the group currency translates at 1 and has
    no such row.

    The average rate is the daily average: the mean, over every calendar day
    of the period, of the rate Odoo applies that day (the latest
    ``res.currency.rate`` on or before it, as ``_get_conversion_rate`` reads
    it). Each rate thus weighs by the number of days it was in force, which
    approximates translating each day's transactions at that day's rate
    without a rate lookup per journal item.
    """

    _name = "integration.trial.balance"
    _description = "Trial Balance for Group Reporting"

    # ------------------------------------------------------------- currency
    @api.model
    def _group_currency(self):
        code = (
            self.env["ir.config_parameter"].sudo().get_param(GROUP_CURRENCY_PARAM) or DEFAULT_GROUP_CURRENCY
        )
        currency = (
            self.env["res.currency"]
            .sudo()
            .with_context(active_test=False)
            .search([("name", "=", code.strip().upper())], limit=1)
        )
        if not currency:
            raise UserError(
                self.env._(
                    "The group currency %(code)s (system parameter %(param)s) is not a currency of this database.",
                    code=code,
                    param=GROUP_CURRENCY_PARAM,
                )
            )
        return currency.with_env(self.env)

    @api.model
    def _closing_rate(self, company, date_to, to_currency):
        """Company currency -> ``to_currency``: Odoo's rate in force on ``date_to``."""
        return self.env["res.currency"]._get_conversion_rate(
            company.currency_id, to_currency, company, date_to
        )

    @api.model
    def _average_rate(self, company, date_from, date_to, to_currency):
        """Company currency -> ``to_currency``: the daily average rate over the period (see the class)."""
        from_currency = company.currency_id
        if from_currency == to_currency:
            return 1.0
        Currency = self.env["res.currency"]
        changes = (
            self.env["res.currency.rate"]
            .sudo()
            .search_fetch(
                [
                    ("currency_id", "in", (from_currency | to_currency).ids),
                    ("company_id", "in", [False, company.root_id.id]),
                    ("name", ">", date_from),
                    ("name", "<=", date_to),
                ],
                ["name"],
            )
        )
        # The rate is constant between two rate dates: weigh each by the days it held.
        starts = sorted({date_from, *changes.mapped("name")})
        ends = [*starts[1:], date_to + timedelta(days=1)]
        weighted = sum(
            Currency._get_conversion_rate(from_currency, to_currency, company, start) * (end - start).days
            for start, end in zip(starts, ends, strict=True)
        )
        return weighted / ((date_to - date_from).days + 1)

    # --------------------------------------------------------------- report
    @api.model
    def _compute(self, company, date_from, date_to):
        """The trial balance of ``company`` for the period, with Python values (see ``_as_json``).

        Journal items are read with the current user's rights: for the API
        the controller calls this as the superuser once the key's reporting
        permission and entity are checked; in Odoo, the user's own access
        rights and companies apply.
        """
        if self.env.company != company:  # the user's record rules must see the entity's items
            return self.with_company(company)._compute(company, date_from, date_to)
        # Read the entity in this environment: one switched off in the user's company menu is
        # readable here (it is the current company), not in the caller's.
        company = company.with_env(self.env)
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        if date_from > date_to:
            raise UserError(self.env._("The period starts after it ends."))
        currency, group_currency = company.currency_id, self._group_currency()
        rates = {
            "closing": self._closing_rate(company, date_to, group_currency),
            "average": self._average_rate(company, date_from, date_to, group_currency),
        }
        figures = self._posted_figures(company, date_from, date_to)
        accounts = self.env["account.account"].browse(figures).with_company(company)
        GroupAccount = self.env["integration.group.account"]
        group_map = GroupAccount._map_accounts(company, accounts, date_to)

        rows, by_group = [], {}
        for account in accounts.sorted(lambda a: (a.code or "", a.id)):
            opening, debit, credit = figures[account.id]
            group_account = group_map.get(account.id, GroupAccount)
            rate_type = RATE_TYPES[GroupAccount._account_kind(account, group_account)]
            amounts = _amounts(currency, opening, debit, credit)
            group = _amounts(group_currency, *(amounts[key] * rates[rate_type] for key in AMOUNTS[:3]))
            rows.append(
                {
                    "account": account,
                    "code": account.code,
                    "name": account.name,
                    "group_account": group_account,
                    "group_account_code": group_account.code or None,
                    "rate_type": rate_type,
                    **amounts,
                    "group": group,
                }
            )
            if group_account:
                total = by_group.setdefault(group_account, dict.fromkeys(AMOUNTS[:3], 0.0))
                for key in total:
                    total[key] += group[key]

        group_rows = [
            {
                "group_account": group_account,
                "code": group_account.code,
                "name": group_account.name,
                "rate_type": RATE_TYPES[group_account.account_kind],
                **_amounts(group_currency, *by_group[group_account].values()),
            }
            for group_account in sorted(by_group, key=lambda g: g.code)
        ]
        unmapped = [row["code"] for row in rows if not row["group_account"]]
        if currency != group_currency:
            cta = self._translation_difference_row(rows, currency, group_currency)
            rows.append(cta)
            group_rows.append(
                {"group_account": GroupAccount, **{key: cta[key] for key in ("code", "name", "rate_type")}}
                | cta["group"]
            )
        return {
            "company": company,
            "date_from": date_from,
            "date_to": date_to,
            "currency": currency,
            "group_currency": group_currency,
            "rates": rates,
            "accounts": rows,
            "group_accounts": group_rows,
            "unmapped_accounts": unmapped,
            "totals": {
                "debit": currency.round(sum(row["debit"] for row in rows)),
                "credit": currency.round(sum(row["credit"] for row in rows)),
                "group": {
                    "debit": group_currency.round(sum(row["group"]["debit"] for row in rows)),
                    "credit": group_currency.round(sum(row["group"]["credit"] for row in rows)),
                },
            },
        }

    @api.model
    def _translation_difference_row(self, rows, currency, group_currency):
        """The CTA row balancing the translated ``rows`` (see the class): zero in ``currency``."""
        opening, debit, credit = (
            group_currency.round(sum(row["group"][key] for row in rows)) for key in AMOUNTS[:3]
        )
        gap = group_currency.round(debit - credit)
        return {
            "account": self.env["account.account"],
            "code": CTA_CODE,
            "name": self.env._("Translation difference"),
            "group_account": self.env["integration.group.account"],
            "group_account_code": CTA_CODE,
            "rate_type": CTA_RATE_TYPE,
            **_amounts(currency, 0.0, 0.0, 0.0),
            "group": _amounts(group_currency, -opening, max(-gap, 0.0), max(gap, 0.0)),
        }

    @api.model
    def _posted_figures(self, company, date_from, date_to):
        """``{account id: (opening, debit, credit)}`` of the accounts with an opening balance or movements."""
        Line = self.env["account.move.line"]
        posted = [("company_id", "=", company.id), ("parent_state", "=", "posted")]
        openings = Line._read_group([*posted, ("date", "<", date_from)], ["account_id"], ["balance:sum"])
        movements = Line._read_group(
            [*posted, ("date", ">=", date_from), ("date", "<=", date_to)],
            ["account_id"],
            ["debit:sum", "credit:sum"],
        )
        currency = company.currency_id
        figures = {
            account.id: (balance, 0.0, 0.0) for account, balance in openings if not currency.is_zero(balance)
        }
        for account, debit, credit in movements:
            figures[account.id] = (figures.get(account.id, (0.0,))[0], debit, credit)
        return figures

    # ------------------------------------------------------------- rendering
    @api.model
    def _as_json(self, report):
        """The contract's body: amounts as decimal strings rounded to their currency."""
        currency, group_currency = report["currency"], report["group_currency"]
        entity = report["company"].entity_code
        return {
            "entity": entity,
            "date_from": fields.Date.to_string(report["date_from"]),
            "date_to": fields.Date.to_string(report["date_to"]),
            "company_currency": currency.name,
            "group_currency": group_currency.name,
            "rates": {key: _rate_string(rate) for key, rate in report["rates"].items()},
            "accounts": [
                {
                    "entity": entity,
                    "company_currency": currency.name,
                    "code": row["code"],
                    "name": row["name"],
                    "group_account": row["group_account_code"],
                    "rate_type": row["rate_type"],
                    **_strings(currency, row, AMOUNTS),
                    "group": _strings(group_currency, row["group"], AMOUNTS),
                }
                for row in report["accounts"]
            ],
            "group_accounts": [
                {
                    "entity": entity,
                    "code": row["code"],
                    "name": row["name"],
                    "rate_type": row["rate_type"],
                    **_strings(group_currency, row, AMOUNTS),
                }
                for row in report["group_accounts"]
            ],
            "unmapped_accounts": report["unmapped_accounts"],
            "totals": {
                **_strings(currency, report["totals"], ("debit", "credit")),
                "group": _strings(group_currency, report["totals"]["group"], ("debit", "credit")),
            },
        }


def _amounts(currency, opening, debit, credit):
    """Opening, debit and credit rounded to ``currency``, and the closing they make."""
    opening, debit, credit = currency.round(opening), currency.round(debit), currency.round(credit)
    return {
        "opening": opening,
        "debit": debit,
        "credit": credit,
        "closing": currency.round(opening + debit - credit),
    }


def _strings(currency, values, keys):
    # "+ 0.0" turns a rounded -0.0 into 0.0: no "-0.00" in the output.
    return {key: float_repr(currency.round(values[key]) + 0.0, currency.decimal_places) for key in keys}


def _rate_string(rate):
    """A rate as a decimal string: ten decimals at most, at least one ("1.0")."""
    text = f"{rate:.10f}".rstrip("0")
    return text + "0" if text.endswith(".") else text
