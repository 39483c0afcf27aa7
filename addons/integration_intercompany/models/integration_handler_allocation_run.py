from odoo import api, models

from odoo.addons.integration_core.exceptions import BusinessError

from .integration_allocation_key import period_dates


class IntegrationHandlerAllocationRun(models.AbstractModel):
    """allocation_run: a shared-service allocation asked by a scheduler or a close tool.

    The envelope's entity is the service entity; the payload names the key
    by its code and the month. The run is computed and invoiced at once
    (the review step is for people in Odoo). Idempotent per (key, period):
    a period already invoiced ends done on its run and makes nothing.
    """

    _name = "integration.handler.allocation_run"
    _inherit = "integration.handler"
    _description = "Allocation Run Flow"

    @api.model
    def _find_existing(self, message):
        payload = message._payload_dict()
        key = self._find_key(message.company_id, payload["key"])
        run = key._find_run(payload["period"]) if key else self.env["integration.allocation.run"]
        return run if run.state == "done" else run.browse()

    @api.model
    def _process(self, message):
        payload = message._payload_dict()
        key = self._find_key(message.company_id, payload["key"])
        if not key:
            raise BusinessError(
                "unknown_reference",
                self.env._(
                    "%(entity)s has no allocation key %(code)s.",
                    entity=message.company_id.entity_code,
                    code=payload["key"],
                ),
                type="allocation_key",
                value=payload["key"],
            )
        self._check_lock_dates(key, payload["period"])
        run, _created = key._run_period(payload["period"], message=message)
        return run

    @api.model
    def _find_key(self, company, code):
        return self.env["integration.allocation.key"].search(
            [("company_id", "=", company.id), ("code", "=", code)], limit=1
        )

    @api.model
    def _check_lock_dates(self, key, period):
        """Invoices dated in a locked period would be moved by Odoo to an open date: refuse with the lock."""
        _date_from, date_to = period_dates(self.env, period)
        violated = key._lock_violation(date_to)
        if violated:
            lock_date, lock_field = violated
            raise BusinessError(
                "locked_period",
                self.env._(
                    "%(period)s is locked in %(entity)s (%(lock_date)s): reopen it to invoice the allocation.",
                    period=period,
                    entity=key.company_id.entity_code,
                    lock_date=lock_date,
                ),
                lock=lock_field,
                lock_date=str(lock_date),
            )
