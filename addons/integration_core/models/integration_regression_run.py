import contextlib
import copy
import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from ..engine import config_package as pkg
from ..engine import processor, text
from ..exceptions import BusinessError

_logger = logging.getLogger(__name__)

OUTCOMES = [("same", "Same posting"), ("different", "Different"), ("failed", "Failed")]


class IntegrationRegressionRun(models.Model):
    """One replay of a file's recorded messages against this database's configuration.

    Everything the replay makes is undone: the report is all that stays.
    """

    _name = "integration.regression.run"
    _description = "Regression Pack Run"
    _order = "id desc"
    _check_company_auto = True

    import_id = fields.Many2one("integration.config.import", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="import_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", "Run By", readonly=True)
    against = fields.Selection(
        [
            ("file", "The file's configuration, before it is applied"),
            ("applied", "The imported configuration, its mapping drafts read as approved"),
        ],
        readonly=True,
    )
    result_ids = fields.One2many("integration.regression.result", "run_id", readonly=True)
    same_count = fields.Integer("Same", readonly=True)
    different_count = fields.Integer("Different", readonly=True)
    failed_count = fields.Integer("Failed", readonly=True)

    @api.depends("import_id", "create_date")
    def _compute_display_name(self):
        for run in self:
            run.display_name = self.env._(
                "Regression run of %(file)s (%(when)s)", file=run.import_id.name, when=run.create_date
            )

    @api.model
    def _run(self, config_import):
        """Replay, compare, undo; then store the report."""
        Package = self.env["integration.config.package"]
        Package._check_manager()
        config_import.check_access("read")
        document = config_import._document()
        pack = document["regression_pack"]
        if not pack:
            raise UserError(
                self.env._("This file holds no recorded messages: export it with a regression pack.")
            )
        against = "applied" if config_import.state == "applied" else "file"
        results = []
        self.env.flush_all()
        # Never released: whatever the replay made (documents, partners, messages, events, audit rows,
        # and the configuration itself when not applied yet) goes with it.
        with _undone(self.env.cr):
            if against == "file":
                Package._apply(document, config_import)
            Package._regression_prepare(config_import)
            self.env.flush_all()
            for index, recorded in enumerate(pack):
                results.append(dict(self._replay(recorded), sequence=index))
        self.env.invalidate_all()
        outcomes = [result["outcome"] for result in results]
        run = self.sudo().create(
            {
                "import_id": config_import.id,
                "user_id": self.env.uid,
                "against": against,
                "same_count": outcomes.count("same"),
                "different_count": outcomes.count("different"),
                "failed_count": outcomes.count("failed"),
                "result_ids": [fields.Command.create(result) for result in results],
            }
        )
        self.env["integration.audit.log"]._log(
            "regression_run",
            config_import,
            description=f"regression pack replayed against {against} configuration and undone",
            new_values={"same": run.same_count, "different": run.different_count, "failed": run.failed_count},
        )
        return run.with_env(self.env)

    @api.model
    def _replay(self, recorded):
        """One recorded message through its flow's handler, as the engine runs it; its outcome compared."""
        env = self.env(su=True)
        source = recorded["result"]
        vals = {
            "label": " · ".join(
                [recorded["endpoint"], recorded["flow"], recorded["entity"], recorded["idempotency_key"]]
            ),
            "source_result": json.dumps(source, indent=1, sort_keys=True, ensure_ascii=False),
        }
        try:
            captured, found = self._replay_one(env, recorded, source)
        except Exception as error:
            return dict(vals, outcome="failed", differences=self._failure_text(error))
        differences = pkg.compare_postings(source, captured)
        outcome = "different" if differences else "same"
        if found:
            differences.insert(
                0, self.env._("Already in this database (found by its reference): not made again.")
            )
        return dict(
            vals,
            outcome=outcome,
            differences="\n".join(differences),
            target_result=json.dumps(captured, indent=1, sort_keys=True, ensure_ascii=False),
        )

    @api.model
    def _replay_one(self, env, recorded, source):
        endpoint = (
            env["integration.endpoint"]
            .with_context(active_test=False)
            .search([("code", "=", recorded["endpoint"])])
        )
        flow = (
            env["integration.flow"].with_context(active_test=False).search([("code", "=", recorded["flow"])])
        )
        company = env["res.company"]._find_by_entity_code(recorded["entity"])
        if not (endpoint and flow and company):
            raise UserError(
                self.env._(
                    "Endpoint %(endpoint)s, flow %(flow)s or entity %(entity)s is missing in this database.",
                    endpoint=recorded["endpoint"],
                    flow=recorded["flow"],
                    entity=recorded["entity"],
                )
            )
        Model = env[source["model"]] if source.get("model") in env else None
        newest = Model.search([], order="id desc", limit=1).id if Model is not None else 0
        # Kept for the messages after it (a partner before its invoice), undone on failure.
        with mute_logger("odoo.sql_db"), env.cr.savepoint():
            message = (
                env["integration.message"]
                .with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
                .create(
                    {
                        "direction": "in",
                        "endpoint_id": endpoint.id,
                        "flow_id": flow.id,
                        "company_id": company.id,
                        "schema_version": recorded["schema_version"],
                        "idempotency_key": f"regression:{recorded['idempotency_key']}",
                        "correlation_id": recorded.get("correlation_id") or recorded["idempotency_key"],
                        "payload": recorded["payload"],
                        "state": "processing",
                        "attempts": 1,
                    }
                )
            )
            handler = processor._handler(env, endpoint, company, flow)
            result = handler._process_batch(message.with_env(handler.env)).get(message.id)
            if isinstance(result, Exception):
                raise result
            if not result:
                raise UserError(self.env._("The flow's handler made nothing for this message."))
            handler.env.flush_all()
            record = result[:1].sudo()
            return env["integration.config.package"]._regression_capture(record), record.id <= newest

    @api.model
    def _failure_text(self, error):
        if isinstance(error, BusinessError):
            return "\n".join(text.clean(item.get("message"), 2000) for item in error.errors)
        if isinstance(error, UserError):
            return text.clean(str(error.args[0] if error.args else error), 2000)
        _logger.info("integration: regression replay failed unexpectedly", exc_info=error)
        return text.clean(f"{type(error).__name__}: {error}", 2000)


@contextlib.contextmanager
def _undone(cr):
    """A savepoint always rolled back, with the hooks registered meanwhile.

    Odoo keeps post-commit hooks across a savepoint's rollback (a partner's customer rank, say): run at
    the next commit they would touch records that never were. Their shared data is put back in place,
    as the hooks registered before hold it.
    """
    hooks = (cr.postcommit, cr.prerollback, cr.postrollback)
    saved = [
        (list(hook._funcs), {key: (value, copy.copy(value)) for key, value in hook.data.items()})
        for hook in hooks
    ]
    try:
        with contextlib.closing(cr.savepoint()):
            yield
    finally:
        for hook, (funcs, data) in zip(hooks, saved, strict=True):
            hook._funcs.clear()
            hook._funcs.extend(funcs)
            hook.data.clear()
            for key, (value, before) in data.items():
                if isinstance(value, (dict, set)):
                    value.clear()
                    value.update(before)
                elif isinstance(value, list):
                    value[:] = before
                hook.data[key] = value


class IntegrationRegressionResult(models.Model):
    """One recorded message: the posting it produced in the source, the one it would produce here."""

    _name = "integration.regression.result"
    _description = "Regression Pack Result"
    _order = "run_id, sequence"

    run_id = fields.Many2one("integration.regression.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    sequence = fields.Integer()
    label = fields.Char("Recorded Message", required=True)
    outcome = fields.Selection(OUTCOMES, required=True)
    differences = fields.Text(help="Each difference: the source's value → this database's, or why it failed.")
    source_result = fields.Text("Posting in the Source")
    target_result = fields.Text("Posting Here")
