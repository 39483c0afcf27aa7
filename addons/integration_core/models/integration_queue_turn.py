from odoo import fields, models


class IntegrationQueueTurn(models.Model):
    """When each (entity, flow) group of the queue was last served: the round robin's memory.

    Written by the claim only (raw upsert in ``engine/claim.py``); nobody edits it.
    """

    _name = "integration.queue.turn"
    _description = "Integration Queue Turn"
    _log_access = False

    company_id = fields.Many2one("res.company", string="Entity", required=True, ondelete="cascade")
    flow_id = fields.Many2one("integration.flow", required=True, ondelete="cascade")
    last_claimed_at = fields.Datetime(required=True)

    _group_unique = models.Constraint("UNIQUE (company_id, flow_id)", "One turn per entity and flow.")
