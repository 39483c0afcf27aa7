import itertools
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .integration_mapping_table import TARGET_FIELDS

# Every relational field of a line, in the order they are checked against the table's entities
# (a group account line names its entity account as the source and a group account as the target).
RECORD_FIELDS = (*TARGET_FIELDS.values(),)


class IntegrationMappingLine(models.Model):
    """One sender code of a version and the entity's record it stands for."""

    _name = "integration.mapping.line"
    _description = "Integration Mapping Line"
    _order = "version_id, external_code, date_from, id"
    _rec_name = "external_code"

    version_id = fields.Many2one("integration.mapping.version", required=True, index=True, ondelete="cascade")
    mapping_type = fields.Selection(related="version_id.mapping_type", store=True)
    company_id = fields.Many2one(related="version_id.company_id", string="Entity", store=True, index=True)
    endpoint_id = fields.Many2one(related="version_id.endpoint_id", store=True)
    state = fields.Selection(related="version_id.state", string="Version State")
    external_code = fields.Char(
        string="Sender's Code",
        required=True,
        index=True,
        help="The code as the sending system writes it; for a group account mapping, the entity's account code.",
    )
    account_id = fields.Many2one("account.account", ondelete="restrict")
    tax_id = fields.Many2one("account.tax", ondelete="restrict")
    journal_id = fields.Many2one("account.journal", ondelete="restrict")
    currency_id = fields.Many2one("res.currency", ondelete="restrict")
    analytic_account_id = fields.Many2one("account.analytic.account", ondelete="restrict")
    partner_id = fields.Many2one("res.partner", ondelete="restrict")
    payment_term_id = fields.Many2one("account.payment.term", ondelete="restrict")
    group_account_id = fields.Many2one("integration.group.account", ondelete="restrict")
    date_from = fields.Date(string="Valid From", help="Leave empty: valid whenever its version applies.")
    date_to = fields.Date(string="Valid To", help="Leave empty: valid whenever its version applies.")
    target_name = fields.Char(string="Maps To", compute="_compute_target_name")

    @api.depends("version_id", *RECORD_FIELDS)
    def _compute_target_name(self):
        for line in self:
            line.target_name = line._label(line._target()) if line._target() else False

    def _target(self):
        """The record the code maps to (empty until someone fills it in)."""
        self.ensure_one()
        fname = TARGET_FIELDS.get(self.version_id.mapping_type)
        return self[fname] if fname else self.browse()

    def _valid_on(self, date):
        """The lines mapping their code to a record on ``date``."""
        return self.filtered(
            lambda line: (
                line._target()
                and (not line.date_from or line.date_from <= date)
                and (not line.date_to or date <= line.date_to)
            )
        )

    def _label(self, record):
        """A record as a finance user names it: an account by its code in the entity."""
        if record._name != "account.account":
            return record.display_name
        companies = self.version_id.table_id._entities() & record.company_ids or record.company_ids
        account = record.with_company(companies[:1])
        return f"{account.code} {account.name}"

    @api.onchange("account_id")
    def _onchange_account_id_code(self):
        """A group account line names an entity account: its code is the line's code."""
        if self.version_id.mapping_type == "group_account" and self.account_id:
            self.external_code = self.account_id.with_company(self.version_id.table_id.company_id).code

    # ---------------------------------------------------------------- guards
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("external_code"):
                vals["external_code"] = vals["external_code"].strip()
        lines = super().create(vals_list)
        lines.version_id._check_draft()
        lines.version_id._mark_edited()
        return lines

    def write(self, vals):
        if vals.get("external_code"):
            vals["external_code"] = vals["external_code"].strip()
        self.version_id._check_draft()
        result = super().write(vals)
        self.version_id._check_draft()  # a line moved to another version
        self.version_id._mark_edited()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_in_drafts(self):
        self.version_id._check_draft()
        self.version_id._mark_edited()

    # ------------------------------------------------------------ constraints
    @api.constrains("version_id", "external_code", "date_from", "date_to", "tax_id")
    def _check_no_overlap(self):
        for line in self:
            if line.date_from and line.date_to and line.date_from > line.date_to:
                raise ValidationError(
                    self.env._("Code %s is valid to a day before it is valid from.", line.external_code)
                )
        for version in self.version_id:
            by_code = defaultdict(list)
            for line in version.line_ids:
                # Taxes: one code may name a sales tax and a purchase tax.
                by_code[(line.external_code, line.tax_id.type_tax_use)].append(line)
            for (code, _use), lines in by_code.items():
                _check_periods_disjoint(self.env, version, code, lines)

    @api.constrains("version_id", *RECORD_FIELDS)
    def _check_entity(self):
        """Each record must belong to (or be shared with) every entity the table serves."""
        for line in self:
            table = line.version_id.table_id
            for fname in RECORD_FIELDS:
                record = line[fname]
                if record and ("company_id" in record._fields or "company_ids" in record._fields):
                    line._check_record_entities(record, table._entities())
            line._check_analytic_plan()

    def _check_record_entities(self, record, entities):
        record = record.sudo()
        for entity in entities:
            if not record.with_context(active_test=False).filtered_domain(
                record._check_company_domain(entity)
            ):
                owners = record.company_ids if "company_ids" in record._fields else record.company_id
                raise ValidationError(
                    self.env._(
                        "%(kind)s %(record)s belongs to %(owner)s, not %(entity)s.",
                        kind=record._description,
                        record=self._label(record),
                        owner=", ".join(c.entity_code or c.name for c in owners),
                        entity=entity.entity_code or entity.name,
                    )
                )

    def _check_analytic_plan(self):
        plan = self.version_id.table_id.analytic_plan_id
        account = self.analytic_account_id
        if plan and account and not account.sudo().plan_id.parent_path.startswith(plan.sudo().parent_path):
            raise ValidationError(
                self.env._(
                    "Analytic account %(account)s is in plan %(plan)s, not in %(expected)s of this dimension.",
                    account=account.display_name,
                    plan=account.plan_id.display_name,
                    expected=plan.display_name,
                )
            )

    # ------------------------------------------------------------- copy, diff
    def _copy_vals(self):
        fnames = ["external_code", "date_from", "date_to", *RECORD_FIELDS]
        return [
            {
                fname: line[fname].id if line._fields[fname].type == "many2one" else line[fname]
                for fname in fnames
            }
            for line in self
        ]

    def _describe(self):
        """Code -> what it maps to, as the audit log shows it (one entry per validity period)."""
        described = defaultdict(list)
        for line in self.sorted(
            lambda line: (line.external_code, line.date_from or fields.Date.to_date("0001-01-01"))
        ):
            text = line._label(line._target()) if line._target() else ""
            if line.mapping_type == "group_account" and line.account_id:
                text = f"{line._label(line.account_id)} -> {text}"
            if line.date_from or line.date_to:
                text += f" ({line.date_from or '...'} to {line.date_to or '...'})"
            described[line.external_code].append(text)
        return {code: "; ".join(texts) for code, texts in described.items()}

    def _diff(self, previous):
        """What these lines change against ``previous``: (old_values, new_values, summary)."""
        old, new = previous._describe(), self._describe()
        added = {code: new[code] for code in new.keys() - old.keys()}
        removed = {code: old[code] for code in old.keys() - new.keys()}
        changed = [code for code in new.keys() & old.keys() if new[code] != old[code]]
        summary = ", ".join(
            f"{len(items)} {label}"
            for label, items in (("added", added), ("changed", changed), ("removed", removed))
        )
        old_values = {
            "changed": {c: old[c] for c in sorted(changed)},
            "removed": dict(sorted(removed.items())),
        }
        new_values = {"added": dict(sorted(added.items())), "changed": {c: new[c] for c in sorted(changed)}}
        return old_values, new_values, summary


def _check_periods_disjoint(env, version, code, lines):
    """One code maps to one record on any day: validity periods of a code may not overlap."""
    lowest, highest = fields.Date.to_date("0001-01-01"), fields.Date.to_date("9999-12-31")
    periods = sorted((line.date_from or lowest, line.date_to or highest) for line in lines)
    for (_start, end), (next_start, _next_end) in itertools.pairwise(periods):
        if next_start <= end:
            raise ValidationError(
                env._(
                    "Code %(code)s appears twice in %(version)s for the same days: give each line "
                    "its own validity period or remove one.",
                    code=code,
                    version=version.display_name,
                )
            )
