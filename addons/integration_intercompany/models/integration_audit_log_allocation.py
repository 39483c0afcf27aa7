from odoo import fields, models

from odoo.addons.integration_mapping.models.integration_audit_log import _keep_as_other

ALLOCATION_ACTIONS = [("allocation_invoiced", "Allocation run invoiced")]


class IntegrationAuditLog(models.Model):
    """A recharge made: who confirmed which run, for how much, into which invoices."""

    _inherit = "integration.audit.log"

    action = fields.Selection(
        selection_add=ALLOCATION_ACTIONS,
        ondelete={action: _keep_as_other for action, _label in ALLOCATION_ACTIONS},
    )
