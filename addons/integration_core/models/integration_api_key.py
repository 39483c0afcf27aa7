import contextlib
import hashlib
import hmac
import logging
import secrets
import threading
from datetime import timedelta

import psycopg2.errors
from passlib.context import CryptContext

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import mute_logger

_logger = logging.getLogger(__name__)

KEY_PREFIX = "ik_"
INDEX_SIZE = 8  # characters after KEY_PREFIX that find the row
# A slow hash, as Odoo's own API keys: a leaked database does not leak keys.
KEY_CRYPT = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=6000)
LAST_USED_PRECISION = timedelta(minutes=1)
VERIFIED_KEYS = 1024  # presented keys whose slow hash this process remembers having checked


class _VerifiedKeys:
    """The slow hash's answer for keys already presented to this process, so that each request
    does not pay it again (4 ms of a 16 ms read).

    What is remembered is only that a presented key matches a stored hash:
    a fact that never changes (a key's hash is never rewritten). Whether the
    key still works is read from its row on every request (revoked, expired,
    endpoint archived), so a revocation takes effect at once in every worker.
    Keys are remembered by their SHA-256, never in clear.
    """

    def __init__(self, size):
        self.size = size
        self.hashes = {}  # sha256(presented key) -> the stored hash it matched
        self.lock = threading.Lock()

    @staticmethod
    def fingerprint(raw):
        return hashlib.sha256(raw.encode()).digest()

    def matches(self, fingerprint, key_hash):
        known = self.hashes.get(fingerprint)
        return known is not None and isinstance(key_hash, str) and hmac.compare_digest(known, key_hash)

    def remember(self, fingerprint, key_hash):
        with self.lock:
            if len(self.hashes) >= self.size:
                self.hashes.clear()  # rare (a thousand keys in use): they are simply checked again
            self.hashes[fingerprint] = key_hash


_verified = _VerifiedKeys(VERIFIED_KEYS)


class IntegrationApiKey(models.Model):
    _name = "integration.api.key"
    _inherit = ["integration.guarded.mixin"]
    _description = "Integration API Key"
    _order = "create_date desc, id desc"
    _check_company_auto = True
    _guard_frozen_fields = frozenset({"endpoint_id", "prefix", "key_hash"})
    _guard_actions_hint = "Issue API Key, Shorten Expiry, Revoke"

    name = fields.Char(required=True, readonly=True, default=lambda self: self.env._("API key"))
    endpoint_id = fields.Many2one("integration.endpoint", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True, index=True)
    prefix = fields.Char(readonly=True, index=True, help="First characters of the key, to recognise it.")
    key_hash = fields.Char(readonly=True, groups="base.group_system", copy=False)
    expires_at = fields.Datetime(readonly=True, help="The key stops working at this time.")
    revoked_at = fields.Datetime(readonly=True)
    revoked_by = fields.Many2one("res.users", readonly=True)
    last_used_at = fields.Datetime(readonly=True)
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")],
        compute="_compute_state",
    )

    @api.depends("expires_at", "revoked_at")
    def _compute_state(self):
        now = fields.Datetime.now()
        for key in self:
            if key.revoked_at:
                key.state = "revoked"
            elif key.expires_at and key.expires_at <= now:
                key.state = "expired"
            else:
                key.state = "active"

    def write(self, vals):
        self._guard_check("write")
        self._check_revocation_final(vals)
        self._check_expiry_only_shortened(vals)
        return super().write(vals)

    def _check_revocation_final(self, vals):
        """Even as superuser: a revoked key never works again; issue a new one instead."""
        if "revoked_at" not in vals:
            return
        revoked_at = fields.Datetime.to_datetime(vals["revoked_at"])
        if any(key.revoked_at and key.revoked_at != revoked_at for key in self):
            raise UserError(self.env._("A revoked API key stays revoked: issue a new key instead."))

    def _check_expiry_only_shortened(self, vals):
        """Even as superuser: an expiry moves earlier, never later nor away."""
        if "expires_at" not in vals:
            return
        expires_at = fields.Datetime.to_datetime(vals["expires_at"])
        for key in self:
            if key.expires_at and (not expires_at or expires_at > key.expires_at):
                raise UserError(
                    self.env._(
                        "The expiry of API key %(prefix)s can only be brought forward: issue a new key "
                        "for a longer life.",
                        prefix=key.prefix,
                    )
                )

    def _check_manage(self):
        """Keys are managed by whoever may configure their endpoint (Managers of its entity)."""
        self.check_access("read")
        self.endpoint_id.check_access("write")

    @api.model
    def _issue(self, endpoint, name=None, expires_at=None):
        """Create a key for the endpoint; return (record, the key in clear, shown once)."""
        endpoint.check_access("write")
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        key = self.sudo().create(
            {
                "name": name or self.env._("API key"),
                "endpoint_id": endpoint.id,
                "prefix": raw[: len(KEY_PREFIX) + INDEX_SIZE],
                "key_hash": KEY_CRYPT.hash(raw),
                "expires_at": expires_at,
            }
        )
        expiry = f", expires {key.expires_at} UTC" if key.expires_at else ", no expiry"
        self.env["integration.audit.log"]._log(
            "key_issued",
            key,
            description=f"key {key.prefix}... issued for endpoint {endpoint.code}{expiry}",
            new_values={"name": key.name, "expires_at": key.expires_at and str(key.expires_at)},
        )
        return key.sudo(False), raw

    def action_revoke(self):
        self._check_manage()
        for key in self:
            if key.revoked_at:
                continue
            key.sudo().write({"revoked_at": fields.Datetime.now(), "revoked_by": self.env.uid})
            self.env["integration.audit.log"]._log(
                "key_revoked", key, description=f"key {key.prefix}... revoked"
            )

    def action_shorten_expiry(self):
        self.ensure_one()
        self._check_manage()
        if self.revoked_at:
            raise UserError(self.env._("This API key is revoked: it no longer works at all."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Shorten Expiry of %s", self.prefix),
            "res_model": "integration.api.key.expiry",
            "view_mode": "form",
            "target": "new",
            "context": {"default_key_id": self.id},
        }

    def _shorten_expiry(self, expires_at):
        """Bring the key's expiry forward (a date already past ends the key now); never later."""
        self.ensure_one()
        self._check_manage()
        expires_at = fields.Datetime.to_datetime(expires_at)
        if not expires_at:
            raise UserError(self.env._("Give the new expiry date."))
        if self.revoked_at:
            raise UserError(self.env._("This API key is revoked: it no longer works at all."))
        if self.expires_at and expires_at >= self.expires_at:
            raise UserError(
                self.env._(
                    "The new expiry must be before the current one (%(current)s UTC): an expiry is only "
                    "ever brought forward. Issue a new key for a longer life.",
                    current=self.expires_at,
                )
            )
        old = self.expires_at
        self.sudo().write({"expires_at": expires_at})
        self.env["integration.audit.log"]._log(
            "key_expiry_shortened",
            self,
            description=f"key {self.prefix}... now expires {expires_at} UTC",
            old_values={"expires_at": old and str(old)},
            new_values={"expires_at": str(expires_at)},
        )

    @api.model
    def _authenticate(self, raw):
        """The active key record matching the presented key, or an empty recordset.

        Never logs the key itself: only its prefix.
        """
        if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 200:
            return self.browse()
        prefix = raw[: len(KEY_PREFIX) + INDEX_SIZE]
        now = fields.Datetime.now()
        # The row is read on every request: revoked, expired or archived, a key stops at once.
        candidates = self.sudo().search_fetch(
            [
                ("prefix", "=", prefix),
                ("revoked_at", "=", False),
                "|",
                ("expires_at", "=", False),
                ("expires_at", ">", now),
                ("endpoint_id.active", "=", True),
            ],
            ["endpoint_id", "key_hash", "last_used_at"],
        )
        fingerprint = _verified.fingerprint(raw)
        for key in candidates:
            if not _verified.matches(fingerprint, key.key_hash):
                if not KEY_CRYPT.verify(raw, key.key_hash):
                    continue
                _verified.remember(fingerprint, key.key_hash)
            key._touch(now)
            return key
        _logger.info("integration: refused API key with prefix %s", prefix)
        return self.browse()

    def _touch(self, now):
        """Record the key's last use, at most once a minute, never at the cost of the request.

        Concurrent requests with one key would otherwise collide on its row:
        a row another request is updating is skipped, and one updated since
        this transaction began is left as it is (to the minute, it is right).
        """
        if self.last_used_at and now - self.last_used_at <= LAST_USED_PRECISION:
            return
        with (
            contextlib.suppress(psycopg2.errors.SerializationFailure),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(flush=False),
        ):
            self.env.cr.execute(
                "UPDATE integration_api_key SET last_used_at = %s WHERE id IN "
                "(SELECT id FROM integration_api_key WHERE id = %s FOR UPDATE SKIP LOCKED)",
                (now, self.id),
            )
        self.invalidate_recordset(["last_used_at"])

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("API keys are revoked, never deleted, so the audit trail stays whole."))
