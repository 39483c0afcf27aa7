from odoo import api, fields, models
from odoo.exceptions import AccessError

SERVICE_GROUP = "integration_core.group_integration_service"


class IntegrationTracedMixin(models.AbstractModel):
    """Records created by a message keep the message and its correlation id.

    The trace, and the fields a model names in ``_integration_product_fields``
    (a bank line's identity, say), are the product's to write: a field
    readonly in a view is still writable over JSON-RPC, and a forged trace or
    identity would mislead an auditor or make a feed skip a real line. Only
    the superuser and the flows' service users set them.
    """

    _name = "integration.traced.mixin"
    _description = "Traced to an Integration Message"

    # Fields, beside the trace, that only the product writes on this model.
    _integration_product_fields = frozenset()

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

    def _integration_guarded_fields(self):
        return self._integration_product_fields | {"integration_message_id", "integration_correlation_id"}

    def _integration_is_product(self):
        return self.env.su or self.env.user.has_group(SERVICE_GROUP)

    @api.model_create_multi
    def create(self, vals_list):
        # Odoo passes defaults along (False, an empty string): only a value that says something is refused.
        guarded = self._integration_guarded_fields()
        if (
            any(vals.get(name) for vals in vals_list for name in guarded)
            and not self._integration_is_product()
        ):
            self._integration_refuse()
        return super().create(vals_list)

    def write(self, vals):
        changed = self._integration_guarded_fields().intersection(vals)
        if changed and self and not self._integration_is_product():
            for name in changed:
                value = self._fields[name].convert_to_cache(vals[name], self, validate=False)
                if any(
                    record._fields[name].convert_to_cache(record[name], record) != value for record in self
                ):
                    self._integration_refuse()
        return super().write(vals)

    def _integration_refuse(self):
        raise AccessError(
            self.env._(
                "%(records)s: what a feed or a message wrote (its trace, a bank line's identity) changes "
                "only through the product's own actions.",
                records=self._description,
            )
        )
