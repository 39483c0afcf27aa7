from odoo import api, models
from odoo.exceptions import AccessError

OPERATIONS = {"create": "created", "write": "changed", "unlink": "deleted"}


class IntegrationGuardedMixin(models.AbstractModel):
    """Records that only the product's own actions change (messages, exceptions, keys, secrets).

    People get read access at most; each action checks the caller's group and
    company, writes as superuser and leaves its audit row. These overrides
    refuse every other create, write or unlink from anyone but the superuser,
    whatever the access rights say: a JSON-RPC call or a one2many command
    from a form cannot reach the fields, and neither can an access line some
    other module might add. Frozen fields are refused even to the superuser:
    what was received stays what was received.
    """

    _name = "integration.guarded.mixin"
    _description = "Integration Record Changed Only by the Product"

    # Fields that never change once the record exists, whoever asks.
    _guard_frozen_fields = frozenset()
    # The actions people use instead, named as the screens name them.
    _guard_actions_hint = ""

    def _guard_check(self, operation):
        if self.env.su:
            return
        raise AccessError(
            self.env._(
                "%(records)s records are %(operation)s only through their actions (%(actions)s), "
                "never directly.",
                records=self._description,
                operation=OPERATIONS[operation],
                actions=self._guard_actions_hint,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_check("create")
        return super().create(vals_list)

    def write(self, vals):
        self._guard_check("write")
        frozen = sorted(self._guard_frozen_fields.intersection(vals))
        if frozen and self:
            raise AccessError(
                self.env._(
                    "%(records)s records keep %(fields)s as they were first stored: they never change.",
                    records=self._description,
                    fields=", ".join(self._fields[name].string for name in frozen),
                )
            )
        return super().write(vals)

    def unlink(self):
        self._guard_check("unlink")
        return super().unlink()
