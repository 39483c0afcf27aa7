from odoo import fields, models

from .integration_audit_log import _keep_as_other

POSTING_ACTIONS = [
    ("posting_held", "Document held for posting approval"),
    ("posting_approved", "Document approved and posted"),
    ("posting_rejected", "Document rejected"),
]


class IntegrationAuditLog(models.Model):
    """The posting approval's steps, as the audit log names them."""

    _inherit = "integration.audit.log"

    action = fields.Selection(
        selection_add=POSTING_ACTIONS, ondelete={action: _keep_as_other for action, _label in POSTING_ACTIONS}
    )
