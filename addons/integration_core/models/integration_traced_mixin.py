from odoo import fields, models


class IntegrationTracedMixin(models.AbstractModel):
    """Records created by a message keep the message and its correlation id."""

    _name = "integration.traced.mixin"
    _description = "Traced to an Integration Message"

    integration_message_id = fields.Many2one(
        "integration.message",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
    )
    integration_correlation_id = fields.Char(
        string="Correlation ID", index="btree_not_null", copy=False, readonly=True
    )

    def _integration_trace_vals(self, message):
        return {"integration_message_id": message.id, "integration_correlation_id": message.correlation_id}
