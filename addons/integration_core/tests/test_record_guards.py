"""Messages, exceptions, API keys and signing secrets change only through the product's actions."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import JsonRpcException, tagged

from .common import IntegrationCase, IntegrationHttpCase

USER = "integration_core.group_integration_user"
MANAGER = "integration_core.group_integration_manager"
AUDITOR = "integration_core.group_integration_auditor"


class RecordGuardsMixin:
    @classmethod
    def _setup_guards(cls):
        cls.endpoint = cls._create_endpoint("GUARD", companies=cls.be01 | cls.us01)
        cls.other_endpoint = cls._create_endpoint("GUARD2", companies=cls.be01)
        for envelope in (
            cls._envelope(key="g-done", payload={"ref": "g-done"}),
            cls._envelope(key="g-biz", payload={"ref": "as-sent", "outcome": "business"}),
            cls._envelope(key="g-us", entity="US01", payload={"ref": "g-us", "outcome": "business"}),
        ):
            status, body, _headers = cls.env["integration.message"]._api_receive(cls.endpoint, [envelope])[0]
            assert status == 202, body
        cls.env["integration.message"]._process_queue()
        Message = cls.env["integration.message"]
        mine = Message.search([("endpoint_id", "=", cls.endpoint.id)])
        cls.done, cls.failed, cls.failed_us = (
            mine.filtered(lambda m, key=key: m.idempotency_key == key) for key in ("g-done", "g-biz", "g-us")
        )
        cls.exception = cls.failed.exception_ids
        cls.key, cls.raw_key = cls.env["integration.api.key"]._issue(cls.endpoint, name="shop")
        cls.env["integration.signing.secret"]._rotate(cls.endpoint)
        cls.secret = cls.endpoint.secret_ids
        cls.finance = cls._user("guard_fin", [USER], cls.be01)
        cls.manager = cls._user("guard_mgr", [MANAGER], cls.be01 | cls.us01)
        cls.auditor = cls._user("guard_aud", [AUDITOR], cls.be01 | cls.us01)
        cls.people = {"user": cls.finance, "manager": cls.manager, "auditor": cls.auditor}

    def _audit_rows(self, action, record):
        return self.env["integration.audit.log"].search(
            [("action", "=", action), ("res_model", "=", record._name), ("res_id", "=", record.id)]
        )


@tagged("post_install", "-at_install")
class TestRecordGuards(RecordGuardsMixin, IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_guards()

    def _assert_refused_for_everyone(self, records, vals_list, create_vals):
        for role, user in self.people.items():
            mine = records.with_user(user)
            for vals in vals_list:
                with self.subTest(role=role, vals=vals), self.assertRaises(AccessError):
                    mine.write(vals)
            with self.subTest(role=role, op="create"), self.assertRaises(AccessError):
                mine.browse().create(create_vals)
            with self.subTest(role=role, op="unlink"), self.assertRaises(AccessError):
                mine.unlink()

    # ------------------------------------------------------------ messages
    def test_nobody_writes_messages_directly(self):
        self.assertEqual(self.exception.state, "open")
        before = self.failed.read(["payload", "state", "company_id", "endpoint_id", "idempotency_key"])
        self._assert_refused_for_everyone(
            self.failed,
            [
                {"payload": '{"ref": "forged"}'},
                {"payload_hash": "0" * 64},
                {"state": "done"},
                {"company_id": self.us01.id},
                {"endpoint_id": self.other_endpoint.id},
                {"idempotency_key": "other"},
                {"result_model": "res.partner", "result_id": 1, "result_name": "forged"},
                {"attempts": 0, "errors": False},
            ],
            {
                "endpoint_id": self.endpoint.id,
                "flow_id": self.flow_echo.id,
                "schema_version": "1.0",
                "company_id": self.be01.id,
                "idempotency_key": "forged",
                "correlation_id": "forged",
                "payload": "{}",
            },
        )
        self.failed.invalidate_recordset()
        self.assertEqual(
            self.failed.read(["payload", "state", "company_id", "endpoint_id", "idempotency_key"]), before
        )

    def test_payload_rewrite_then_retry_posts_what_the_sender_sent(self):
        with self.assertRaises(AccessError):
            self.failed.with_user(self.finance).write({"payload": '{"ref": "forged", "outcome": "ok"}'})
        self.env["test.integration.record"].create({"name": "allow:as-sent"})
        self.failed.with_user(self.finance).action_retry()
        self._process()
        self.assertEqual(self.failed.state, "done")
        record = self.env["test.integration.record"].browse(self.failed.result_id)
        self.assertEqual(record.name, "as-sent")
        self.assertEqual(record.company_id, self.be01)
        self.assertTrue(self._audit_rows("retry", self.failed).filtered(lambda r: r.user_id == self.finance))

    def test_forged_state_is_not_what_the_sender_reads(self):
        with self.assertRaises(AccessError):
            self.failed.with_user(self.manager).write({"state": "done"})
        self.assertEqual(self.failed._api_dict()["state"], "exception")

    def test_what_was_received_never_changes_even_as_superuser(self):
        for vals in (
            {"payload": '{"ref": "forged"}'},
            {"payload_hash": "0" * 64},
            {"company_id": self.us01.id},
            {"endpoint_id": self.other_endpoint.id},
            {"flow_id": self.flow_je.id},
            {"schema_version": "9.9"},
            {"direction": "out"},
            {"idempotency_key": "other"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self.failed.sudo().write(vals)
        # The engine's own bookkeeping still goes through.
        self.failed.sudo().write({"next_attempt_at": fields.Datetime.now()})

    def test_intake_keeps_its_fast_path_and_people_do_not_receive(self):
        Message = self.env["integration.message"]
        self.assertFalse(Message._needs_orm_create())
        with self.assertRaises(AccessError):
            Message.with_user(self.endpoint.user_id).create(
                {
                    "endpoint_id": self.endpoint.id,
                    "flow_id": self.flow_echo.id,
                    "schema_version": "1.0",
                    "company_id": self.be01.id,
                    "idempotency_key": "by-orm",
                    "correlation_id": "by-orm",
                    "payload": "{}",
                }
            )
        for user in self.people.values():
            with self.assertRaises(AccessError):
                Message.with_user(user)._insert_received([{"company_id": self.be01.id}])

    def test_message_actions_check_group_and_entity(self):
        with self.assertRaises(AccessError):
            self.failed.with_user(self.auditor).action_retry()
        with self.assertRaises(AccessError):
            self.failed.with_user(self.auditor)._cancel("not mine to cancel")
        with self.assertRaises(AccessError):
            self.failed_us.with_user(self.finance).action_retry()
        self.failed.with_user(self.finance)._cancel("Booked by hand")
        self.assertEqual((self.failed.state, self.failed.cancel_reason), ("cancelled", "Booked by hand"))
        self.assertEqual(self.exception.state, "cancelled")
        self.assertTrue(self._audit_rows("cancel", self.failed))

    # ---------------------------------------------------------- exceptions
    def test_nobody_writes_exceptions_directly(self):
        self._assert_refused_for_everyone(
            self.exception,
            [
                {"state": "resolved"},
                {"code": "unexpected"},
                {"company_id": self.us01.id},
                {"resolution_note": "forged"},
                {"user_id": self.finance.id},
                {"message_id": self.done.id},
            ],
            {"name": "forged", "message_id": self.done.id, "company_id": self.be01.id, "code": "unexpected"},
        )
        self.assertEqual((self.exception.state, self.exception.code), ("open", "unknown_reference"))

    def test_assign_and_resolve_are_audited_actions(self):
        exception = self.exception.with_user(self.finance)
        exception.action_assign_to_me()
        self.assertEqual(self.exception.user_id, self.finance)
        self.assertTrue(self._audit_rows("exception_assigned", self.exception))
        action = exception.action_resolve()
        self.assertEqual(action["res_model"], "integration.exception.resolve")
        wizard = self.env[action["res_model"]].with_user(self.finance).with_context(action["context"])
        with self.assertRaises(UserError):
            wizard.create({"note": "   "}).action_confirm()
        wizard.create({"note": "Booked by hand as MISC/42"}).action_confirm()
        self.assertEqual(self.exception.state, "resolved")
        self.assertEqual(self.exception.resolution_note, "Booked by hand as MISC/42")
        self.assertEqual(self.exception.resolved_by, self.finance)
        row = self._audit_rows("exception_resolved", self.exception)
        self.assertEqual((row.user_id, row.description), (self.finance, "Booked by hand as MISC/42"))

    def test_exception_actions_check_group_and_entity(self):
        auditor_view = self.exception.with_user(self.auditor)
        with self.assertRaises(AccessError):
            auditor_view.action_assign_to_me()
        with self.assertRaises(AccessError):
            auditor_view._resolve("not mine to resolve")
        with self.assertRaises(AccessError):
            self.failed_us.exception_ids.with_user(self.finance)._resolve("another entity's")
        self.assertEqual(self.failed_us.exception_ids.state, "open")

    def test_people_who_see_an_exception_discuss_it_and_plan_activities(self):
        exception = self.exception.with_user(self.finance)
        message = exception.message_post(body="Called the payroll provider", message_type="comment")
        self.assertEqual(message.author_id, self.finance.partner_id)
        activity = exception.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.finance.id, summary="Check the account"
        )
        self.assertEqual(activity.res_id, self.exception.id)
        activity.action_feedback(feedback="Account created")
        self.assertFalse(self.exception.activity_ids)
        self.exception.with_user(self.auditor).message_post(body="Seen at the audit", message_type="comment")

    # ------------------------------------------------------------ API keys
    def test_nobody_writes_keys_directly(self):
        self.key.action_revoke()
        self._assert_refused_for_everyone(
            self.key,
            [
                {"revoked_at": False},
                {"expires_at": fields.Datetime.now() + timedelta(days=3650)},
                {"name": "renamed"},
                {"endpoint_id": self.other_endpoint.id},
            ],
            {"name": "forged", "endpoint_id": self.endpoint.id},
        )
        self.assertEqual(self.key.state, "revoked")

    def test_revocation_is_final_even_as_superuser(self):
        self.key.with_user(self.manager).action_revoke()
        self.assertEqual(self.key.revoked_by, self.manager)
        self.assertTrue(self._audit_rows("key_revoked", self.key))
        with self.assertRaises(UserError):
            self.key.sudo().write({"revoked_at": False})
        with self.assertRaises(UserError):
            self.key.with_user(self.manager).action_shorten_expiry()
        self.assertFalse(self.env["integration.api.key"]._authenticate(self.raw_key))

    def test_issue_with_expiry_then_only_shorten(self):
        action = self.endpoint.with_user(self.manager).action_issue_key()
        Issue = self.env[action["res_model"]].with_user(self.manager).with_context(action["context"])
        with self.assertRaises(UserError):
            yesterday = fields.Datetime.now() - timedelta(days=1)
            Issue.create({"name": "late", "expires_at": yesterday}).action_confirm()
        expiry = fields.Datetime.now().replace(microsecond=0) + timedelta(days=30)
        shown = Issue.create({"name": "payroll 2027", "expires_at": expiry}).action_confirm()
        raw = shown["context"]["integration_secret"]
        key = self.env["integration.api.key"]._authenticate(raw)
        self.assertEqual((key.name, key.expires_at), ("payroll 2027", expiry))
        self.assertIn("expires", self._audit_rows("key_issued", key).description)

        action = key.with_user(self.manager).action_shorten_expiry()
        Expiry = self.env[action["res_model"]].with_user(self.manager).with_context(action["context"])
        for later in (expiry, expiry + timedelta(days=1)):
            with self.subTest(later=later), self.assertRaises(UserError):
                Expiry.create({"expires_at": later}).action_confirm()
        sooner = expiry - timedelta(days=20)
        Expiry.create({"expires_at": sooner}).action_confirm()
        self.assertEqual(key.expires_at, sooner)
        row = self._audit_rows("key_expiry_shortened", key)
        self.assertEqual(row.user_id, self.manager)
        self.assertEqual(row.old_values, {"expires_at": str(expiry)})
        self.assertEqual(row.new_values, {"expires_at": str(sooner)})
        # Even as superuser an expiry never moves later nor away.
        for vals in ({"expires_at": expiry}, {"expires_at": False}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                key.sudo().write(vals)
        # A time already past ends the key now.
        Expiry.create({"expires_at": fields.Datetime.now() - timedelta(minutes=1)}).action_confirm()
        self.assertEqual(key.state, "expired")
        self.assertFalse(self.env["integration.api.key"]._authenticate(raw))

    def test_key_actions_are_for_managers_of_the_endpoint(self):
        for user in (self.finance, self.auditor):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.endpoint.with_user(user).action_issue_key()
                with self.assertRaises(AccessError):
                    self.key.with_user(user).action_revoke()
                with self.assertRaises(AccessError):
                    self.key.with_user(user)._shorten_expiry(fields.Datetime.now())
        self.assertEqual(self.key.state, "active")

    # ----------------------------------------------------- signing secrets
    def test_nobody_writes_signing_secrets_directly(self):
        self._assert_refused_for_everyone(
            self.secret,
            [
                {"grace_hours": 100000},
                {"valid_until": fields.Datetime.now()},
                {"endpoint_id": self.other_endpoint.id},
            ],
            {"endpoint_id": self.endpoint.id, "grace_hours": 1},
        )

    def test_grace_period_is_set_at_rotation_and_a_rotated_secret_never_lives_longer(self):
        self.env["integration.signing.secret"].with_user(self.manager)._rotate(self.endpoint, grace_hours=2)
        new = self.endpoint.secret_ids.filtered("is_current")
        self.assertEqual(new.grace_hours, 2)
        self.assertTrue(self.secret.valid_until)
        with self.assertRaises(UserError):
            self.secret.sudo().write({"valid_until": False})
        with self.assertRaises(AccessError):
            self.secret.sudo().write({"grace_hours": 48})
        before = fields.Datetime.now()
        self.env["integration.signing.secret"]._rotate(self.endpoint)
        self.assertLessEqual(new.valid_until, before + timedelta(hours=2, minutes=1))

    # ------------------------------------------------------------ endpoint
    def test_endpoint_form_cannot_reach_keys_secrets_or_service_user(self):
        endpoint = self.endpoint.with_user(self.manager)
        service = self.endpoint.user_id
        for vals in (
            {"user_id": self.manager.id},
            {"key_ids": [Command.update(self.key.id, {"expires_at": "2999-01-01 00:00:00"})]},
            {"key_ids": [Command.create({"name": "forged"})]},
            {"key_ids": [Command.delete(self.key.id)]},
            {"key_ids": [Command.unlink(self.key.id)]},
            {"key_ids": [Command.clear()]},
            {"secret_ids": [Command.update(self.secret.id, {"grace_hours": 100000})]},
            {"secret_ids": [Command.create({"grace_hours": 1})]},
            {"secret_ids": [Command.set([])]},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                endpoint.write(vals)
        other_key, _raw = self.env["integration.api.key"]._issue(self.other_endpoint)
        with self.assertRaises(AccessError):
            endpoint.write({"key_ids": [Command.link(other_key.id)]})
        with self.assertRaises(AccessError):
            self.env["integration.endpoint"].with_user(self.manager).create(
                {"name": "Sneaky", "code": "SNEAKY", "company_id": self.be01.id, "user_id": self.manager.id}
            )
        self.assertEqual(self.endpoint.user_id, service)
        self.assertEqual(other_key.endpoint_id, self.other_endpoint)
        self.assertEqual(self.key.state, "active")
        # The configuration a Manager owns is still theirs to change.
        endpoint.write({"backlog_limit": 77})
        self.assertEqual(self.endpoint.backlog_limit, 77)


@tagged("post_install", "-at_install")
class TestRecordGuardsOverJsonRpc(RecordGuardsMixin, IntegrationHttpCase):
    """The web client's own JSON-RPC, as a logged-in person would call it from a script."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_guards()

    def _call_kw(self, model, method, args, context=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": {"context": context or {}}},
        )

    def test_rewrites_over_json_rpc_are_refused(self):
        # Context flags are the caller's to send: none of them opens a way in.
        context = {"allowed_company_ids": self.be01.ids, "tracking_disable": True, "install_mode": True}
        attempts = [
            (self.finance, "integration.message", [self.failed.id], {"payload": '{"ref": "forged"}'}),
            (self.finance, "integration.message", [self.failed.id], {"state": "done"}),
            (self.finance, "integration.message", [self.failed.id], {"company_id": self.us01.id}),
            (self.finance, "integration.exception", [self.exception.id], {"state": "resolved"}),
            (self.manager, "integration.api.key", [self.key.id], {"expires_at": "2999-01-01 00:00:00"}),
            (self.manager, "integration.signing.secret", [self.secret.id], {"grace_hours": 100000}),
            (self.manager, "integration.endpoint", [self.endpoint.id], {"user_id": self.manager.id}),
        ]
        for user, model, ids, vals in attempts:
            with self.subTest(user=user.login, model=model, vals=vals):
                self.authenticate(user.login, user.login)
                with self.assertRaises(JsonRpcException) as refused:
                    self._call_kw(model, "write", [ids, vals], context)
                self.assertIn("AccessError", str(refused.exception))
        self.failed.invalidate_recordset()
        self.assertEqual((self.failed.state, self.failed.company_id), ("exception", self.be01))
        self.assertIn("as-sent", self.failed.payload)
        self.assertEqual(self.exception.state, "open")
        self.assertFalse(self.key.expires_at)

    def test_actions_and_comments_over_json_rpc_still_work(self):
        self.authenticate(self.finance.login, self.finance.login)
        self._call_kw("integration.exception", "action_assign_to_me", [[self.exception.id]])
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "integration.exception",
                "thread_id": self.exception.id,
                "post_data": {"body": "Asked the sender", "message_type": "comment"},
            },
        )
        self.assertEqual(self.exception.user_id, self.finance)
        self.assertIn("Asked the sender", self.exception.message_ids.mapped("body")[0])
