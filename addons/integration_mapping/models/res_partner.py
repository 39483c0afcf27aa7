from odoo import fields, models


class ResPartner(models.Model):
    """Contacts keep the integration trace of the partner flow.

    ``integration_message_id`` is the message whose data the contact holds
    now: its creation, then each update. That also orders updates: a
    message older than it (a replay, a late retry) changes nothing, so the
    newest master data sent always wins. Earlier messages stay findable by
    their result, and the audit log keeps every step.
    """

    _name = "res.partner"
    _inherit = ["res.partner", "integration.traced.mixin"]

    integration_link_ids = fields.One2many(
        "integration.partner.link", "partner_id", string="External IDs", readonly=True
    )
