from odoo import api, models


class IntegrationAuditedMixin(models.AbstractModel):
    """Configuration models whose every change goes to the audit log, with before and after values."""

    _name = "integration.audited.mixin"
    _description = "Integration Audited Configuration"

    # Fields never written to the audit log (secrets, hashes).
    _audit_excluded_fields = frozenset()

    def _audit_values(self, fnames):
        values = {}
        for fname in fnames:
            field = self._fields.get(fname)
            if not field or fname in self._audit_excluded_fields or not field.store:
                continue
            value = self[fname]
            if field.type in ("many2one",):
                value = value.display_name or False
            elif field.type in ("many2many", "one2many"):
                value = sorted(value.mapped("display_name"))
            elif field.type in ("date", "datetime"):
                value = value and str(value)
            values[fname] = value
        return values

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        log = self.env["integration.audit.log"]
        for record, vals in zip(records, vals_list, strict=True):
            log._log("create", record, new_values=record._audit_values(vals))
        return records

    def write(self, vals):
        before = {record.id: record._audit_values(vals) for record in self}
        result = super().write(vals)
        log = self.env["integration.audit.log"]
        for record in self:
            after = record._audit_values(vals)
            changed = [f for f in after if after[f] != before[record.id].get(f)]
            if changed:
                log._log(
                    "write",
                    record,
                    old_values={f: before[record.id][f] for f in changed},
                    new_values={f: after[f] for f in changed},
                )
        return result

    def unlink(self):
        log = self.env["integration.audit.log"]
        for record in self:
            log._log("unlink", record, old_values=record._audit_values(list(record._fields)))
        return super().unlink()
