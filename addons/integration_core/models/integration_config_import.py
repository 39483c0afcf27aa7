import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import config_package as pkg
from .integration_endpoint import ENVIRONMENTS

STATUSES = [
    (pkg.STATUS_ADDED, "New here"),
    (pkg.STATUS_CHANGED, "Changed"),
    (pkg.STATUS_UNCHANGED, "Unchanged"),
    (pkg.STATUS_ONLY_HERE, "Only in this database"),
    (pkg.STATUS_ERROR, "Cannot be applied"),
    (pkg.STATUS_SKIPPED, "Not applicable here"),
]


class IntegrationConfigImport(models.Model):
    """Import Configuration: a file from another database, its differences with this one, applied on
    confirmation. Kept afterwards: what came in, who applied it, and the regression runs against it."""

    _name = "integration.config.import"
    _description = "Configuration Import"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", string="Entity", required=True, default=lambda self: self.env.company, index=True
    )
    file = fields.Binary("Configuration File", attachment=True, required=True)
    filename = fields.Char()
    state = fields.Selection(
        [("draft", "To check"), ("checked", "Differences shown"), ("applied", "Applied")],
        default="draft",
        required=True,
        readonly=True,
    )
    sha256 = fields.Char("SHA-256", readonly=True)
    source_database = fields.Char(readonly=True)
    source_environment = fields.Selection(ENVIRONMENTS, readonly=True)
    target_environment = fields.Selection(
        ENVIRONMENTS, string="This Database", compute="_compute_target_environment"
    )
    pack_count = fields.Integer("Recorded Messages", readonly=True)
    line_ids = fields.One2many(
        "integration.config.import.line", "import_id", string="Differences", readonly=True
    )
    added_count = fields.Integer("New", compute="_compute_counts")
    changed_count = fields.Integer("Changed", compute="_compute_counts")
    unchanged_count = fields.Integer("Unchanged", compute="_compute_counts")
    only_here_count = fields.Integer("Only Here", compute="_compute_counts")
    error_count = fields.Integer("Problems", compute="_compute_counts")
    applied_by = fields.Many2one("res.users", readonly=True)
    applied_at = fields.Datetime(readonly=True)
    regression_run_ids = fields.One2many("integration.regression.run", "import_id", readonly=True)

    @api.depends("filename", "create_date")
    def _compute_name(self):
        for record in self:
            record.name = record.filename or self.env._("Configuration file")

    def _compute_target_environment(self):
        here = self.env["integration.endpoint"]._server_environment()
        for record in self:
            record.target_environment = here

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for record in self:
            statuses = record.line_ids.mapped("status")
            record.added_count = statuses.count(pkg.STATUS_ADDED)
            record.changed_count = statuses.count(pkg.STATUS_CHANGED)
            record.unchanged_count = statuses.count(pkg.STATUS_UNCHANGED)
            record.only_here_count = statuses.count(pkg.STATUS_ONLY_HERE)
            record.error_count = statuses.count(pkg.STATUS_ERROR)

    def write(self, vals):
        if "file" in vals and self.filtered(lambda r: r.state == "applied"):
            raise UserError(self.env._("An applied import keeps its file: start a new import."))
        if "file" in vals:
            vals = dict(vals, state="draft")
        return super().write(vals)

    # ------------------------------------------------------------------ file
    def _document(self):
        """The file's document, checked (size, JSON, schema, hash)."""
        self.ensure_one()
        if not self.file:
            raise UserError(self.env._("Choose the configuration file exported from the other database."))
        data = base64.b64decode(self.file)
        try:
            return pkg.read(data)
        except pkg.PackageError as error:
            raise UserError(
                self.env._("This file cannot be imported:\n%s", "\n".join(error.reasons))
            ) from None

    # --------------------------------------------------------------- actions
    def action_check(self):
        """Read the file and show what it would change here; nothing changes yet."""
        self.ensure_one()
        Package = self.env["integration.config.package"]
        Package._check_manager()
        document = self._document()
        rows = Package._plan(document)
        self.line_ids.sudo().unlink()
        # What needs a look first: problems, then changes, new records, records only here; the
        # unchanged last (within each, the file's order).
        rank = {pkg.STATUS_ERROR: 0, pkg.STATUS_CHANGED: 1, pkg.STATUS_ADDED: 2, pkg.STATUS_ONLY_HERE: 3}
        rows = sorted(rows, key=lambda row: rank.get(row["status"], 4))
        self.env["integration.config.import.line"].sudo().create(
            [dict(row, import_id=self.id, sequence=index) for index, row in enumerate(rows)]
        )
        self.sudo().write(
            {
                "state": "checked",
                "sha256": document["sha256"],
                "source_database": document["source"]["database"],
                "source_environment": document["source"]["environment"],
                "pack_count": len(document["regression_pack"]),
            }
        )
        return True

    def action_apply(self):
        """Apply the differences shown: new records made, changed ones written, nothing deleted."""
        self.ensure_one()
        Package = self.env["integration.config.package"]
        Package._check_manager()
        if self.state != "checked":
            raise UserError(self.env._("Check the file first: its differences are shown before it applies."))
        document = self._document()
        if document["sha256"] != self.sha256:
            raise UserError(self.env._("The file changed since its differences were shown: check it again."))
        rows = Package._apply(document, self)
        self.sudo().write(
            {"state": "applied", "applied_by": self.env.uid, "applied_at": fields.Datetime.now()}
        )
        applied = [row for row in rows if row["status"] in (pkg.STATUS_ADDED, pkg.STATUS_CHANGED)]
        self.env["integration.audit.log"]._log(
            "config_imported",
            self,
            description=f"configuration from {self.source_database} ({self.source_environment}) applied, "
            f"SHA-256 {self.sha256}",
            new_values={f"{row['section']}/{row['key']}": row["status"] for row in applied},
        )
        return True

    def action_run_regression(self):
        """Replay the file's recorded messages against this configuration, undone afterwards."""
        self.ensure_one()
        run = self.env["integration.regression.run"]._run(self)
        return {
            "type": "ir.actions.act_window",
            "res_model": run._name,
            "res_id": run.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }


class IntegrationConfigImportLine(models.Model):
    """One record of the file or of this database, and how it differs."""

    _name = "integration.config.import.line"
    _description = "Configuration Import Difference"
    _order = "import_id, sequence"

    import_id = fields.Many2one("integration.config.import", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="import_id.company_id", store=True, index=True)
    sequence = fields.Integer()
    section = fields.Char(required=True)
    section_label = fields.Char("What")
    key = fields.Char("Name", required=True)
    status = fields.Selection(STATUSES, required=True)
    detail = fields.Text("Changes", help="Each field that differs: this database's value → the file's.")
    note = fields.Text("To Know")
