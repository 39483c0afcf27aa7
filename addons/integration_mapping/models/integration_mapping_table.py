from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

MAPPING_TYPES = [
    ("account", "Account"),
    ("tax", "Tax"),
    ("journal", "Journal"),
    ("currency", "Currency"),
    ("analytic", "Analytic Dimension"),
    ("partner", "Partner"),
    ("payment_term", "Payment Term"),
    ("group_account", "Group Account"),
]

# The field of a mapping line that holds the Odoo record a code maps to, per type.
TARGET_FIELDS = {
    "account": "account_id",
    "tax": "tax_id",
    "journal": "journal_id",
    "currency": "currency_id",
    "analytic": "analytic_account_id",
    "partner": "partner_id",
    "payment_term": "payment_term_id",
    "group_account": "group_account_id",
}

# What a table does with a code it lacks: the words a finance user reads.
MUST_MAP = "must_map"
OWN_CODE = "own_code"
UNMAPPED_POLICIES = [
    (MUST_MAP, "Must be mapped: a code the table lacks stops the document"),
    (OWN_CODE, "Read as the entity's own code: the table only translates the codes it lists"),
]

# Fields that decide which documents a table translates: frozen once a version was submitted.
KEY_FIELDS = frozenset({"endpoint_id", "company_id", "mapping_type", "dimension", "analytic_plan_id"})
# Changed by approving a version once one was submitted: it decides which codes pass.
POLICY_FIELDS = frozenset({"unmapped_policy"})


class IntegrationMappingTable(models.Model):
    """Translates one endpoint's codes of one type, for one entity or for all its entities.

    Its content lives in versions: only approved versions apply, each from its
    effective date.
    """

    _name = "integration.mapping.table"
    _inherit = ["integration.audited.mixin"]
    _description = "Integration Mapping Table"
    _order = "endpoint_id, mapping_type, dimension, company_id, id"

    endpoint_id = fields.Many2one(
        "integration.endpoint",
        index=True,
        ondelete="restrict",
        help="The system whose codes this table translates (not needed for group accounts).",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        index=True,
        ondelete="restrict",
        domain=[("entity_code", "!=", False)],
        help="Leave empty for a table shared by every entity of the endpoint; an entity's "
        "own table is consulted first.",
    )
    mapping_type = fields.Selection(MAPPING_TYPES, string="Type", required=True, index=True)
    dimension = fields.Char(
        help="Analytic dimension name as the sender writes it in the payload, e.g. cost_center."
    )
    analytic_plan_id = fields.Many2one(
        "account.analytic.plan",
        ondelete="restrict",
        help="The plan the dimension's analytic accounts belong to.",
    )
    unmapped_policy = fields.Selection(
        UNMAPPED_POLICIES,
        string="Codes Not in the Table",
        required=True,
        default=MUST_MAP,
        help="What a code the table lacks means: the document stops until the code is mapped, or the "
        "code is read as the entity's own code (the table only translates the codes it lists). Each "
        "version carries this rule; here, the one of the latest approved version. Once a version was "
        "submitted it changes only by approving a version.",
    )
    policy_locked = fields.Boolean(compute="_compute_policy_locked")
    version_ids = fields.One2many("integration.mapping.version", "table_id", string="Versions")
    version_count = fields.Integer(compute="_compute_version_count")
    current_version_id = fields.Many2one(
        "integration.mapping.version",
        string="Version in Force Today",
        compute="_compute_current_version_id",
    )

    _scope_unique = models.UniqueIndex(
        "(COALESCE(endpoint_id, 0), COALESCE(company_id, 0), mapping_type, COALESCE(dimension, ''))",
        "This endpoint already has a mapping table of this type for this entity.",
    )

    @api.depends("endpoint_id", "company_id", "mapping_type", "dimension")
    def _compute_display_name(self):
        types = dict(self._fields["mapping_type"]._description_selection(self.env))
        for table in self:
            kind = types.get(table.mapping_type, "")
            if table.dimension:
                kind = f"{kind} ({table.dimension})"
            scope = table.company_id.entity_code or self.env._("all entities")
            table.display_name = " · ".join(filter(None, [table.endpoint_id.code, scope, kind]))

    @api.depends("version_ids.state")
    def _compute_policy_locked(self):
        for table in self:
            table.policy_locked = any(v.state in ("submitted", "approved") for v in table.version_ids)

    def _compute_version_count(self):
        for table in self:
            table.version_count = len(table.version_ids)

    def _compute_current_version_id(self):
        today = fields.Date.context_today(self)
        for table in self:
            table.current_version_id = table._version_at(today)

    # ------------------------------------------------------------ constraints
    @api.constrains("endpoint_id", "company_id", "mapping_type", "dimension")
    def _check_scope(self):
        for table in self:
            if table.mapping_type == "group_account":
                if not table.company_id:
                    raise ValidationError(self.env._("A group account mapping belongs to one entity."))
            elif not table.endpoint_id:
                raise ValidationError(self.env._("Say which endpoint's codes this table translates."))
            if table.mapping_type == "analytic" and not (table.dimension or "").strip():
                raise ValidationError(
                    self.env._("An analytic mapping names the payload's dimension (e.g. cost_center).")
                )
            entities = table.endpoint_id._service_user_companies()
            if table.endpoint_id and table.company_id and table.company_id not in entities:
                raise ValidationError(
                    self.env._(
                        "Endpoint %(endpoint)s may not send messages for %(entity)s.",
                        endpoint=table.endpoint_id.display_name,
                        entity=table.company_id.entity_code or table.company_id.name,
                    )
                )

    def _entities(self):
        """The entities whose records this table may point to: its own, or every one of the endpoint."""
        self.ensure_one()
        return self.company_id or self.endpoint_id._service_user_companies()

    # ------------------------------------------------------------- versions
    def _version_at(self, date):
        """The approved version in force on ``date``: latest effective date, then latest approval."""
        self.ensure_one()
        versions = self.version_ids.filtered(
            lambda v: v.state == "approved" and v.effective_date <= date
        ).sorted(lambda v: (v.effective_date, v.approved_at, v.id), reverse=True)
        return versions[:1]

    def _drafts_with_codes(self, codes, dates):
        """Draft versions adding ``codes`` for documents of ``dates``: one per version they fall under.

        Approval replaces the whole content of the version it follows, so a
        draft starts from a copy of it, with its rule for the codes it lacks,
        and its effective date (a correction of it). Documents dated before
        any version get a draft effective from the earliest of them, whose
        codes not listed stay the entity's own as they were until then.
        """
        self.ensure_one()
        by_base = {}
        for date in sorted(set(dates)):
            by_base.setdefault(self._version_at(date), date)
        drafts = self.env["integration.mapping.version"]
        for base, earliest in by_base.items():
            drafts |= self._draft_after(base, earliest, codes)
        return drafts

    def _draft_after(self, base, earliest, codes):
        effective = base.effective_date if base else earliest
        draft = self.version_ids.filtered(lambda v: v.state == "draft" and v.effective_date == effective)[:1]
        if not draft:
            draft = self.env["integration.mapping.version"].create(
                {
                    "table_id": self.id,
                    "effective_date": effective,
                    "unmapped_policy": base.unmapped_policy if base else OWN_CODE,
                    "line_ids": [Command.create(vals) for vals in base.line_ids._copy_vals()],
                }
            )
        known = set(draft.line_ids.mapped("external_code"))
        new_codes = [code for code in dict.fromkeys(codes) if code not in known]
        if new_codes:
            draft.write({"line_ids": [Command.create({"external_code": code}) for code in new_codes]})
        return draft

    @api.model
    def _for_missing(self, endpoint, company, kind, dimension, date):
        """The table a missing code belongs in: the one consulted (entity's own first), else a new one.

        A new table is the entity's own and reads the codes it lacks as the
        entity's own codes: mapping one unknown code changes nothing for the
        others.
        """
        domain = [("endpoint_id", "=", endpoint.id), ("mapping_type", "=", kind)]
        if kind == "analytic":
            domain.append(("dimension", "=", dimension))
        tables = self.search([*domain, ("company_id", "in", [company.id, False])])
        ranked = tables.sorted(lambda t: not t.company_id)
        in_force = ranked.filtered(lambda t: t._version_at(date))
        if in_force or ranked:
            return (in_force or ranked)[:1]
        return self.create(
            {
                "endpoint_id": endpoint.id,
                "company_id": company.id,
                "mapping_type": kind,
                "dimension": dimension if kind == "analytic" else False,
                "unmapped_policy": OWN_CODE,
            }
        )

    # ---------------------------------------------------------------- guards
    def write(self, vals):
        used = self.version_ids.filtered(lambda v: v.state in ("submitted", "approved"))
        if KEY_FIELDS & vals.keys() and used:
            raise UserError(
                self.env._(
                    "The endpoint, entity, type and dimension of a table with submitted or approved "
                    "versions cannot change: they decide which documents its versions translated."
                )
            )
        if POLICY_FIELDS & vals.keys() and used.table_id.filtered(
            lambda t: t.unmapped_policy != vals["unmapped_policy"]
        ):
            raise UserError(
                self.env._(
                    "What a table does with the codes it lacks changes through a new version, approved "
                    "by a second person: set it on the version."
                )
            )
        return super().write(vals)

    def _follow_latest_version(self):
        """Show the rule of the latest approved version (the write guard refuses it to anyone else)."""
        for table in self:
            latest = table.version_ids.filtered(lambda v: v.state == "approved").sorted(
                lambda v: (v.effective_date, v.approved_at, v.id), reverse=True
            )[:1]
            if latest and table.unmapped_policy != latest.unmapped_policy:
                vals = {"unmapped_policy": latest.unmapped_policy}
                super(IntegrationMappingTable, table.sudo()).write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.version_ids.filtered(lambda v: v.state in ("submitted", "approved")):
            raise UserError(
                self.env._(
                    "Tables with submitted or approved versions are kept: they are the mapping history."
                )
            )

    # --------------------------------------------------------------- actions
    def action_new_version(self):
        """A draft starting from the version in force today, effective from today."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        base = self._version_at(today)
        version = self.env["integration.mapping.version"].create(
            {
                "table_id": self.id,
                "effective_date": today,
                "unmapped_policy": base.unmapped_policy or self.unmapped_policy,
                "line_ids": [Command.create(vals) for vals in base.line_ids._copy_vals()],
            }
        )
        return version._open_action()

    def action_view_versions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_mapping.action_integration_mapping_version"
        )
        action["domain"] = [("table_id", "=", self.id)]
        action["context"] = {"default_table_id": self.id}
        return action
