"""Who sees and may do what: groups, multi-company rules, keys, audit log."""

import logging

from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from odoo.addons.integration_core.engine import crypto

from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestSecurity(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint_be = cls._create_endpoint("SEC_BE", companies=cls.be01)
        cls.endpoint_us = cls._create_endpoint("SEC_US", companies=cls.us01)
        cls._receive(
            cls, cls.endpoint_be, cls._envelope(key="sec-be", payload={"ref": "x", "outcome": "business"})
        )
        cls._receive(cls, cls.endpoint_us, cls._envelope(key="sec-us", entity="US01"))
        cls.env["integration.message"]._process_queue()
        cls.msg_be = cls.env["integration.message"].search([("idempotency_key", "=", "sec-be")])
        cls.msg_us = cls.env["integration.message"].search([("idempotency_key", "=", "sec-us")])
        cls.finance_be = cls._user("fin_be", ["integration_core.group_integration_user"], cls.be01)
        cls.manager = cls._user(
            "int_mgr", ["integration_core.group_integration_manager"], cls.be01 | cls.us01
        )
        cls.auditor = cls._user(
            "int_aud", ["integration_core.group_integration_auditor"], cls.be01 | cls.us01
        )
        cls.employee = cls._user("plain", [], cls.be01)

    def _visible(self, user, model="integration.message"):
        return (
            self.env[model].with_user(user).search([("id", "in", (self.msg_be | self.msg_us).ids)])
            if model == "integration.message"
            else self.env[model].with_user(user).search([])
        )

    def test_user_sees_only_messages_and_exceptions_of_their_companies(self):
        self.assertEqual(self._visible(self.finance_be), self.msg_be)
        exceptions = self.env["integration.exception"].with_user(self.finance_be).search([])
        self.assertTrue(exceptions)
        self.assertEqual(exceptions.company_id, self.be01)

    def test_user_resolves_exceptions_but_cannot_configure(self):
        exception = self.msg_be.exception_ids.with_user(self.finance_be)
        exception.action_assign_to_me()
        self.assertEqual(exception.user_id, self.finance_be)
        exception._resolve("Handled by phone with the sender")
        self.assertEqual(exception.state, "resolved")
        with self.assertRaises(AccessError):
            self.endpoint_be.with_user(self.finance_be).write({"hold": True})
        with self.assertRaises(AccessError):
            self.env["integration.endpoint"].with_user(self.finance_be).create({"name": "x", "code": "X"})
        with self.assertRaises(AccessError):
            self.env["integration.audit.log"].with_user(self.finance_be).search([])

    def test_user_retries_and_cancels_messages(self):
        self.msg_be.with_user(self.finance_be).action_retry()
        self.assertEqual(self.msg_be.state, "received")
        self.msg_be.with_user(self.finance_be)._cancel("Duplicate of an invoice keyed by hand")
        self.assertEqual(self.msg_be.state, "cancelled")
        with self.assertRaises(AccessError):
            self.msg_us.with_user(self.finance_be).action_retry()

    def test_auditor_reads_everything_and_changes_nothing(self):
        self.assertEqual(self._visible(self.auditor), self.msg_be | self.msg_us)
        self.assertTrue(self.env["integration.audit.log"].with_user(self.auditor).search_count([]))
        with self.assertRaises(AccessError):
            self.msg_be.with_user(self.auditor).action_retry()
        with self.assertRaises(AccessError):
            self.msg_be.exception_ids.with_user(self.auditor).write({"resolution_note": "x"})
        with self.assertRaises(AccessError):
            self.endpoint_be.with_user(self.auditor).write({"hold": True})

    def test_manager_configures_endpoints_and_keys(self):
        endpoint = (
            self.env["integration.endpoint"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Bank",
                    "code": "BANK_MGR",
                    "company_id": self.be01.id,
                    "company_ids": [self.be01.id],
                }
            )
        )
        action = endpoint.action_issue_key()
        wizard = self.env[action["res_model"]].with_user(self.manager).with_context(action["context"])
        raw = wizard.create({"name": "bank"}).action_confirm()["context"]["integration_secret"]
        self.assertTrue(raw.startswith("ik_"))
        key = endpoint.key_ids
        self.assertEqual(len(key), 1)
        key.action_revoke()
        self.assertEqual(key.state, "revoked")

    def test_plain_employee_sees_nothing(self):
        for model in ("integration.message", "integration.exception", "integration.endpoint"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.employee).search([])

    def test_service_user_has_least_rights(self):
        service = self.endpoint_be.user_id
        self.assertEqual(service.company_ids, self.be01)
        self.assertFalse(service.has_group("integration_core.group_integration_user"))
        self.assertFalse(service.has_group("base.group_system"))
        self.assertFalse(service.has_group("account.group_account_manager"))
        # It cannot read another endpoint's messages, even in its company.
        other = self._create_endpoint("SEC_BE2", companies=self.be01)
        self._receive(other, self._envelope(key="sec-be2"))
        visible = self.env["integration.message"].with_user(service).search([])
        self.assertEqual(visible.endpoint_id, self.endpoint_be)
        self.endpoint_be.company_ids = self.be01 | self.us01
        self.assertEqual(service.company_ids, self.be01 | self.us01)

    def test_key_stored_only_as_hash_and_never_readable(self):
        key, raw = self.env["integration.api.key"]._issue(self.endpoint_be)
        self.env.flush_all()
        self.env.cr.execute("SELECT key_hash, prefix FROM integration_api_key WHERE id = %s", [key.id])
        key_hash, prefix = self.env.cr.fetchone()
        self.assertNotIn(raw, key_hash)
        self.assertNotIn(raw[12:], key_hash)
        self.assertTrue(raw.startswith(prefix))
        with self.assertRaises(AccessError):
            key.with_user(self.manager).read(["key_hash"])
        self.assertEqual(self.env["integration.api.key"]._authenticate(raw), key)
        with self.assertRaises(UserError):
            key.unlink()

    def test_refused_key_is_logged_by_prefix_only(self):
        raw = "ik_" + "A" * 43
        with self.assertLogs("odoo.addons.integration_core", level=logging.INFO) as logs:
            self.assertFalse(self.env["integration.api.key"]._authenticate(raw))
        text = "\n".join(logs.output)
        self.assertIn(raw[:11], text)
        self.assertNotIn(raw, text)

    def test_signing_secret_encrypted_at_rest(self):
        raw = self.env["integration.signing.secret"]._rotate(self.endpoint_be)
        secret = self.endpoint_be.secret_ids
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT secret_encrypted FROM integration_signing_secret WHERE id = %s", [secret.id]
        )
        stored = self.env.cr.fetchone()[0]
        self.assertNotIn(raw, stored)
        self.assertEqual(crypto.decrypt(self.env, stored), raw)
        with self.assertRaises(AccessError):
            secret.with_user(self.manager).read(["secret_encrypted"])

    def test_audit_log_is_append_only_for_everyone(self):
        row = self.env["integration.audit.log"].search([], limit=1)
        self.assertTrue(row)
        for env in (self.env, self.env(user=self.manager)):
            with self.assertRaises(AccessError):
                row.with_env(env).write({"description": "changed"})
            with self.assertRaises(AccessError):
                row.with_env(env).unlink()

    def test_configuration_changes_are_audited_with_before_and_after(self):
        self.endpoint_be.write({"backlog_limit": 123})
        row = self.env["integration.audit.log"].search(
            [
                ("res_model", "=", "integration.endpoint"),
                ("res_id", "=", self.endpoint_be.id),
                ("action", "=", "write"),
            ],
            limit=1,
        )
        self.assertEqual(row.new_values, {"backlog_limit": 123})
        self.assertEqual(row.old_values, {"backlog_limit": 50000})
        self.assertEqual(row.user_id, self.env.user)

    def test_neutralization_disables_endpoints(self):
        self.env.flush_all()
        for query in get_neutralization_queries(["integration_core"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.endpoint_be.active)
        self.assertTrue(self.endpoint_be.hold)
