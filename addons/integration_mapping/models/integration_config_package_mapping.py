from odoo import Command, api, fields, models
from odoo.tools import float_repr

from odoo.addons.integration_core.models.integration_config_package import PlanProblem

from .integration_mapping_table import TARGET_FIELDS

GROUP_ACCOUNT_FIELDS = [
    ("name", "name", "plain"),
    ("kind", "account_kind", "plain"),
    ("active", "active", "plain"),
]
# Lines that carry no amount (sections and notes of an invoice): not part of a posting.
NO_AMOUNT_LINES = ("line_section", "line_note")


class IntegrationConfigPackage(models.AbstractModel):
    """Mapping's share of a configuration package: the group chart, approved mapping versions in
    force or to come, posting approvals, and journal entries and invoices as a regression compares them.

    Mapping versions arrive as drafts of the importing manager: a second manager approves them here,
    as any version. The group chart comes first because group-account mappings name its accounts;
    posting approvals decide whether a document is posted or held, a posting rule of the promotion.
    """

    _inherit = "integration.config.package"

    @api.model
    def _config_sections(self):
        sections = super()._config_sections()
        return [
            *sections,
            ("group_accounts", self.env._("Group chart of accounts")),
            ("mapping_versions", self.env._("Mapping versions")),
            ("posting_approvals", self.env._("Posting approvals")),
        ]

    @api.model
    def _cfg_endpoint_fields(self):
        return [
            *super()._cfg_endpoint_fields(),
            ("reporting", "reporting", "plain"),
            ("partner_scope", "partner_scope", "plain"),
        ]

    # ---------------------------------------------------------- group chart
    @api.model
    def _cfg_group_accounts_local(self):
        accounts = self.env["integration.group.account"].sudo().with_context(active_test=False).search([])
        return {a.code: (self._to_file(a, GROUP_ACCOUNT_FIELDS), a) for a in accounts}

    @api.model
    def _cfg_group_accounts_vals(self, key, values, record):
        return dict(self._to_vals(values, GROUP_ACCOUNT_FIELDS), **({} if record else {"code": key}))

    @api.model
    def _cfg_group_accounts_write(self, key, vals, record, values, run):
        record.write(vals) if record else self.env["integration.group.account"].create(vals)

    # ------------------------------------------------------ mapping versions
    @api.model
    def _table_key(self, table):
        return "|".join(
            [
                table.endpoint_id.code or "*",
                table.company_id.entity_code or "*",
                table.mapping_type,
                table.dimension or "",
            ]
        )

    @api.model
    def _cfg_mapping_versions_local(self):
        """Approved versions in force today or from a later day, per table and effective date."""
        today = fields.Date.context_today(self)
        local = {}
        for table in self.env["integration.mapping.table"].sudo().search([]):
            approved = table.version_ids.filtered(lambda v: v.state == "approved")
            current = table._version_at(today)
            # Of two approved on one day, the later approval is the one in force.
            for version in approved.sorted(lambda v: (v.approved_at, v.id)):
                if version == current or version.effective_date > today:
                    key = f"{self._table_key(table)}@{version.effective_date}"
                    local[key] = (self._version_values(version), version)
        return local

    @api.model
    def _version_values(self, version):
        table = version.table_id
        lines = [self._line_values(line) for line in version.line_ids]
        return {
            "table": {
                "endpoint": table.endpoint_id.code or None,
                "entity": table.company_id.entity_code or None,
                "type": table.mapping_type,
                "dimension": table.dimension or None,
                "analytic_plan": table.analytic_plan_id.name or None,
            },
            "effective_date": str(version.effective_date),
            "unmapped_policy": version.unmapped_policy,
            "lines": sorted(
                lines, key=lambda line: (line["code"], line["date_from"] or "", str(line["maps_to"]))
            ),
            # Information for the reviewer, never compared (the leading underscore).
            "_approval": {
                "version": version.number,
                "approved_by": version.approved_by.name,
                "approved_at": str(version.approved_at),
            },
        }

    @api.model
    def _line_values(self, line):
        entities = line.version_id.table_id._entities().sorted("entity_code")
        target = line._target()
        values = {
            "code": line.external_code,
            "date_from": str(line.date_from) if line.date_from else None,
            "date_to": str(line.date_to) if line.date_to else None,
            "maps_to": self._ref_of(target, entities) if target else None,
        }
        if line.mapping_type == "group_account":
            values["account"] = self._ref_of(line.account_id, entities) if line.account_id else None
        return values

    @api.model
    def _ref_of(self, record, entities):
        """A record by what names it in every database: codes and names, never its id."""
        record = record.sudo()
        model = record._name
        if model in ("account.account", "account.tax"):
            owners = record.company_ids if model == "account.account" else record.company_id
            entity = (entities & owners)[:1] or owners.filtered("entity_code")[:1]
            if model == "account.tax":
                return {"entity": entity.entity_code, "name": record.name, "use": record.type_tax_use}
            return {"entity": entity.entity_code, "code": record.with_company(entity).code}
        if model == "account.journal":
            return {"entity": record.company_id.entity_code, "code": record.code}
        if model == "account.analytic.account":
            return {"name": record.name, "code": record.code or None, "plan": record.plan_id.name}
        if model == "res.partner":
            return {"ref": record.ref or None, "name": record.name}
        if model == "integration.group.account":
            return {"code": record.code}
        return {"name": record.name}  # currencies, payment terms

    @api.model
    def _resolve_ref(self, model, ref):
        Model = self.env[model].sudo().with_context(active_test=False)
        company = self._entity(ref["entity"], must_work_in=False) if ref.get("entity") else None
        if model == "account.account":
            domain = [*Model._check_company_domain(company), ("code", "=", ref["code"])]
            found = Model.with_company(company).search(domain, limit=1)
        elif model == "account.tax":
            found = Model.search(
                [
                    ("company_id", "=", company.id),
                    ("name", "=", ref["name"]),
                    ("type_tax_use", "=", ref["use"]),
                ],
                limit=1,
            )
        elif model == "account.journal":
            found = Model.search([("company_id", "=", company.id), ("code", "=", ref["code"])], limit=1)
        elif model == "account.analytic.account":
            found = Model.search([("name", "=", ref["name"]), ("plan_id.name", "=", ref["plan"])], limit=1)
        elif model == "res.partner":
            key = ("ref", ref["ref"]) if ref.get("ref") else ("name", ref["name"])
            found = Model.search([key], limit=1)
        elif model == "integration.group.account":
            found = Model.search([("code", "=", ref["code"])], limit=1)
            if not found and ref["code"] in self.env.context.get("config_incoming", {}).get(
                "group_accounts", ()
            ):
                return Model  # the same file brings it, before the versions
        else:
            found = Model.search([("name", "=", ref["name"])], limit=1)
        if not found:
            where = f" in {ref['entity']}" if ref.get("entity") else ""
            named = ref.get("code") or ref.get("name") or ref.get("ref")
            raise PlanProblem(
                self.env._(
                    "%(kind)s %(name)s does not exist%(where)s.",
                    kind=Model._description,
                    name=named,
                    where=where,
                )
            )
        return found

    @api.model
    def _cfg_mapping_versions_vals(self, key, values, record):
        table = values["table"]
        if table["endpoint"]:
            self._endpoint(table["endpoint"])
        if table["entity"]:
            self._entity(table["entity"])
        fname = TARGET_FIELDS[table["type"]]
        comodel = self.env["integration.mapping.line"]._fields[fname].comodel_name
        lines = []
        for line in values["lines"]:
            vals = {
                "external_code": line["code"],
                "date_from": line["date_from"] or False,
                "date_to": line["date_to"] or False,
            }
            if line.get("maps_to"):
                vals[fname] = self._resolve_ref(comodel, line["maps_to"]).id
            if line.get("account"):
                vals["account_id"] = self._resolve_ref("account.account", line["account"]).id
            lines.append(vals)
        return {
            "effective_date": values["effective_date"],
            "unmapped_policy": values["unmapped_policy"],
            "line_ids": lines,
        }

    @api.model
    def _cfg_mapping_versions_notes(self, key, values, record, status):
        approval = values.get("_approval") or {}
        if status in ("added", "changed"):
            return [
                self.env._(
                    "Arrives as a draft: another Integration Manager approves it here "
                    "(approved in the source by %(who)s on %(when)s).",
                    who=approval.get("approved_by"),
                    when=approval.get("approved_at"),
                )
            ]
        return []

    @api.model
    def _cfg_mapping_versions_write(self, key, vals, record, values, run):
        table = self._table_for(values["table"], values["unmapped_policy"])
        approval = values.get("_approval") or {}
        note = self.env._(
            "Imported from %(db)s (%(env)s), file SHA-256 %(sha)s. In the source: version %(number)s, "
            "approved by %(who)s on %(when)s. Review it and have it approved here by another manager.",
            db=run.source_database,
            env=run.source_environment,
            sha=run.sha256,
            number=approval.get("version"),
            who=approval.get("approved_by"),
            when=approval.get("approved_at"),
        )
        version = self.env["integration.mapping.version"].create(
            {
                "table_id": table.id,
                "effective_date": vals["effective_date"],
                "unmapped_policy": vals["unmapped_policy"],
                "note": note,
                "line_ids": [Command.create(line) for line in vals["line_ids"]],
            }
        )
        run.sudo().mapping_version_ids = [Command.link(version.id)]

    @api.model
    def _table_for(self, table, policy):
        endpoint = (
            self._endpoint(table["endpoint"]) if table["endpoint"] else self.env["integration.endpoint"]
        )
        company = self._entity(table["entity"]) if table["entity"] else self.env["res.company"]
        Table = self.env["integration.mapping.table"]
        found = Table.sudo().search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("company_id", "=", company.id),
                ("mapping_type", "=", table["type"]),
                ("dimension", "=", table["dimension"] or False),
            ],
            limit=1,
        )
        if found:
            return found.with_env(self.env)
        plan = (
            self.env["account.analytic.plan"].sudo().search([("name", "=", table["analytic_plan"])], limit=1)
        )
        return Table.create(
            {
                "endpoint_id": endpoint.id,
                "company_id": company.id,
                "mapping_type": table["type"],
                "dimension": table["dimension"] or False,
                "analytic_plan_id": plan.id,
                "unmapped_policy": policy,
            }
        )

    @api.model
    def _regression_prepare(self, run):
        """The drafts this import made read as approved now, as their approval would make them."""
        result = super()._regression_prepare(run)
        drafts = run.sudo().mapping_version_ids.filtered(lambda v: v.state in ("draft", "submitted"))
        for version in drafts.sorted(lambda v: (v.effective_date, v.id)):
            version._workflow_write(
                {"state": "approved", "approved_by": self.env.uid, "approved_at": fields.Datetime.now()}
            )
        drafts.table_id._follow_latest_version()
        return result

    # ------------------------------------------------------ posting approvals
    @api.model
    def _cfg_posting_approvals_local(self):
        rules = self.env["integration.posting.approval.rule"].sudo().search([])
        return {
            f"{rule.flow_id.code}|{rule.company_id.entity_code}": (self._rule_values(rule), rule)
            for rule in rules
            if rule.company_id.entity_code
        }

    @api.model
    def _rule_values(self, rule):
        group = rule.approver_group_id
        return {
            "threshold": float_repr(rule.threshold, rule.currency_id.decimal_places),
            "approver_group": group.get_external_id().get(group.id) or None if group else None,
            "active": rule.active,
        }

    @api.model
    def _cfg_posting_approvals_vals(self, key, values, record):
        flow_code, _sep, entity = key.rpartition("|")
        group = (
            self.env.ref(values["approver_group"], raise_if_not_found=False)
            if values.get("approver_group")
            else self.env["res.groups"]
        )
        if values.get("approver_group") and not group:
            raise PlanProblem(
                self.env._("Approver group %s is not installed here.", values["approver_group"])
            )
        vals = {
            "threshold": float(values["threshold"]),
            "approver_group_id": group.id,
            "active": values.get("active", True),
        }
        if not record:
            vals.update(flow_id=self._flow(flow_code).id, company_id=self._entity(entity).id)
        return vals

    @api.model
    def _cfg_posting_approvals_notes(self, key, values, record, status):
        if status == "added":
            return [self.env._("People named as approvers are not carried: name them here if needed.")]
        return []

    @api.model
    def _cfg_posting_approvals_write(self, key, vals, record, values, run):
        Rule = self.env["integration.posting.approval.rule"]
        record.write(vals) if record else Rule.create(vals)
