from odoo import api, fields, models

from .integration_exception import EXCEPTION_CODES


class IntegrationExceptionOccurrence(models.Model):
    """One run that raised an exception: what it found, when, at which attempt.

    An exception is refreshed in place by each run that fails again (it is the
    finance user's one work item per message); its occurrences keep every
    earlier text, so that a code seen in the first run (629999) is still found
    once a later run complains about another (455000).
    """

    _name = "integration.exception.occurrence"
    _inherit = ["integration.guarded.mixin"]
    _description = "Integration Exception Occurrence"
    _order = "raised_at desc, id desc"
    _log_access = False
    _guard_frozen_fields = frozenset(
        {"exception_id", "message_id", "company_id", "raised_at", "run", "attempt", "code", "name"}
    )
    _guard_actions_hint = "none: each run of the message records its own"

    exception_id = fields.Many2one(
        "integration.exception", required=True, index=True, readonly=True, ondelete="cascade"
    )
    message_id = fields.Many2one("integration.message", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", string="Entity", required=True, readonly=True)
    raised_at = fields.Datetime("Raised On", required=True, readonly=True, default=fields.Datetime.now)
    run = fields.Integer(readonly=True, help="The how-manyeth run of the message raised this problem.")
    attempt = fields.Integer(
        readonly=True,
        help="The message's attempt in that run; a retry by hand starts counting again from 1.",
    )
    code = fields.Selection(EXCEPTION_CODES, string="Kind of Problem", readonly=True)
    name = fields.Char("Problem", readonly=True)
    explanation = fields.Text(readonly=True)
    codes = fields.Char(
        "Codes Concerned", readonly=True, help="The sender's codes and values the problems name."
    )
    details = fields.Json(readonly=True, help="The error items, as the API reported them.")

    @api.depends("code", "run")
    def _compute_display_name(self):
        labels = dict(self._fields["code"]._description_selection(self.env))
        for occurrence in self:
            occurrence.display_name = self.env._(
                "Run %(run)s: %(problem)s", run=occurrence.run, problem=labels.get(occurrence.code, "")
            )
