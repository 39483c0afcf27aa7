from odoo import fields, models


def _keep_as_other(records):
    """On uninstall the rows stay (the log is append-only): they fall back to the generic action.

    The model refuses ``write`` to everyone, so this goes through SQL on the
    log's own table.
    """
    records.env.cr.execute(
        "UPDATE integration_audit_log SET action = 'other' WHERE id = ANY(%s)", [records.ids]
    )


MAPPING_ACTIONS = [
    ("mapping_drafted", "Mapping version drafted"),
    ("mapping_submitted", "Mapping version submitted"),
    ("mapping_approved", "Mapping version approved"),
    ("mapping_refused", "Mapping version refused"),
    ("mapping_released", "Messages released by a mapping"),
]


class IntegrationAuditLog(models.Model):
    _inherit = "integration.audit.log"

    action = fields.Selection(
        selection_add=MAPPING_ACTIONS, ondelete={action: _keep_as_other for action, _label in MAPPING_ACTIONS}
    )
