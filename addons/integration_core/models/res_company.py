import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

ENTITY_CODE_RE = re.compile(r"^[A-Z0-9_-]{1,16}$")


class ResCompany(models.Model):
    _inherit = "res.company"

    # No `size`: Odoo would silently cut a longer code; the constraint refuses it instead.
    entity_code = fields.Char(
        copy=False,
        index="btree_not_null",
        help="Code external systems use to name this legal entity (e.g. BE01). "
        "Upper-case letters, digits, '-' and '_', at most 16 characters. "
        "Leave empty for companies that take no part in integrations.",
    )

    integration_hold = fields.Boolean(
        help="Hold every inbound message of this entity (period-end close, say): new messages "
        "are refused with 'on_hold' and queued ones wait until the hold is lifted.",
    )

    _entity_code_unique = models.Constraint(
        "UNIQUE (entity_code)",
        "Another company already uses this entity code.",
    )

    @api.model
    def _normalize_entity_code(self, vals):
        if "entity_code" in vals:
            code = (vals["entity_code"] or "").strip().upper()
            vals["entity_code"] = code or False
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalize_entity_code(dict(v)) for v in vals_list])

    def write(self, vals):
        vals = self._normalize_entity_code(dict(vals))
        if vals.get("integration_hold") is False:
            self.env["integration.message"]._trigger_processing()
        if set(vals) == {"entity_code"} and self._may_edit_entity_code_only():
            # Integration Managers maintain entity codes without being
            # allowed to change anything else on companies.
            return super(ResCompany, self.sudo()).write(vals)
        return super().write(vals)

    def _may_edit_entity_code_only(self):
        user = self.env.user
        return (
            not self.env.su
            and user.has_group("integration_core.group_integration_manager")
            and not (self - user.company_ids)
        )

    @api.constrains("entity_code")
    def _check_entity_code_format(self):
        for company in self:
            if company.entity_code and not ENTITY_CODE_RE.match(company.entity_code):
                raise ValidationError(
                    self.env._(
                        "Entity code %(code)s of %(company)s is not valid: use at most "
                        "16 upper-case letters, digits, '-' or '_'.",
                        code=company.entity_code,
                        company=company.name,
                    )
                )

    @api.model
    def _find_by_entity_code(self, code):
        """The company with this entity code, or an empty recordset."""
        if not code:
            return self.browse()
        return self.sudo().search([("entity_code", "=", code)], limit=1)
