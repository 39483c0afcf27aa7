from odoo import models


class IntegrationClosePeriod(models.Model):
    """``period.locked`` (contract extension 1.4): written with the lock date it announces."""

    _inherit = "integration.close.period"

    def _set_lock_date(self, kind, force=False, reason=None):
        fnames = super()._set_lock_date(kind, force=force, reason=reason)
        data = {
            "model": self._name,
            "id": self.id,
            "name": self.name,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "lock": kind,
            "locked": sorted(fnames),
            "forced": not self.ready,
        }
        self.env["integration.message"]._emit_events("period.locked", [(self.company_id, data, None, None)])
        return fnames


class IntegrationElimination(models.Model):
    """``reporting.published``: a period's eliminations posted, so its consolidated figures stand."""

    _inherit = "integration.elimination"

    def action_post(self):
        result = super().action_post()
        items = [
            (
                elimination.company_id,
                {
                    "model": self._name,
                    "id": elimination.id,
                    "name": elimination.name,
                    "report": "consolidated-trial-balance",
                    "date_from": elimination.date_from.isoformat(),
                    "date_to": elimination.date_to.isoformat(),
                    "currency": elimination.currency_id.name,
                    "entry": elimination.move_id.name,
                },
                None,
                None,
            )
            for elimination in self
        ]
        self.env["integration.message"]._emit_events("reporting.published", items)
        return result
