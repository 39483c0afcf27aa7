from odoo import fields, models

from odoo.addons.integration_mapping.models.integration_audit_log import _keep_as_other

BANK_ACTIONS = [
    ("bank_line_matched", "Bank line matched by a user"),
    ("bank_line_written_off", "Bank line written off"),
]


class IntegrationAuditLog(models.Model):
    """A finance user's matches and write-offs of bank lines, as the audit log names them."""

    _inherit = "integration.audit.log"

    action = fields.Selection(
        selection_add=BANK_ACTIONS, ondelete={action: _keep_as_other for action, _label in BANK_ACTIONS}
    )
