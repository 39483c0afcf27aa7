from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IntegrationEventSubscription(models.Model):
    """An endpoint takes one type of event, for some of its entities (and journals, for entries)."""

    _name = "integration.event.subscription"
    _inherit = ["integration.audited.mixin"]
    _description = "Event Subscription"
    _order = "endpoint_id, event_type_id"
    _check_company_auto = True

    endpoint_id = fields.Many2one("integration.endpoint", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True, index=True)
    event_type_id = fields.Many2one(
        "integration.flow",
        string="Event",
        required=True,
        ondelete="restrict",
        domain=[("direction", "=", "out")],
    )
    event_code = fields.Char(related="event_type_id.code", string="Event Code")
    by_journal = fields.Boolean(related="event_type_id.event_by_journal")
    entity_ids = fields.Many2many(
        "res.company",
        "integration_event_subscription_company_rel",
        "subscription_id",
        "company_id",
        string="Entities",
        domain=[("entity_code", "!=", False)],
        help="Empty: every entity the endpoint is allowed.",
    )
    journal_ids = fields.Many2many(
        "account.journal",
        "integration_event_subscription_journal_rel",
        "subscription_id",
        "journal_id",
        string="Journals",
        help="For entry events: only entries of these journals. Empty: every journal.",
    )
    active = fields.Boolean(default=True)

    _endpoint_event_unique = models.Constraint(
        "UNIQUE (endpoint_id, event_type_id)", "The endpoint already subscribes to this event."
    )

    @api.constrains("entity_ids", "endpoint_id")
    def _check_entities(self):
        for subscription in self:
            allowed = subscription.endpoint_id._service_user_companies()
            if subscription.entity_ids - allowed:
                raise ValidationError(
                    self.env._("An endpoint subscribes to events of the entities it is allowed only.")
                )

    def _covers(self, company, journal=None):
        self.ensure_one()
        entities = self.entity_ids or self.endpoint_id._service_user_companies()
        if company not in entities:
            return False
        return not (journal and self.journal_ids and journal not in self.journal_ids)
