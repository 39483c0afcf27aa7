from odoo import api, fields, models
from odoo.tools import float_repr

from .integration_config_package_mapping import NO_AMOUNT_LINES


class IntegrationConfigPackage(models.AbstractModel):
    _inherit = "integration.config.package"

    @api.model
    def _regression_capture(self, record):
        """A journal entry or invoice as two databases compare it: codes, names and exact amounts.

        Its number is left out (each database numbers its own); lines are sorted so that the order
        Odoo happens to create them in does not count.
        """
        if record._name != "account.move":
            return super()._regression_capture(record)
        move = record.sudo().with_company(record.company_id)
        company_currency = move.company_id.currency_id
        lines = [
            {
                "account": line.account_id.code,
                "partner": _partner(line.partner_id),
                "debit": _amount(line.debit, company_currency),
                "credit": _amount(line.credit, company_currency),
                "amount_currency": _amount(line.amount_currency, line.currency_id),
                "currency": line.currency_id.name,
                "taxes": sorted(line.tax_ids.mapped("name")),
            }
            for line in move.line_ids
            if line.display_type not in NO_AMOUNT_LINES
        ]
        return {
            "model": "account.move",
            "entity": move.company_id.entity_code,
            "journal": move.journal_id.code,
            "date": str(move.date),
            "move_type": move.move_type,
            "state": move.state,
            "currency": move.currency_id.name,
            "partner": _partner(move.partner_id),
            "lines": sorted(
                lines,
                key=lambda line: (
                    line["account"] or "",
                    line["partner"] or "",
                    line["debit"],
                    line["credit"],
                    line["amount_currency"],
                    line["taxes"],
                ),
            ),
        }


class IntegrationConfigImport(models.Model):
    _inherit = "integration.config.import"

    mapping_version_ids = fields.Many2many(
        "integration.mapping.version",
        "integration_config_import_mapping_version_rel",
        "import_id",
        "version_id",
        string="Mapping Drafts Made",
        readonly=True,
        help="Drafts this import made: another Integration Manager approves them. A regression run "
        "reads them as approved.",
    )


def _amount(value, currency):
    return float_repr(value, currency.decimal_places if currency else 2)


def _partner(partner):
    return (partner.ref or partner.name) if partner else None
