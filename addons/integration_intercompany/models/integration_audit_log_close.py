from odoo import fields, models

from odoo.addons.integration_mapping.models.integration_audit_log import _keep_as_other

CLOSE_ACTIONS = [("close_locked", "Lock date set from the close cockpit")]


class IntegrationAuditLog(models.Model):
    """The close cockpit's lock dates, as the audit log names them (its holds are core's "Hold changed")."""

    _inherit = "integration.audit.log"

    action = fields.Selection(
        selection_add=CLOSE_ACTIONS, ondelete={action: _keep_as_other for action, _label in CLOSE_ACTIONS}
    )
