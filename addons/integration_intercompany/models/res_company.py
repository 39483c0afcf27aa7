from odoo import api, fields, models
from odoo.exceptions import UserError

# An unexplained intercompany difference below this (group currency) is rounding: no one is asked to look.
DEFAULT_UNEXPLAINED_THRESHOLD = 1.0


class ResCompany(models.Model):
    _inherit = "res.company"

    is_elimination_entity = fields.Boolean(
        string="Elimination Entity",
        help="Keeps the group's elimination entries, in the group currency on accounts of the group chart; "
        "it is no entity of its own in the consolidation, it is the eliminations column.",
    )
    ic_group_controller_id = fields.Many2one(
        "res.users",
        string="Group Controller",
        help="Asked to look at an intercompany difference of this entity nobody can explain. On the "
        "elimination entity: the group's controller, for entities without their own.",
    )
    ic_unexplained_threshold = fields.Float(
        string="Unexplained IC Difference Threshold",
        digits="Account",
        help="In the group currency: an unexplained intercompany difference above this raises an activity "
        "for the group controller. Zero: the elimination entity's threshold (the group's), else 1.00.",
    )
    ic_elimination_difference_account_id = fields.Many2one(
        "account.account",
        string="Elimination Difference Account",
        # The elimination entity's own accounts (a company has no company_id for check_company to read).
        domain="[('company_ids', 'in', id)]",
        help="On the elimination entity: where the part of an intercompany elimination that does not offset "
        "(translation at different rates, amounts that differ, timing) is booked.",
    )

    @api.model
    def _ic_elimination_entity(self, required=False):
        entity = self.sudo().search([("is_elimination_entity", "=", True)], order="id", limit=1)
        if required and not entity:
            raise UserError(
                self.env._("No company is marked as the elimination entity (Settings > Companies).")
            )
        return entity.with_env(self.env)

    @api.model
    def _ic_group_entities(self):
        """The entities consolidated: every company with an entity code except elimination entities."""
        return (
            self.sudo()
            .search([("entity_code", "!=", False), ("is_elimination_entity", "=", False)])
            .sorted(lambda company: (company.entity_code, company.id))
            .with_env(self.env)
        )

    def _ic_unexplained_threshold(self):
        """The entity's own threshold, else the group's (the elimination entity's), else the default."""
        self.ensure_one()
        company = self.sudo()
        group = self._ic_elimination_entity().sudo()
        return (
            company.ic_unexplained_threshold
            or group.ic_unexplained_threshold
            or DEFAULT_UNEXPLAINED_THRESHOLD
        )

    def _ic_group_controller(self):
        self.ensure_one()
        company = self.sudo()
        return company.ic_group_controller_id or self._ic_elimination_entity().sudo().ic_group_controller_id
