from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IntegrationEndpoint(models.Model):
    _inherit = "integration.endpoint"

    payment_journal_ids = fields.Many2many(
        "account.journal",
        "integration_endpoint_payment_journal_rel",
        "endpoint_id",
        "journal_id",
        string="Payment Journals",
        domain="[('type', 'in', ('bank', 'cash', 'credit'))]",
        help="Where this endpoint's payments are registered when a payment status names no journal: "
        "one journal per entity. An entity without one gets its first bank journal.",
    )

    @api.constrains("payment_journal_ids", "company_ids", "company_id")
    def _check_payment_journals(self):
        for endpoint in self.sudo():
            journals = endpoint.payment_journal_ids
            allowed = endpoint._service_user_companies()
            foreign = journals.filtered(lambda journal, allowed=allowed: journal.company_id not in allowed)
            if foreign:
                raise ValidationError(
                    self.env._(
                        "Payment journal %(journal)s belongs to %(entity)s, which this endpoint may not send for.",
                        journal=foreign[0].display_name,
                        entity=foreign[0].company_id.name,
                    )
                )
            if len(journals.company_id) < len(journals):
                raise ValidationError(
                    self.env._("Give this endpoint at most one payment journal per entity.")
                )

    def _payment_journal_for(self, company):
        """The entity's default payment journal on this endpoint (empty when none is set)."""
        self.ensure_one()
        journals = self.sudo().payment_journal_ids.filtered(lambda journal: journal.company_id == company)
        return journals[:1].with_env(self.env)
