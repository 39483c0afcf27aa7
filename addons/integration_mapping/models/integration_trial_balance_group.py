import csv
import io

from odoo import api, fields, models

from .integration_trial_balance import AMOUNTS, _strings

# One column per field of an account row (contract extension 1.3): the entity and its currency first,
# the group amounts in ``group_*`` columns after the group currency they are in.
CSV_COLUMNS = (
    "entity",
    "currency",
    "code",
    "name",
    "group_account",
    "rate_type",
    *AMOUNTS,
    "group_currency",
    *(f"group_{amount}" for amount in AMOUNTS),
)


class IntegrationTrialBalance(models.AbstractModel):
    """The group trial balance: every entity's trial balance in one run, one document, one CSV.

    Each entity's figures are its own trial balance (``_compute``), CTA row
    included where it is translated; the group document lists their rows one
    after the other, each naming its entity and company currency, and adds
    the group totals: the sums of every row's group debit and credit, equal
    because each entity's are.
    """

    _inherit = "integration.trial.balance"

    @api.model
    def _compute_group(self, companies, date_from, date_to):
        """The trial balances of ``companies`` (ordered by entity code) for the period, and their totals."""
        # sudo to sort only: an entity switched off in the user's company menu is read in its own run.
        ordered = companies.sudo().sorted(lambda company: (company.entity_code or "", company.id))
        reports = [self._compute(company.with_env(self.env), date_from, date_to) for company in ordered]
        group_currency = self._group_currency()
        return {
            "companies": companies,
            "date_from": fields.Date.to_date(date_from),
            "date_to": fields.Date.to_date(date_to),
            "group_currency": group_currency,
            "reports": reports,
            "totals": {
                key: group_currency.round(sum(report["totals"]["group"][key] for report in reports))
                for key in ("debit", "credit")
            },
        }

    @api.model
    def _group_as_json(self, group):
        """The group document (extension 1.3): the entities' account rows in one list, and the group totals.

        In this document there is no one company currency: ``totals`` are in
        the group currency (repeated under ``group``, the shape of an entity's
        totals); each entity's own totals, rates and unmapped accounts are
        under ``entities``.
        """
        group_currency = group["group_currency"]
        bodies = [self._as_json(report) for report in group["reports"]]
        totals = _strings(group_currency, group["totals"], ("debit", "credit"))
        return {
            "group": True,
            "date_from": fields.Date.to_string(group["date_from"]),
            "date_to": fields.Date.to_string(group["date_to"]),
            "group_currency": group_currency.name,
            "entities": [
                {
                    key: body[key]
                    for key in ("entity", "company_currency", "rates", "unmapped_accounts", "totals")
                }
                for body in bodies
            ],
            "accounts": [row for body in bodies for row in body["accounts"]],
            "group_accounts": [row for body in bodies for row in body["group_accounts"]],
            "unmapped_accounts": [
                {"entity": body["entity"], "code": code}
                for body in bodies
                for code in body["unmapped_accounts"]
            ],
            "totals": {**totals, "group": dict(totals)},
        }

    # ------------------------------------------------------------------ CSV
    @api.model
    def _as_csv(self, report):
        """An entity's account rows (``_as_json``) as CSV text, one column per field."""
        return self._csv_text([self._as_json(report)])

    @api.model
    def _group_as_csv(self, group):
        """Every entity's account rows, as ``_as_csv`` writes them, one entity after the other."""
        return self._csv_text([self._as_json(report) for report in group["reports"]])

    @api.model
    def _csv_text(self, bodies):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for body in bodies:
            for row in body["accounts"]:
                writer.writerow(
                    [
                        row["entity"],
                        row["company_currency"],
                        row["code"],
                        row["name"],
                        row["group_account"] or "",
                        row["rate_type"],
                        *(row[amount] for amount in AMOUNTS),
                        body["group_currency"],
                        *(row["group"][amount] for amount in AMOUNTS),
                    ]
                )
        return out.getvalue()

    @api.model
    def _csv_filename(self, report):
        return self._filename(report["company"].entity_code or report["company"].id, report)

    @api.model
    def _group_csv_filename(self, group):
        return self._filename("group", group)

    @api.model
    def _filename(self, scope, report):
        return "trial-balance-{}-{}-{}.csv".format(
            scope,
            fields.Date.to_string(report["date_from"]),
            fields.Date.to_string(report["date_to"]),
        )
