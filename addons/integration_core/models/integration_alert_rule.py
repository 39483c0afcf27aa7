import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

ACTIVITY_TYPE = "integration_core.mail_activity_type_integration_alert"

# Each metric is read by the method _metric_<code> (a float, in the unit its label
# names). Another addon adds one with selection_add and its own _metric_ method.
METRICS = [
    ("backlog", "Messages waiting"),
    ("oldest_pending", "Oldest waiting message (minutes)"),
    ("failure_rate", "Failure rate, last 24 hours (%)"),
    ("open_exceptions", "Open exceptions"),
    ("dead", "Dead messages"),
]


class IntegrationAlertRule(models.Model):
    """A threshold on a dashboard figure, for one entity and flow or for all of them together.

    A cron reads each figure every few minutes. Going over the threshold
    schedules one activity for each responsible person; coming back under
    marks those activities done. Both are written to the audit log.
    """

    _name = "integration.alert.rule"
    _inherit = ["integration.audited.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Integration Alert"
    _order = "company_id, flow_id, metric, id"
    _check_company_auto = True
    # The cron writes these on every run; raising and clearing have their own audit rows.
    _audit_excluded_fields = frozenset({"state", "last_value", "last_checked_at", "raised_at"})

    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        domain=[("entity_code", "!=", False)],
        tracking=True,
        help="Leave empty to watch all entities together.",
    )
    flow_id = fields.Many2one(
        "integration.flow", tracking=True, help="Leave empty to watch all flows together."
    )
    metric = fields.Selection(METRICS, string="Watch", required=True, default="backlog", tracking=True)
    threshold = fields.Float(
        required=True, tracking=True, help="An alert is raised when the figure goes over this value."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain=[("share", "=", False)],
        tracking=True,
        help="Receives an activity when the alert is raised.",
    )
    group_id = fields.Many2one(
        "res.groups",
        string="Responsible Group",
        tracking=True,
        help="Each member with access to the entity receives an activity when the alert is raised.",
    )
    state = fields.Selection(
        [("ok", "Under threshold"), ("alert", "Over threshold")], default="ok", required=True, readonly=True
    )
    last_value = fields.Float("Current Value", readonly=True, digits=(16, 1))
    last_checked_at = fields.Datetime("Last Checked", readonly=True)
    raised_at = fields.Datetime("Raised On", readonly=True)

    @api.depends("metric", "threshold", "company_id", "flow_id")
    def _compute_display_name(self):
        for rule in self:
            rule.display_name = f"{rule._metric_label()} > {rule.threshold:g} ({rule._scope_label()})"

    def _metric_label(self):
        return dict(self._fields["metric"]._description_selection(self.env)).get(self.metric, "")

    def _scope_label(self):
        entity = self.company_id.entity_code or self.company_id.name or self.env._("all entities")
        return f"{entity} · {self.flow_id.name or self.env._('all flows')}"

    @api.constrains("user_id", "group_id")
    def _check_responsible(self):
        for rule in self:
            if not rule.user_id and not rule.group_id:
                raise ValidationError(self.env._("Name who is told: a responsible person or group."))

    def write(self, vals):
        if vals.get("active") is False:
            self.filtered(lambda r: r.state == "alert")._clear(self.env._("the alert rule was archived"))
        return super().write(vals)

    # ---------------------------------------------------------------- metrics
    def _scope_domain(self):
        self.ensure_one()
        domain = []
        if self.company_id:
            domain.append(("company_id", "=", self.company_id.id))
        if self.flow_id:
            domain.append(("flow_id", "=", self.flow_id.id))
        return domain

    def _dashboard_figure(self, aggregate):
        """One figure of the dashboard over the rule's entities and flows, all of them together."""
        dashboard = self.env["integration.dashboard"].sudo()
        [(value,)] = dashboard._read_group(self._scope_domain(), [], [aggregate])
        return float(value or 0.0)

    def _metric_backlog(self):
        return self._dashboard_figure("backlog:sum")

    def _metric_oldest_pending(self):
        return self._dashboard_figure("oldest_pending_minutes:max")

    def _metric_failure_rate(self):
        return self._dashboard_figure("failure_rate:max")  # failed / finished of the scope, not a max

    def _metric_open_exceptions(self):
        return self._dashboard_figure("open_exceptions:sum")

    def _metric_dead(self):
        return self._dashboard_figure("dead:sum")

    def _metric_value(self):
        self.ensure_one()
        return getattr(self, f"_metric_{self.metric}")()

    # ------------------------------------------------------------- evaluation
    @api.model
    def _cron_evaluate(self):
        for rule in self.sudo().search([]):
            # One alert whose figure cannot be read (an addon's metric, say) must not silence the others.
            try:
                with self.env.cr.savepoint():
                    rule._evaluate()
            except Exception:
                _logger.exception("integration: alert %s could not be checked", rule.id)

    def action_evaluate(self):
        """Check now rather than at the next run (after changing a threshold, say)."""
        self.check_access("write")
        self.sudo()._evaluate()

    def _evaluate(self):
        now = fields.Datetime.now()
        for rule in self:
            value = rule._metric_value()
            over = value > rule.threshold
            if over and rule.state != "alert":
                rule._raise(value, now)
            elif not over and rule.state == "alert":
                rule._clear(self.env._("back to %(value)g", value=value), value=value, now=now)
            else:
                rule.write({"last_value": value, "last_checked_at": now})

    def _responsible_users(self):
        self.ensure_one()
        users = self.user_id | self.group_id.all_user_ids
        users = users.filtered(lambda u: u.active and not u.share)
        if self.company_id:
            users = users.filtered(lambda u: self.company_id in u.company_ids)
        return users

    def _raise(self, value, now):
        self.ensure_one()
        users = self._responsible_users()
        summary = self.env._(
            "%(scope)s: %(what)s is %(value)g, over %(threshold)g",
            scope=self._scope_label(),
            what=self._metric_label(),
            value=value,
            threshold=self.threshold,
        )
        self.write({"state": "alert", "raised_at": now, "last_value": value, "last_checked_at": now})
        for user in users:
            self.activity_schedule(ACTIVITY_TYPE, user_id=user.id, summary=summary)
        self.env["integration.audit.log"]._log(
            "alert_raised",
            self,
            description=f"{self.display_name}: {value:g}",
            new_values={"value": value, "threshold": self.threshold, "told": users.mapped("login")},
        )

    def _clear(self, reason, value=None, now=None):
        now = now or fields.Datetime.now()
        for rule in self:
            note = self.env._("Cleared: %s.", reason)
            rule.sudo().activity_feedback([ACTIVITY_TYPE], feedback=note)
            vals = {"state": "ok", "raised_at": False, "last_checked_at": now}
            if value is not None:
                vals["last_value"] = value
            rule.sudo().write(vals)
            self.env["integration.audit.log"]._log(
                "alert_cleared",
                rule,
                description=f"{rule.display_name}: {reason}",
                new_values={"value": value, "threshold": rule.threshold},
            )

    def action_open_dashboard(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_core.action_integration_dashboard"
        )
        context = {}
        if self.company_id:
            context["search_default_company_id"] = self.company_id.id
        if self.flow_id:
            context["search_default_flow_id"] = self.flow_id.id
        action["context"] = context
        return action
