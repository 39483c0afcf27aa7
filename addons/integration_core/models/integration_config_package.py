from odoo import Command, api, models
from odoo.exceptions import AccessError, UserError

from ..engine import config_package as pkg


class PlanProblem(Exception):
    """A file's record this database cannot take as it is (an endpoint naming a missing entity, say)."""


class PlanSkip(Exception):
    """A file's record that has no counterpart here and needs none (a flow of an addon not installed)."""


class IntegrationConfigPackage(models.AbstractModel):
    """What a configuration package holds and how this database takes it.

    A section is a kind of record named by a key (a code). Each section
    implements three hooks, ``<section>`` being its name:

    - ``_cfg_<section>_local()``: ``{key: (values, record)}`` of this database,
      values shaped exactly as in the file (codes, no ids), so that the file's
      values and ours compare member by member;
    - ``_cfg_<section>_vals(key, values, record)``: the ORM values to create or
      write, raising ``PlanProblem`` when a reference cannot be resolved here;
    - ``_cfg_<section>_write(key, vals, record, values, run)``: make the change.

    ``_cfg_<section>_notes`` may add what the reviewer should know. Addons add
    sections by extending ``_config_sections`` (mapping versions, say): core
    names no flow and no mapping.
    """

    _name = "integration.config.package"
    _description = "Integration Configuration Package"

    @api.model
    def _config_sections(self):
        """``[(section, label)]`` in the order they are applied: what others refer to first."""
        return [
            ("entities", self.env._("Entity holds")),
            ("flows", self.env._("Flows")),
            ("endpoints", self.env._("Endpoints")),
            ("subscriptions", self.env._("Event subscriptions")),
        ]

    @api.model
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group("integration_core.group_integration_manager"):
            raise AccessError(self.env._("Only Integration Managers export or import configuration."))

    # ------------------------------------------------------------------ export
    @api.model
    def _export_document(self, messages=None):
        """(document, file bytes): every section of this database, and the recorded messages given."""
        self._check_manager()
        sections = {}
        for section, _label in self._config_sections():
            local = getattr(self, f"_cfg_{section}_local")()
            # Read as superuser so that keys never collide; exported: what the manager may read.
            sections[section] = [
                {"key": key, "values": local[key][0]}
                for key in sorted(local)
                if local[key][1].with_env(self.env)._filtered_access("read")
            ]
        document = {
            "format": pkg.FORMAT,
            "format_version": pkg.FORMAT_VERSION,
            "source": {
                "database": self.env.cr.dbname,
                "environment": self.env["integration.endpoint"]._server_environment(),
            },
            "sections": sections,
            "regression_pack": self._regression_pack(messages) if messages else [],
        }
        return pkg.seal(document)

    # -------------------------------------------------------------------- plan
    @api.model
    def _plan(self, document):
        """The diff against this database: one row per record of the file or of this database only."""
        self._check_manager()
        incoming = {
            section: {item["key"]: item["values"] for item in items}
            for section, items in document["sections"].items()
        }
        planner = self.with_context(config_incoming={s: set(items) for s, items in incoming.items()})
        known = dict(self._config_sections())
        rows = [
            self._plan_row(
                section,
                "*",
                pkg.STATUS_ERROR,
                self.env._(
                    "This database has no '%s' configuration: install the addon that provides it.", section
                ),
            )
            for section in sorted(set(incoming) - set(known))
        ]
        for section, label in self._config_sections():
            rows += planner._plan_section(section, label, incoming.get(section, {}))
        return rows

    @api.model
    def _plan_section(self, section, label, theirs):
        local = getattr(self, f"_cfg_{section}_local")()
        rows = []
        for key in sorted(theirs):
            values = theirs[key]
            ours, record = local.get(key, (None, None))
            changes = pkg.diff_values(values, ours) if ours is not None else []
            status = (
                pkg.STATUS_ADDED
                if ours is None
                else (pkg.STATUS_CHANGED if changes else pkg.STATUS_UNCHANGED)
            )
            notes = []
            if status != pkg.STATUS_UNCHANGED:
                try:
                    getattr(self, f"_cfg_{section}_vals")(key, values, record)
                except PlanProblem as problem:
                    status, notes = pkg.STATUS_ERROR, [str(problem)]
                except PlanSkip as skip:
                    status, notes = pkg.STATUS_SKIPPED, [str(skip)]
            notes_hook = getattr(self, f"_cfg_{section}_notes", None)
            if notes_hook:
                notes += notes_hook(key, values, record, status)
            detail = "\n".join(pkg.describe_change(*change) for change in changes)
            rows.append(self._plan_row(section, key, status, "\n".join(notes), detail=detail, label=label))
        for key in sorted(set(local) - set(theirs)):
            note = self.env._("Only in this database: kept as it is (an import never deletes).")
            rows.append(self._plan_row(section, key, pkg.STATUS_ONLY_HERE, note, label=label))
        return rows

    @api.model
    def _plan_row(self, section, key, status, note, *, detail="", label=None):
        return {
            "section": section,
            "section_label": label or section,
            "key": key,
            "status": status,
            "note": note or "",
            "detail": detail,
        }

    # ------------------------------------------------------------------- apply
    @api.model
    def _apply(self, document, run):
        """Create or change what the plan says, section by section; never delete. Returns the plan.

        ``run``: the import record, which sections may link what they made to.
        """
        rows = self._plan(document)
        errors = [row for row in rows if row["status"] == pkg.STATUS_ERROR]
        if errors:
            raise UserError(
                self.env._(
                    "This file cannot be applied here yet: %s",
                    "; ".join(f"{row['key']}: {row['note']}" for row in errors[:10]),
                )
            )
        incoming = {
            section: {item["key"]: item["values"] for item in items}
            for section, items in document["sections"].items()
        }
        for section, _label in self._config_sections():
            todo = [
                row["key"]
                for row in rows
                if row["section"] == section and row["status"] in (pkg.STATUS_ADDED, pkg.STATUS_CHANGED)
            ]
            local = getattr(self, f"_cfg_{section}_local")() if todo else {}
            for key in todo:
                values = incoming[section][key]
                record = local.get(key, (None, None))[1]
                record = record.with_env(self.env) if record else record
                vals = getattr(self, f"_cfg_{section}_vals")(key, values, record)
                getattr(self, f"_cfg_{section}_write")(key, vals, record, values, run)
        return rows

    # --------------------------------------------------------- values by code
    @api.model
    def _to_file(self, record, spec):
        values = {}
        for name, fname, kind in spec:
            value = record[fname]
            if kind == "entity":
                value = value.entity_code or None
            elif kind == "entities":
                value = sorted(value.filtered("entity_code").mapped("entity_code"))
            elif kind == "flows":
                value = sorted(value.mapped("code"))
            elif kind == "journals":
                value = sorted(f"{j.company_id.entity_code}/{j.code}" for j in value)
            elif value is False and record._fields[fname].type not in ("boolean",):
                value = None
            values[name] = value
        return values

    @api.model
    def _to_vals(self, values, spec):
        vals = {}
        for name, fname, kind in spec:
            if name not in values:
                continue
            value = values[name]
            if kind == "entity" and value is None:
                # Owned by a company outside the entities (the database's own company, as the
                # intercompany addon's internal endpoint is): kept, or the importer's for a new one.
                continue
            if kind == "entity":
                value = self._entity(value).id
            elif kind == "entities":
                value = [Command.set([self._entity(code).id for code in value])]
            elif kind == "flows":
                value = [Command.set([self._flow(code).id for code in value])]
            elif kind == "journals":
                value = [Command.set([self._journal(ref).id for ref in value])]
            vals[fname] = value if value is not None else False
        return vals

    @api.model
    def _entity(self, code, must_work_in=True):
        company = self.env["res.company"]._find_by_entity_code(code)
        if not company:
            raise PlanProblem(
                self.env._("Entity %s does not exist here: give its company that entity code first.", code)
            )
        if must_work_in and not self.env.su and company not in self.env.user.company_ids:
            raise PlanProblem(self.env._("You do not work in entity %s: ask a manager who does.", code))
        return company

    @api.model
    def _flow(self, code):
        flow = self.env["integration.flow"].with_context(active_test=False).search([("code", "=", code)])
        if not flow:
            raise PlanProblem(
                self.env._("Flow %s is not installed here: install the addon that ships it.", code)
            )
        return flow

    @api.model
    def _journal(self, ref):
        entity, _sep, code = ref.partition("/")
        company = self._entity(entity)
        journal = (
            self.env["account.journal"]
            .sudo()
            .search([("company_id", "=", company.id), ("code", "=", code)], limit=1)
        )
        if not journal:
            raise PlanProblem(
                self.env._("Entity %(entity)s has no journal %(code)s.", entity=entity, code=code)
            )
        return journal

    @api.model
    def _endpoint(self, code):
        """The endpoint with this code; empty while planning when the same file brings it."""
        endpoint = (
            self.env["integration.endpoint"]
            .sudo()
            .with_context(active_test=False)
            .search([("code", "=", code)])
        )
        if not endpoint and code not in self.env.context.get("config_incoming", {}).get("endpoints", ()):
            raise PlanProblem(self.env._("Endpoint %s is neither here nor in the file.", code))
        return endpoint

    # --------------------------------------------------------- regression pack
    @api.model
    def _regression_messages(self, per_flow):
        """The last ``per_flow`` inbound messages done of each flow, whose payload is still kept."""
        Message = self.env["integration.message"]
        messages = Message.browse()
        for flow in self.env["integration.flow"].search([("direction", "=", "in")]):
            messages |= Message.search(
                [
                    ("flow_id", "=", flow.id),
                    ("direction", "=", "in"),
                    ("state", "=", "done"),
                    ("payload", "!=", False),
                ],
                order="done_at desc, id desc",
                limit=per_flow,
            )
        return messages

    @api.model
    def _regression_pack(self, messages):
        """The recorded messages in the order they were processed, each with what it produced here."""
        pack = []
        messages = messages.sudo().filtered(lambda m: m.direction == "in" and m.state == "done" and m.payload)
        for message in messages.sorted(lambda m: (m.done_at, m.id)):
            record = (
                self.env[message.result_model].sudo().browse(message.result_id).exists()
                if (message.result_model in self.env)
                else None
            )
            pack.append(
                {
                    "endpoint": message.endpoint_id.code,
                    "flow": message.flow_id.code,
                    "entity": message.company_id.entity_code,
                    "schema_version": message.schema_version,
                    "idempotency_key": message.idempotency_key,
                    "correlation_id": message.correlation_id,
                    "done_at": str(message.done_at),
                    "payload": message.payload,
                    "result": self._regression_capture(record) if record else {"missing": True},
                }
            )
        return pack

    @api.model
    def _regression_capture(self, record):
        """What a message produced, in terms that compare across databases (codes, amounts as text).

        Addons override it for their documents (journal entries: journal, date, lines...).
        """
        return {"model": record._name, "name": record.display_name}

    @api.model
    def _regression_prepare(self, run):
        """Inside the rolled-back replay, before any message: make the imported configuration the one
        in effect (addons: their drafts read as approved). ``run``: the import record."""
        return True
