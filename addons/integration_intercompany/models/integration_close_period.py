from calendar import monthrange

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain

# Which of Odoo's lock dates (res.company, account) each choice of the cockpit sets. The hard
# lock date is left to Odoo's own screen: it can never be lifted, and Odoo allows no exception.
LOCK_KINDS = [
    ("everything", "Everything (global lock date)"),
    ("sale_purchase", "Sales and purchases"),
    ("tax", "Tax return"),
]
LOCK_FIELDS = {
    "everything": ["fiscalyear_lock_date"],
    "sale_purchase": ["sale_lock_date", "purchase_lock_date"],
    "tax": ["tax_lock_date"],
}
MANAGER_GROUP = "integration_core.group_integration_manager"
# Lock dates are an accounting control: who sets them in Odoo must also be allowed to here.
LOCK_GROUP = "account.group_account_manager"


def last_month(today):
    """First and last day of the month before ``today``'s: the period a close is usually about."""
    start = today.replace(day=1) - relativedelta(months=1)
    return start, start.replace(day=monthrange(start.year, start.month)[1])


class IntegrationClosePeriod(models.Model):
    """An entity's period close: its ready-to-close checklist, the hold of its flows and its lock date.

    The checklist is recomputed from live data (Refresh, and always before a
    lock); what it found is kept with the time it was read, so the group view
    shows every entity as of its last check.
    """

    _name = "integration.close.period"
    _description = "Period Close"
    _order = "date_to desc, company_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        required=True,
        readonly=True,
        index=True,
        domain=[("entity_code", "!=", False)],
    )
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    check_ids = fields.One2many("integration.close.check", "period_id", string="Checklist", readonly=True)
    checked_at = fields.Datetime(string="Checked On", readonly=True)
    ready = fields.Boolean(
        string="Ready to Close",
        compute="_compute_readiness",
        store=True,
        help="Checked, and no blocking item: warnings do not prevent the close.",
    )
    blocking_count = fields.Integer(string="Blocking Items", compute="_compute_readiness", store=True)
    warning_count = fields.Integer(string="Warnings", compute="_compute_readiness", store=True)
    blocking_summary = fields.Char(string="What Blocks", compute="_compute_readiness", store=True)
    entity_held = fields.Boolean(
        related="company_id.integration_hold",
        string="Entity on Hold",
        help="Inbound messages of the entity are refused and queued ones wait.",
    )
    fiscalyear_lock_date = fields.Date(related="company_id.fiscalyear_lock_date", string="Global Lock Date")
    sale_lock_date = fields.Date(related="company_id.sale_lock_date")
    purchase_lock_date = fields.Date(related="company_id.purchase_lock_date")
    tax_lock_date = fields.Date(related="company_id.tax_lock_date")
    locked = fields.Boolean(
        compute="_compute_locked", help="The entity's global lock date covers the whole period."
    )

    _period_unique = models.Constraint(
        "UNIQUE (company_id, date_from, date_to)", "This entity already has a close for this period."
    )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for period in self:
            if period.date_from > period.date_to:
                raise ValidationError(self.env._("The period starts after it ends."))

    @api.depends("company_id.entity_code", "date_from", "date_to")
    def _compute_name(self):
        for period in self:
            start, end = period.date_from, period.date_to
            if not (start and end):
                period.name = False
                continue
            whole_month = start.day == 1 and end == start + relativedelta(day=31)
            when = start.strftime("%Y-%m") if whole_month else f"{start} - {end}"
            period.name = f"{period.company_id.entity_code or period.company_id.name} · {when}"

    @api.depends("checked_at", "check_ids.status", "check_ids.count")
    def _compute_readiness(self):
        labels = dict(self.env["integration.close.check"]._fields["code"]._description_selection(self.env))
        for period in self:
            blocking = period.check_ids.filtered(lambda check: check.status == "blocking")
            period.ready = bool(period.checked_at) and not blocking
            period.blocking_count = len(blocking)
            period.warning_count = len(period.check_ids.filtered(lambda check: check.status == "warning"))
            period.blocking_summary = ", ".join(f"{labels[c.code]}: {c.count}" for c in blocking)

    @api.depends("company_id.fiscalyear_lock_date", "date_to")
    def _compute_locked(self):
        for period in self:
            lock = period.company_id.fiscalyear_lock_date
            period.locked = bool(lock and lock >= period.date_to)

    # ------------------------------------------------------------ opening
    @api.model
    def _open_for(self, companies, date_from, date_to):
        """The close of each entity for the period, made when missing, checked now.

        Anyone who sees an entity's integrations may look at its close: the
        records are made as the system, for the entities the user works in only.
        """
        outside = companies - self.env.user.company_ids
        if outside and not self.env.su:
            raise AccessError(
                self.env._("You do not work in %(entities)s.", entities=", ".join(outside.mapped("name")))
            )
        Period = self.sudo()
        existing = Period.search(
            Domain("company_id", "in", companies.ids)
            & Domain("date_from", "=", date_from)
            & Domain("date_to", "=", date_to)
        )
        missing = companies - existing.company_id
        periods = existing | Period.create(
            [{"company_id": company.id, "date_from": date_from, "date_to": date_to} for company in missing]
        )
        periods._refresh_checks()
        return self.browse(periods.ids)

    def _refresh_checks(self):
        """Read the checklist again from live data (as the system, for the period's entity only)."""
        self.check_access("read")
        Check = self.env["integration.close.check"].sudo()
        shared = {}
        for period in self.sudo():
            rows = Check._evaluate(period, shared)
            period.check_ids.unlink()
            Check.create(rows)
            period.checked_at = fields.Datetime.now()

    def action_refresh(self):
        self._refresh_checks()
        return True

    def action_open_audit(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_core.action_integration_audit_log"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------ hold
    def _check_close_manager(self, *groups):
        """Managers only, and only for entities they work in (Odoo would let them write none of it)."""
        user = self.env.user
        self.check_access("read")
        if self.env.su:
            return
        for group in (MANAGER_GROUP, *groups):
            if not user.has_group(group):
                raise AccessError(
                    self.env._("Only %(group)s may do this.", group=self.env.ref(group).sudo().full_name)
                )
        if self.company_id - user.company_ids:
            raise AccessError(self.env._("You do not work in this entity."))

    def action_hold_flows(self):
        """Hold every inbound flow of the entity for the close (core's entity hold)."""
        return self._set_hold(True)

    def action_release_flows(self):
        return self._set_hold(False)

    def _set_hold(self, hold):
        self._check_close_manager()
        Log = self.env["integration.audit.log"]
        for period in self:
            company = period.company_id.sudo()
            if company.integration_hold == hold:
                continue
            company.integration_hold = hold
            if hold:
                description = self.env._(
                    "Inbound messages of %(entity)s held for the close of %(period)s: new ones are refused "
                    "and queued ones wait.",
                    entity=company.name,
                    period=period.name,
                )
            else:
                description = self.env._(
                    "Hold of %(entity)s lifted from the close of %(period)s: queued messages run again.",
                    entity=company.name,
                    period=period.name,
                )
            Log._log(
                "hold",
                period,
                description=description,
                old_values={"integration_hold": not hold},
                new_values={"integration_hold": hold},
            )
        self._refresh_checks()
        return True

    # ------------------------------------------------------------ lock
    def action_open_lock(self):
        self.ensure_one()
        self._check_close_manager(LOCK_GROUP)
        self._refresh_checks()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Lock %(period)s", period=self.name),
            "res_model": "integration.close.lock",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_period_id": self.id},
        }

    def _set_lock_date(self, kind, force=False, reason=None):
        """Set the entity's lock date(s) of ``kind`` to the period's last day, audited.

        Refused while the checklist (read again now) has a blocking item,
        unless forced with a reason. A lock date already past the period is
        never moved back from here. Odoo's own checks still apply (a global
        lock with unmatched bank lines of the period is refused by Odoo).
        """
        self.ensure_one()
        self._check_close_manager(LOCK_GROUP)
        self._refresh_checks()
        reason = (reason or "").strip()
        if not self.ready:
            if not force:
                raise UserError(
                    self.env._(
                        "%(period)s is not ready to close: %(blocking)s. Resolve these first, or force "
                        "the lock with a reason.",
                        period=self.name,
                        blocking=self.blocking_summary,
                    )
                )
            if not reason:
                raise UserError(self.env._("Say why the period is locked although it is not ready."))
        company = self.company_id.sudo()
        fnames = [f for f in LOCK_FIELDS[kind] if not company[f] or company[f] < self.date_to]
        if not fnames:
            raise UserError(
                self.env._(
                    "%(entity)s is already locked up to %(date)s.",
                    entity=company.name,
                    date=max(company[f] for f in LOCK_FIELDS[kind]),
                )
            )
        old = {f: company[f] and str(company[f]) for f in fnames}
        company.write(dict.fromkeys(fnames, self.date_to))
        description = self.env._(
            "%(kind)s of %(entity)s locked up to %(date)s from the close cockpit.",
            kind=dict(LOCK_KINDS)[kind],
            entity=company.name,
            date=self.date_to,
        )
        if not self.ready:
            description += " " + self.env._(
                "Forced despite %(blocking)s: %(reason)s", blocking=self.blocking_summary, reason=reason
            )
        self.env["integration.audit.log"]._log(
            "close_locked",
            self,
            description=description,
            old_values=old,
            new_values={
                **{f: str(self.date_to) for f in fnames},
                "forced": not self.ready,
                "reason": reason or False,
                "checklist": {check.code: check.count for check in self.check_ids},
            },
        )
        return fnames
