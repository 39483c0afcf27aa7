from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import config

ENVIRONMENTS = [("dev", "Development"), ("test", "Test"), ("prod", "Production")]
PENDING_STATES = ("received", "processing", "retry")


class IntegrationEndpoint(models.Model):
    """One external system (a bank, the payroll provider, the web shop...)."""

    _name = "integration.endpoint"
    _inherit = ["integration.audited.mixin", "mail.thread"]
    _description = "Integration Endpoint"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(required=True, index=True, help="Short technical name, e.g. PAYROLL.")
    endpoint_type = fields.Selection(
        [
            ("bank", "Bank"),
            ("payroll", "Payroll"),
            ("procurement", "Procurement"),
            ("expenses", "Expenses"),
            ("billing", "Billing / eCommerce"),
            ("payment_gateway", "Payment Gateway"),
            ("tax", "Tax Engine"),
            ("reporting", "Group Reporting"),
            ("other", "Other"),
        ],
        string="Type",
        required=True,
        default="other",
    )
    environment = fields.Selection(ENVIRONMENTS, required=True, default="dev", tracking=True)
    company_id = fields.Many2one(
        "res.company",
        string="Owner Entity",
        required=True,
        default=lambda self: self.env.company,
        help="Entity that administers this endpoint; it sees it in its company.",
    )
    company_ids = fields.Many2many(
        "res.company",
        "integration_endpoint_company_rel",
        "endpoint_id",
        "company_id",
        string="Allowed Entities",
        domain=[("entity_code", "!=", False)],
        help="Entities this endpoint may send messages for.",
    )
    flow_ids = fields.Many2many("integration.flow", string="Allowed Flows")
    user_id = fields.Many2one(
        "res.users",
        string="Service User",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="Every write of this endpoint runs as this user, so Odoo's access rights and "
        "multi-company rules apply.",
    )
    require_signature = fields.Boolean(
        help="Requests must carry X-Timestamp and an HMAC-SHA256 X-Signature made with the signing secret.",
        tracking=True,
    )
    max_body_kb = fields.Integer(string="Body Size Limit (KB)", default=10240, required=True)
    backlog_limit = fields.Integer(
        default=50000,
        required=True,
        help="Back-pressure: new messages are refused with 'busy' (429) while this many are pending.",
    )
    hold = fields.Boolean(
        tracking=True, help="Hold: new messages are refused with 'on_hold' (503) and queued ones wait."
    )
    active = fields.Boolean(default=True)
    key_ids = fields.One2many("integration.api.key", "endpoint_id", string="API Keys")
    secret_ids = fields.One2many("integration.signing.secret", "endpoint_id", string="Signing Secrets")
    message_count = fields.Integer(compute="_compute_message_count")

    _code_unique = models.Constraint("UNIQUE (code)", "An endpoint with this code already exists.")

    @api.constrains("max_body_kb", "backlog_limit")
    def _check_limits(self):
        for endpoint in self:
            if endpoint.max_body_kb <= 0 or endpoint.backlog_limit <= 0:
                raise ValidationError(self.env._("Size and backlog limits must be positive."))

    def _compute_message_count(self):
        counts = dict(
            self.env["integration.message"]._read_group(
                [("endpoint_id", "in", self.ids)], ["endpoint_id"], ["__count"]
            )
        )
        for endpoint in self:
            endpoint.message_count = counts.get(endpoint, 0)

    # ------------------------------------------------------------ service user
    @api.model_create_multi
    def create(self, vals_list):
        self._check_service_user_untouched(vals_list)
        endpoints = super().create(vals_list)
        for endpoint in endpoints:
            endpoint.sudo().user_id = endpoint._create_service_user()
        return endpoints

    def write(self, vals):
        self._check_service_user_untouched([vals])
        result = super().write(vals)
        if {"company_ids", "company_id", "active", "name", "flow_ids"} & set(vals):
            self._sync_service_user()
        return result

    def _check_service_user_untouched(self, vals_list):
        """The service user is the endpoint's own, made with it: nobody points it at another user."""
        if not self.env.su and any("user_id" in vals for vals in vals_list):
            raise AccessError(
                self.env._("The service user of an endpoint is set by the product, never by hand.")
            )

    def _service_user_companies(self):
        return self.company_ids or self.company_id

    def _service_user_groups(self):
        """What the engine needs, plus the rights each allowed flow declares for its handler: no more.

        An archived flow processes nothing: its rights go with it.
        """
        self.ensure_one()
        flows = self.sudo().flow_ids.filtered("active")
        groups = self.env.ref("integration_core.group_integration_service") | flows.group_ids
        if len(self._service_user_companies()) > 1:
            # Odoo itself gives it to every user of several companies and keeps it in step.
            groups |= self.env.ref("base.group_multi_company")
        return groups

    def _create_service_user(self):
        self.ensure_one()
        companies = self._service_user_companies()
        return (
            self.env["res.users"]
            .sudo()
            .with_context(no_reset_password=True, mail_create_nosubscribe=True)
            .create(
                {
                    "name": self.env._("Integration: %s", self.name),
                    "login": f"integration-{self.code.lower()}-{self.id}",
                    "company_id": companies[:1].id,
                    "company_ids": [Command.set(companies.ids)],
                    "group_ids": [Command.set(self._service_user_groups().ids)],
                }
            )
        )

    @api.model
    def _sync_all_service_users(self):
        """Every service user made again as its endpoint says now: run on each module update, so that
        users made under earlier rules get exactly their flows' rights."""
        self.sudo().with_context(active_test=False).search([])._sync_service_user()

    def _sync_service_user(self):
        for endpoint in self.sudo():
            user = endpoint.user_id
            if not user:
                continue
            companies = endpoint._service_user_companies()
            vals = {
                "name": self.env._("Integration: %s", endpoint.name),
                "company_ids": [Command.set(companies.ids)],
                "company_id": user.company_id.id if user.company_id in companies else companies[:1].id,
                "active": endpoint.active,
            }
            groups = endpoint._service_user_groups()
            if user.group_ids != groups:  # changing groups clears every cache of the registry
                vals["group_ids"] = [Command.set(groups.ids)]
            user.write(vals)

    # ---------------------------------------------------------------- checks
    @api.model
    def _server_environment(self):
        return config.get("integration_environment") or "dev"

    def _may_serve(self):
        """An endpoint serves only in the environment it was made for.

        A production database restored into test keeps 'prod' endpoints,
        which then stay silent there.
        """
        self.ensure_one()
        return self.active and self.environment == self._server_environment()

    def _pending_count(self):
        self.ensure_one()
        self.env.cr.execute(
            # Inbound only: events waiting for this endpoint's receiver never refuse what it sends.
            "SELECT count(*) FROM integration_message WHERE endpoint_id = %s AND state IN %s AND direction = 'in'",
            (self.id, PENDING_STATES),
        )
        return self.env.cr.fetchone()[0]

    # --------------------------------------------------------------- actions
    def action_issue_key(self):
        """Ask for the key's name and optional expiry; the key is made and shown once on confirmation."""
        self.ensure_one()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Issue API Key"),
            "res_model": "integration.api.key.issue",
            "view_mode": "form",
            "target": "new",
            "context": {"default_endpoint_id": self.id},
        }

    def action_rotate_signing_secret(self):
        self.ensure_one()
        raw = self.env["integration.signing.secret"]._rotate(self)
        return self.env["integration.secret.show"]._show_action(
            raw,
            self.env._("Signing secret for %s", self.name),
            self.env._(
                "Copy this secret now: it is shown only once. The previous secret stays valid "
                "for its grace period."
            ),
        )

    def action_toggle_hold(self):
        for endpoint in self:
            endpoint.hold = not endpoint.hold
        self.env["integration.message"]._trigger_processing()

    def action_view_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("integration_core.action_integration_message")
        action["domain"] = [("endpoint_id", "=", self.id)]
        return action

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_messages(self):
        if self.env["integration.message"].sudo().search_count([("endpoint_id", "in", self.ids)], limit=1):
            raise UserError(self.env._("Endpoints with messages cannot be deleted: archive them instead."))

    def unlink(self):
        users = self.sudo().user_id
        result = super().unlink()
        users.write({"active": False})
        return result
