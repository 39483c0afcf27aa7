from odoo import api, fields, models
from odoo.exceptions import UserError

from .integration_code_resolver import is_table_gap


class IntegrationException(models.Model):
    _inherit = "integration.exception"

    has_missing_mapping = fields.Boolean(
        compute="_compute_has_missing_mapping", help="Some of the message's codes have no mapping."
    )

    @api.depends("details")
    def _compute_has_missing_mapping(self):
        for exception in self:
            exception.has_missing_mapping = any(is_table_gap(error) for error in exception.details or [])

    def action_add_mapping(self):
        """Open a draft version pre-filled with the missing codes, for the table they belong in.

        Nothing changes for any message until a second person approves it;
        the approval then retries the messages waiting on these codes.
        """
        self.ensure_one()
        if self.state != "open" or not self.has_missing_mapping:
            raise UserError(self.env._("This exception has no missing mapping to add."))
        versions = self.env["integration.mapping.version"]._drafts_for_missing(self.message_id)
        if len(versions) == 1:
            return versions._open_action()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_mapping.action_integration_mapping_version"
        )
        action["domain"] = [("id", "in", versions.ids)]
        return action
