from odoo import fields, models


class IntegrationGroupAccountGap(models.TransientModel):
    """An entity's account with posted movements in the period and no group account."""

    _name = "integration.group.account.gap"
    _description = "Account without Group Account"
    _order = "company_id, account_code, id"
    _rec_name = "account_code"

    wizard_id = fields.Many2one(
        "integration.group.account.completeness", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", string="Entity", readonly=True)
    account_id = fields.Many2one("account.account", readonly=True)
    account_code = fields.Char(string="Code", readonly=True)
    account_name = fields.Char(string="Name", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    debit = fields.Monetary(readonly=True)
    credit = fields.Monetary(readonly=True)
    item_count = fields.Integer(string="Journal Items", readonly=True)

    def action_open_group_map(self):
        """The entity's group-account mapping tables, where the account gets its group account."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_mapping.action_integration_mapping_table"
        )
        action["domain"] = [("company_id", "=", self.company_id.id), ("mapping_type", "=", "group_account")]
        action["context"] = {
            "default_company_id": self.company_id.id,
            "default_mapping_type": "group_account",
        }
        return action
