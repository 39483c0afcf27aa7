import hashlib
import hmac
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import crypto

DEFAULT_GRACE_HOURS = 24


class IntegrationSigningSecret(models.Model):
    """HMAC secrets of an endpoint, encrypted at rest.

    Rotation keeps the previous secret valid for a grace period, so the
    sender can switch without refused requests.
    """

    _name = "integration.signing.secret"
    _inherit = ["integration.guarded.mixin"]
    _description = "Integration Signing Secret"
    _order = "create_date desc, id desc"
    _check_company_auto = True
    _guard_frozen_fields = frozenset({"endpoint_id", "secret_encrypted", "grace_hours"})
    _guard_actions_hint = "New Signing Secret"

    endpoint_id = fields.Many2one("integration.endpoint", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True, index=True)
    secret_encrypted = fields.Char(readonly=True, groups="base.group_system", copy=False)
    valid_until = fields.Datetime(readonly=True, help="Empty while current; set when rotated out.")
    grace_hours = fields.Integer(
        default=DEFAULT_GRACE_HOURS,
        readonly=True,
        help="How long this secret stays valid once a newer one replaces it (set when it is made).",
    )
    is_current = fields.Boolean(compute="_compute_is_current")

    @api.depends("valid_until")
    def _compute_is_current(self):
        for secret in self:
            secret.is_current = not secret.valid_until

    def write(self, vals):
        self._guard_check("write")
        if "valid_until" in vals:
            valid_until = fields.Datetime.to_datetime(vals["valid_until"])
            # Even as superuser: a secret rotated out never becomes current or lives longer again.
            if any(old.valid_until and (not valid_until or valid_until > old.valid_until) for old in self):
                raise UserError(self.env._("A signing secret rotated out is never made valid longer."))
        return super().write(vals)

    @api.model
    def _rotate(self, endpoint, grace_hours=None):
        """A new current secret; the old one stays valid for its grace period. Returns the clear secret.

        ``grace_hours`` is the new secret's own grace period, for when it is rotated out in turn.
        """
        endpoint.check_access("write")
        if grace_hours is not None and grace_hours < 0:
            raise UserError(self.env._("A grace period cannot be negative."))
        now = fields.Datetime.now()
        current = self.sudo().search([("endpoint_id", "=", endpoint.id), ("valid_until", "=", False)])
        for old in current:
            old.valid_until = now + timedelta(hours=old.grace_hours)
        raw = secrets.token_hex(32)
        vals = {"endpoint_id": endpoint.id, "secret_encrypted": crypto.encrypt(self.env, raw)}
        if grace_hours is not None:
            vals["grace_hours"] = grace_hours
        secret = self.sudo().create(vals)
        self.env["integration.audit.log"]._log(
            "secret_rotated", endpoint, description=f"signing secret {secret.id} made current"
        )
        return raw

    @api.model
    def _verify(self, endpoint, timestamp, body, signature):
        """True when the signature matches a secret of the endpoint valid now."""
        now = fields.Datetime.now()
        secrets_ = self.sudo().search(
            [("endpoint_id", "=", endpoint.id), "|", ("valid_until", "=", False), ("valid_until", ">", now)]
        )
        message = timestamp.encode() + b"." + body
        for secret in secrets_:
            key = crypto.decrypt(self.env, secret.secret_encrypted).encode()
            expected = "sha256=" + hmac.new(key, message, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, signature):
                return True
        return False
