from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.fields import Domain

# The checklist, in the order a finance user works through it. Each code has a
# ``_count_<code>(period)`` returning (count, note) and an ``_action_<code>(period)``
# opening the records counted, both read from the live data each time.
CHECKS = [
    ("exceptions", "Open exceptions", "blocking"),
    ("dead", "Messages that gave up (dead)", "blocking"),
    ("queued", "Messages still waiting in the queue", "blocking"),
    ("held", "Flows on hold", "warning"),
    ("bank_overdue", "Bank lines unmatched too long", "blocking"),
    ("bank_recent", "Recent bank lines not yet matched", "warning"),
    ("ic_unexplained", "Unexplained intercompany differences", "blocking"),
    ("unmapped_accounts", "Accounts moved in the period without a group account", "blocking"),
]
PENDING_STATES = ("received", "retry", "processing")
# The intercompany reconciliation (issue #13 item 4) lives in this addon but is built
# apart; the cockpit reads it only once it is installed.
IC_ENGINE = "integration.ic.reconciliation.engine"
IC_RUN = "integration.ic.reconciliation"


class IntegrationCloseCheck(models.Model):
    """One item of an entity's ready-to-close checklist: what is counted, how many, and how serious."""

    _name = "integration.close.check"
    _description = "Period Close Checklist Item"
    _order = "period_id, sequence, id"
    _rec_name = "code"

    period_id = fields.Many2one("integration.close.period", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="period_id.company_id", store=True, index=True, string="Entity")
    sequence = fields.Integer(readonly=True)
    code = fields.Selection(
        [(code, label) for code, label, _severity in CHECKS], string="Check", required=True, readonly=True
    )
    count = fields.Integer(readonly=True)
    status = fields.Selection(
        [("ok", "OK"), ("warning", "Warning"), ("blocking", "Blocking")], required=True, readonly=True
    )
    note = fields.Char(string="What It Means", readonly=True)

    # ------------------------------------------------------------ evaluation
    @api.model
    def _evaluate(self, period, shared=None):
        """The checklist's values for ``period``, one dict per item (read as the system: see the period).

        ``shared``: a dict kept across the periods checked together, for what
        is computed once for the whole group (the intercompany reconciliation
        at a date), not once per entity.
        """
        rows = []
        for sequence, (code, _label, severity) in enumerate(CHECKS, start=1):
            count, note = getattr(self, f"_count_{code}")(period, shared)
            rows.append(
                {
                    "period_id": period.id,
                    "sequence": sequence,
                    "code": code,
                    "count": count,
                    "status": severity if count else "ok",
                    "note": note,
                }
            )
        return rows

    def action_open_records(self):
        """The records this item counts, as they are now."""
        self.ensure_one()
        return getattr(self, f"_action_{self.code}")(self.period_id)

    # ------------------------------------------------------------ queue
    @api.model
    def _exception_domain(self, period):
        return Domain("company_id", "=", period.company_id.id) & Domain("state", "=", "open")

    @api.model
    def _count_exceptions(self, period, shared=None):
        count = self.env["integration.exception"].sudo().search_count(self._exception_domain(period))
        # A late message may carry a document of the period: every open one counts, whatever its date.
        return count, self.env._(
            "Documents of the entity that could not be booked, whatever day they arrived."
        )

    @api.model
    def _action_exceptions(self, period):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_core.action_integration_exception"
        )
        return dict(action, domain=list(self._exception_domain(period)), context={})

    @api.model
    def _message_domain(self, period, states):
        return Domain("company_id", "=", period.company_id.id) & Domain("state", "in", states)

    @api.model
    def _count_dead(self, period, shared=None):
        count = self.env["integration.message"].sudo().search_count(self._message_domain(period, ["dead"]))
        return count, self.env._("Retries ran out: retry, replay or cancel them with a reason.")

    @api.model
    def _action_dead(self, period):
        return self._messages_action(period, ["dead"])

    @api.model
    def _count_queued(self, period, shared=None):
        Message = self.env["integration.message"].sudo()
        domain = self._message_domain(period, list(PENDING_STATES))
        count = Message.search_count(domain)
        behind_hold = Message.search_count(
            domain
            & (
                Domain("flow_id.hold", "=", True)
                | Domain("endpoint_id.hold", "=", True)
                | Domain("company_id.integration_hold", "=", True)
            )
        )
        if behind_hold:
            return count, self.env._(
                "They may still book into the period; %(held)s of them wait behind a hold.", held=behind_hold
            )
        return count, self.env._("They may still book into the period: let the queue finish first.")

    @api.model
    def _action_queued(self, period):
        return self._messages_action(period, list(PENDING_STATES))

    @api.model
    def _messages_action(self, period, states):
        action = self.env["ir.actions.act_window"]._for_xml_id("integration_core.action_integration_message")
        # Without the action's "last 7 days" filter: an old stuck message is the one that matters.
        return dict(action, domain=list(self._message_domain(period, states)), context={})

    @api.model
    def _held_flows(self, period):
        """Inbound flows that cannot bring anything in for the entity now.

        Core holds at three levels, all read by intake and by the claim: the
        entity (every flow), a flow (every entity) and an endpoint (its flows
        for its entities). Only the flows the entity's endpoints allow matter.
        """
        company = period.company_id
        endpoints = (
            self.env["integration.endpoint"]
            .sudo()
            .search([("company_ids", "in", company.id), ("active", "=", True)])
        )
        flows = endpoints.flow_ids.filtered(lambda flow: flow.active and flow.direction == "in")
        if company.integration_hold:
            return flows
        held_endpoints = endpoints.filtered("hold")
        return flows.filtered("hold") | (held_endpoints.flow_ids & flows)

    @api.model
    def _count_held(self, period, shared=None):
        flows = self._held_flows(period)
        if period.company_id.integration_hold:
            note = self.env._("The entity is on hold: senders are asked to send again once it is lifted.")
        else:
            note = self.env._("New documents of these flows are refused until the hold is lifted.")
        return len(flows), note

    @api.model
    def _action_held(self, period):
        action = self.env["ir.actions.act_window"]._for_xml_id("integration_core.action_integration_flow")
        return dict(action, domain=[("id", "in", self._held_flows(period).ids)], context={})

    # ------------------------------------------------------------ bank
    @api.model
    def _alert_days(self, company):
        """Days a bank line may stay unmatched: the bank addon's setting of the entity (Settings)."""
        if "integration_unmatched_alert_days" in company._fields:
            return company.integration_unmatched_alert_days
        return 0  # without the setting, every unmatched line of the period is late

    @api.model
    def _bank_domain(self, period, overdue):
        company = period.company_id
        cutoff = fields.Date.context_today(self) - timedelta(days=self._alert_days(company))
        # As Odoo's own lock check: draft and posted lines up to the period's end.
        domain = (
            Domain("company_id", "=", company.id)
            & Domain("is_reconciled", "=", False)
            & Domain("state", "!=", "cancel")
            & Domain("date", "<=", period.date_to)
        )
        return domain & (Domain("date", "<", cutoff) if overdue else Domain("date", ">=", cutoff))

    @api.model
    def _count_bank_overdue(self, period, shared=None):
        count = self.env["account.bank.statement.line"].sudo().search_count(self._bank_domain(period, True))
        return count, self.env._(
            "Unmatched for more than %(days)s days (the entity's bank setting).",
            days=self._alert_days(period.company_id),
        )

    @api.model
    def _count_bank_recent(self, period, shared=None):
        count = self.env["account.bank.statement.line"].sudo().search_count(self._bank_domain(period, False))
        return count, self.env._(
            "Odoo refuses the global lock date while any line of the period is unmatched."
        )

    @api.model
    def _action_bank_overdue(self, period):
        return self._bank_action(period, True)

    @api.model
    def _action_bank_recent(self, period):
        return self._bank_action(period, False)

    @api.model
    def _bank_action(self, period, overdue):
        action = self.env["ir.actions.act_window"]._for_xml_id("integration_bank.action_bank_unmatched_lines")
        return dict(action, domain=list(self._bank_domain(period, overdue)), context={})

    # ------------------------------------------------------------ intercompany
    @api.model
    def _ic_unexplained_pairs(self, period, shared=None):
        """The entity's pairs whose difference at the period's end no document explains (above the
        entity's threshold), computed now by the intercompany reconciliation."""
        if IC_ENGINE not in self.env:
            return None
        company = period.company_id.sudo()
        shared = {} if shared is None else shared
        key = ("ic_reconciliation", period.date_to)
        if key not in shared:
            entities = self.env["res.company"].sudo()._ic_group_entities().sudo()
            shared[key] = self.env[IC_ENGINE].sudo()._compute(entities, period.date_to)
        report = shared[key]
        # The reconciliation's own threshold: below it a difference is rounding nobody is asked about.
        threshold = company._ic_unexplained_threshold()
        return [
            pair
            for pair in report["pairs"]
            if pair["company"] == company and abs(pair["unexplained"]) > threshold
        ]

    @api.model
    def _count_ic_unexplained(self, period, shared=None):
        pairs = self._ic_unexplained_pairs(period, shared)
        if pairs is None:
            return 0, self.env._("The intercompany reconciliation is not installed.")
        return len(pairs), self.env._(
            "Entities whose balance with this one on the last day differs by more than the threshold, "
            "with no document to explain it."
        )

    @api.model
    def _action_ic_unexplained(self, period):
        """A reconciliation at the period's end, kept for the controller, opened on the entity's pairs."""
        if IC_RUN not in self.env:
            return False
        Company = self.env["res.company"].sudo()
        run = (
            self.env[IC_RUN]
            .sudo()
            .create({"date": period.date_to, "company_ids": [Command.set(Company._ic_group_entities().ids)]})
        )
        run.action_compute()
        action = run.action_open_lines()
        action["domain"] = [
            ("reconciliation_id", "=", run.id),
            ("company_id", "=", period.company_id.id),
            ("above_threshold", "=", True),
        ]
        return action

    # ------------------------------------------------------------ group chart
    @api.model
    def _unmapped_accounts(self, period):
        company = period.company_id
        GroupAccount = self.env["integration.group.account"].sudo().with_company(company)
        return GroupAccount._accounts_without_group_account(company, period.date_from, period.date_to)

    @api.model
    def _count_unmapped_accounts(self, period, shared=None):
        return len(self._unmapped_accounts(period)), self.env._(
            "The group trial balance would leave their movements out: map them to a group account."
        )

    @api.model
    def _action_unmapped_accounts(self, period):
        # The group-account completeness report of integration_mapping, for this entity and period.
        report = self.env["integration.group.account.completeness"].create(
            {"company_ids": period.company_id.ids, "date_from": period.date_from, "date_to": period.date_to}
        )
        return report.action_show()
