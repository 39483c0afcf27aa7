from odoo import fields, models

from ..models.integration_close_period import LOCK_KINDS


class IntegrationCloseLock(models.TransientModel):
    """Set an entity's lock date to the end of the period it closes; forcing it needs a reason."""

    _name = "integration.close.lock"
    _description = "Lock a Closed Period"

    period_id = fields.Many2one("integration.close.period", string="Close", required=True, readonly=True)
    company_id = fields.Many2one(related="period_id.company_id")
    date_to = fields.Date(related="period_id.date_to", string="Lock Up To")
    ready = fields.Boolean(related="period_id.ready")
    blocking_summary = fields.Char(related="period_id.blocking_summary")
    fiscalyear_lock_date = fields.Date(related="period_id.fiscalyear_lock_date")
    sale_lock_date = fields.Date(related="period_id.sale_lock_date")
    purchase_lock_date = fields.Date(related="period_id.purchase_lock_date")
    tax_lock_date = fields.Date(related="period_id.tax_lock_date")
    kind = fields.Selection(
        LOCK_KINDS,
        string="What to Lock",
        required=True,
        default="everything",
        help="Everything: no entry of the entity up to that day may be posted or changed (Odoo's global lock "
        "date). Sales and purchases: invoices and bills only. Tax return: entries with taxes only.",
    )
    force = fields.Boolean(
        string="Lock Although Not Ready",
        help="Lock while blocking items remain; the reason and the checklist go to the audit log.",
    )
    reason = fields.Text(help="Why the period is locked although it is not ready.")

    def action_lock(self):
        self.ensure_one()
        self.period_id._set_lock_date(self.kind, force=self.force, reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
