from odoo import api, models

from odoo.addons.integration_core.exceptions import BusinessError


class IntegrationHandlerMove(models.AbstractModel):
    """What the flows making journal entries and invoices share."""

    _name = "integration.handler.move"
    _inherit = "integration.handler"
    _description = "Accounting Document Flow"

    @api.model
    def _resolver(self, messages):
        """Translates the sender's codes into the entity's records (mapping tables hook in here)."""
        return self.env["integration.code.resolver"]._for_messages(messages)

    @api.model
    def _analytic_distribution(self, analytic):
        """A line's distribution from ``{dimension: analytic account}``: all of it on their combination."""
        accounts = [account for account in analytic.values() if account]
        if not accounts:
            return False
        return {",".join(str(account.id) for account in accounts): 100.0}

    @api.model
    def _check_lock_dates(self, company, date, journal, has_tax=False):
        """Odoo would silently move a locked date to the next open one: refuse it instead."""
        violated = company._get_violated_lock_dates(date, has_tax, journal)
        if violated:
            lock_date, lock_field = violated[-1]
            label = company._fields[lock_field].string if lock_field in company._fields else lock_field
            raise BusinessError(
                "locked_period",
                self.env._(
                    "The date %(date)s falls in a locked period (%(lock)s: %(lock_date)s). Reopen the "
                    "period or send the document with an open date.",
                    date=date,
                    lock=label,
                    lock_date=lock_date,
                ),
                lock=lock_field,
                lock_date=str(lock_date),
            )
