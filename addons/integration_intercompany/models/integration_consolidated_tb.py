import csv
import io

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.integration_mapping.models.integration_trial_balance import (
    CTA_CODE,
    CTA_RATE_TYPE,
    _rate_string,
    _strings,
)

# The row of an entity's accounts that report in no group account (each listed under unmapped_accounts).
UNMAPPED_CODE = "UNMAPPED"
CSV_COLUMNS = (
    "entity",
    "currency",
    "code",
    "name",
    "rate_type",
    "balance",
    "group_currency",
    "group_balance",
)
# Pseudo-entities of the CSV: the eliminations column and the consolidated total of each row.
ELIMINATIONS, CONSOLIDATED = "ELIMINATIONS", "CONSOLIDATED"


class IntegrationConsolidatedTrialBalance(models.AbstractModel):
    """The consolidated trial balance (extension 1.3): per group account, each entity's translated balance,
    the eliminations and the consolidated total.

    Each entity's balances are its trial balance for group reporting
    (``integration.trial.balance``), closing balances in the group currency,
    summed per group account: they tie to its posted journal items and Odoo's
    rates; its translation difference is the ``CTA`` row, its accounts
    without a group account the ``UNMAPPED`` row. The eliminations are the
    elimination entity's posted journal items (in the group currency), each
    account read as the group account its map names, else the one of its
    code. Every entity's translated closings sum to zero (CTA included), and
    so do the eliminations: the consolidated debits equal the credits.
    """

    _name = "integration.consolidated.tb"
    _description = "Consolidated Trial Balance"

    @api.model
    def _compute(self, date_from, date_to, companies=None):
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        if date_from > date_to:
            raise UserError(self.env._("The period starts after it ends."))
        Report = self.env["integration.trial.balance"]
        group_currency = Report._group_currency()
        companies = companies or self.env["res.company"]._ic_group_entities()
        reports = [
            Report._compute(company, date_from, date_to)
            for company in companies.sudo().sorted(lambda c: (c.entity_code or "", c.id)).with_env(self.env)
        ]
        rows = {}

        def row(code, name, rate_type):
            return rows.setdefault(
                code,
                {"code": code, "name": name, "rate_type": rate_type, "entities": {}, "eliminations": 0.0},
            )

        unmapped = []
        for report in reports:
            code_of_entity = report["company"].sudo().entity_code
            for account in report["accounts"]:
                code = account["group_account_code"]
                if code == CTA_CODE:
                    target = row(CTA_CODE, account["name"], CTA_RATE_TYPE)
                elif code:
                    group_account = account["group_account"]
                    target = row(code, group_account.name, account["rate_type"])
                else:
                    unmapped.append({"entity": code_of_entity, "code": account["code"]})
                    target = row(UNMAPPED_CODE, self.env._("Accounts without a group account"), None)
                own, translated = target["entities"].get(code_of_entity, (0.0, 0.0))
                target["entities"][code_of_entity] = (
                    own + account["closing"],
                    translated + account["group"]["closing"],
                )
        elimination_entity = self.env["res.company"]._ic_elimination_entity()
        if elimination_entity:
            for group_account, code, name, balance in self._eliminations(elimination_entity, date_to):
                kind = group_account.account_kind if group_account else None
                target = row(code, name, {"balance_sheet": "closing", "income_expense": "average"}.get(kind))
                target["eliminations"] += balance
        result_rows = []
        for code in sorted(rows, key=lambda c: (c in (CTA_CODE, UNMAPPED_CODE), c == UNMAPPED_CODE, c)):
            values = rows[code]
            total = group_currency.round(
                sum(translated for _own, translated in values["entities"].values()) + values["eliminations"]
            )
            result_rows.append(
                {
                    **values,
                    "eliminations": group_currency.round(values["eliminations"]),
                    "total": total,
                    "debit": max(total, 0.0),
                    "credit": max(-total, 0.0),
                }
            )
        return {
            "date_from": date_from,
            "date_to": date_to,
            "group_currency": group_currency,
            "reports": reports,
            "elimination_entity": elimination_entity,
            "accounts": result_rows,
            "unmapped_accounts": unmapped,
            "totals": {
                "debit": group_currency.round(sum(r["debit"] for r in result_rows)),
                "credit": group_currency.round(sum(r["credit"] for r in result_rows)),
            },
        }

    @api.model
    def _eliminations(self, company, date_to):
        """``[(group account, code, name, balance)]`` of the elimination entity's posted items up to
        ``date_to``: the eliminations standing at that date (those of earlier periods are reversed)."""
        groups = (
            self.env["account.move.line"]
            .with_company(company)
            ._read_group(
                [("company_id", "=", company.id), ("parent_state", "=", "posted"), ("date", "<=", date_to)],
                ["account_id"],
                ["balance:sum"],
            )
        )
        accounts = self.env["account.account"].union(*(account for account, _balance in groups))
        mapped = self.env["integration.group.account"]._map_accounts(company, accounts, date_to)
        by_code = {
            group_account.code: group_account
            for group_account in self.env["integration.group.account"].search(
                [("code", "in", [account.with_company(company).code for account in accounts])]
            )
        }
        result = []
        for record, balance in groups:
            account = record.with_company(company)
            group_account = mapped.get(account.id) or by_code.get(account.code)
            if group_account:
                result.append((group_account, group_account.code, group_account.name, balance))
            else:  # e.g. the elimination difference account: a row of its own
                result.append((group_account, account.code, account.name, balance))
        return result

    # ------------------------------------------------------------ rendering
    @api.model
    def _as_json(self, report):
        group_currency = report["group_currency"]
        entities = [
            {
                "entity": body["company"].sudo().entity_code,
                "company_currency": body["currency"].name,
                "rates": {key: _rate_string(rate) for key, rate in body["rates"].items()},
            }
            for body in report["reports"]
        ]
        currencies = {
            entity["entity"]: body["currency"]
            for entity, body in zip(entities, report["reports"], strict=True)
        }
        return {
            "date_from": fields.Date.to_string(report["date_from"]),
            "date_to": fields.Date.to_string(report["date_to"]),
            "group_currency": group_currency.name,
            "elimination_entity": report["elimination_entity"].sudo().entity_code or None,
            "entities": entities,
            "accounts": [
                {
                    "code": row["code"],
                    "name": row["name"],
                    "rate_type": row["rate_type"],
                    "entities": [
                        {
                            "entity": entity,
                            "currency": currencies[entity].name,
                            **_strings(currencies[entity], {"balance": own}, ("balance",)),
                            **_strings(group_currency, {"group_balance": translated}, ("group_balance",)),
                        }
                        for entity, (own, translated) in sorted(row["entities"].items())
                    ],
                    **_strings(group_currency, row, ("eliminations", "total", "debit", "credit")),
                }
                for row in report["accounts"]
            ],
            "unmapped_accounts": report["unmapped_accounts"],
            "totals": _strings(group_currency, report["totals"], ("debit", "credit")),
        }

    @api.model
    def _as_csv(self, report):
        """One line per entity and group account, one for its eliminations and one for its total."""
        body = self._as_json(report)
        group_currency = body["group_currency"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in body["accounts"]:
            head = (row["code"], row["name"], row["rate_type"] or "")
            for entity in row["entities"]:
                writer.writerow(
                    [
                        entity["entity"],
                        entity["currency"],
                        *head,
                        entity["balance"],
                        group_currency,
                        entity["group_balance"],
                    ]
                )
            writer.writerow(
                [
                    ELIMINATIONS,
                    group_currency,
                    *head,
                    row["eliminations"],
                    group_currency,
                    row["eliminations"],
                ]
            )
            writer.writerow([CONSOLIDATED, group_currency, *head, row["total"], group_currency, row["total"]])
        return out.getvalue()

    @api.model
    def _csv_filename(self, report):
        return "consolidated-trial-balance-{}-{}.csv".format(
            fields.Date.to_string(report["date_from"]), fields.Date.to_string(report["date_to"])
        )
