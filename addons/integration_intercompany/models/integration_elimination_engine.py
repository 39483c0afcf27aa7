from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.integration_mapping.models.integration_trial_balance import RATE_TYPES, _amounts

# Odoo's internal groups of the accounts that carry intercompany revenue and expense (allocations included).
RESULT_GROUPS = ("income", "expense")


class IntegrationEliminationEngine(models.AbstractModel):
    """What the group eliminates for a period, in the group currency, per entity, counterparty and group
    account.

    For each ordered pair (A, B) with an intercompany rule: A's posted
    journal items up to the period's end with B's partner, on A's IC
    receivable and payable accounts and on its income and expense accounts
    (intercompany revenue and expense, allocation income and cost). Each
    account is translated exactly as the trial balance for group reporting
    translates it (closing rate for the balance sheet, the period's average
    for income and expense; opening, debit and credit rounded apart), so
    that the elimination cancels, to the cent, what the entity's trial
    balance shows on a group account only the group's intercompany items
    reach. Where an account carries several counterparties, the account's
    translated total is shared among them and the largest takes the rounding.

    The part that does not offset within a pair (rates, amounts that differ,
    timing) goes to the elimination entity's difference account.
    """

    _name = "integration.elimination.engine"
    _description = "Eliminations (computation)"

    @api.model
    def _propose(self, date_from, date_to, companies=None):
        """``[{"company", "counterparty", "group_account", "kind", "amount"}]`` (amount debit positive, in the
        group currency; ``group_account`` empty on a pair's difference line)."""
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        if date_from > date_to:
            raise UserError(self.env._("The period starts after it ends."))
        companies = companies or self.env["res.company"]._ic_group_entities()
        sides = self.env["integration.ic.reconciliation.engine"]._sides(companies)
        by_company = defaultdict(dict)
        for (company, counterparty), side in sides.items():
            by_company[company][counterparty] = side
        proposal, unmapped = [], []
        for company, counterparties in sorted(by_company.items(), key=lambda item: item[0].entity_code or ""):
            lines, missing = self._company_lines(company, counterparties, date_from, date_to)
            proposal.extend(lines)
            unmapped.extend(missing)
        if unmapped:
            raise UserError(
                self.env._(
                    "These intercompany accounts have no group account, so they cannot be eliminated: %(accounts)s. "
                    "Map them in the entities' group chart maps first.",
                    accounts=", ".join(sorted(set(unmapped))),
                )
            )
        group_currency = self.env["integration.trial.balance"]._group_currency()
        pairs = defaultdict(float)
        for line in proposal:
            pair = tuple(sorted((line["company"], line["counterparty"]), key=lambda c: c.entity_code or ""))
            pairs[pair] += line["amount"]
        for (company, counterparty), total in pairs.items():
            if not group_currency.is_zero(total):
                proposal.append(
                    {
                        "company": company,
                        "counterparty": counterparty,
                        "group_account": self.env["integration.group.account"],
                        "kind": "difference",
                        "amount": group_currency.round(-total),
                    }
                )
        return proposal

    @api.model
    def _company_lines(self, company, counterparties, date_from, date_to):
        """The elimination lines of one entity with all its counterparties, and its unmapped IC accounts."""
        Report = self.env["integration.trial.balance"]
        GroupAccount = self.env["integration.group.account"]
        group_currency = Report._group_currency()
        rates = {
            "closing": Report._closing_rate(company, date_to, group_currency),
            "average": Report._average_rate(company, date_from, date_to, group_currency),
        }
        figures = self._figures(company, counterparties, date_from, date_to)
        accounts = self.env["account.account"].browse({account for account, _cp in figures})
        group_map = GroupAccount._map_accounts(company, accounts, date_to)
        currency = company.currency_id
        by_account = defaultdict(dict)
        for (account_id, counterparty), values in figures.items():
            by_account[account_id][counterparty] = values

        lines, unmapped = [], []
        for account in accounts.with_company(company).sorted(lambda a: (a.code or "", a.id)):
            group_account = group_map.get(account.id)
            if not group_account:
                unmapped.append(f"{company.entity_code} {account.code}")
                continue
            rate = rates[RATE_TYPES[GroupAccount._account_kind(account, group_account)]]

            def translated(values, rate=rate):
                own = _amounts(currency, *values)
                return _amounts(group_currency, *(own[key] * rate for key in ("opening", "debit", "credit")))[
                    "closing"
                ]

            shares = {cp: translated(values) for cp, values in by_account[account.id].items()}
            total = translated(
                [sum(values[i] for values in by_account[account.id].values()) for i in range(3)]
            )
            largest = max(shares, key=lambda cp: (abs(shares[cp]), -cp.id))
            shares[largest] = group_currency.round(shares[largest] + total - sum(shares.values()))
            for counterparty, amount in shares.items():
                if group_currency.is_zero(amount):
                    continue
                lines.append(
                    {
                        "company": company,
                        "counterparty": counterparty,
                        "group_account": group_account,
                        "kind": "result" if group_account.account_kind == "income_expense" else "balance",
                        "amount": group_currency.round(-amount),
                    }
                )
        merged = {}
        for line in lines:  # several accounts of one entity may report in one group account
            key = (line["counterparty"], line["group_account"])
            if key in merged:
                merged[key]["amount"] = group_currency.round(merged[key]["amount"] + line["amount"])
            else:
                merged[key] = line
        return [line for line in merged.values() if not group_currency.is_zero(line["amount"])], unmapped

    @api.model
    def _figures(self, company, counterparties, date_from, date_to):
        """``{(account id, counterparty): [opening, debit, credit]}`` of the entity's intercompany items."""
        Line = self.env["account.move.line"].with_company(company)
        result = defaultdict(lambda: [0.0, 0.0, 0.0])
        for counterparty, (partners, ic_accounts) in counterparties.items():
            domain = [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("partner_id", "in", partners.ids),
                ("date", "<=", date_to),
                "|",
                ("account_id", "in", ic_accounts.ids),
                ("account_id.internal_group", "in", RESULT_GROUPS),
            ]
            openings = Line._read_group([*domain, ("date", "<", date_from)], ["account_id"], ["balance:sum"])
            movements = Line._read_group(
                [*domain, ("date", ">=", date_from)], ["account_id"], ["debit:sum", "credit:sum"]
            )
            for account, balance in openings:
                result[account.id, counterparty][0] += balance
            for account, debit, credit in movements:
                result[account.id, counterparty][1] += debit
                result[account.id, counterparty][2] += credit
        return result
