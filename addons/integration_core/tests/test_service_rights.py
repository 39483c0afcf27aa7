"""Service users hold the engine's own group plus the rights their allowed flows declare, kept in sync."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import IntegrationCase

ECHO_GROUP = "test_integration_core.group_flow_test_echo"


@tagged("post_install", "-at_install")
class TestServiceRights(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service = cls.env.ref("integration_core.group_integration_service")
        cls.echo_group = cls.env.ref(ECHO_GROUP)
        cls.endpoint = cls._create_endpoint("ECHO", flows=cls.flow_echo)
        cls.user = cls.endpoint.user_id

    def _echo(self, key):
        status, body, _headers = self._receive(self.endpoint, self._envelope(key=key))[0]
        self.assertEqual(status, 202, body)
        self._process()
        return self._message(self.endpoint, key)

    def test_base_service_group_grants_no_accounting(self):
        self.assertEqual(self.user.group_ids, self.service | self.echo_group)
        for group in ("account.group_account_invoice", "account.group_account_readonly"):
            self.assertFalse(self.user.has_group(group), group)
        Move = self.env["account.move"].with_user(self.user).with_company(self.be01)
        with self.assertRaises(AccessError):
            Move.search([], limit=1)

    def test_flow_declares_what_its_handler_may_write(self):
        message = self._echo("rights-1")
        self.assertEqual(message.state, "done", message.errors)
        record = self.env["test.integration.record"].browse(message.result_id)
        self.assertEqual(record.create_uid, self.user)

    def test_handler_lacking_rights_ends_in_exception_without_writing(self):
        self.flow_echo.group_ids = [Command.clear()]
        self.assertEqual(self.user.group_ids, self.service, "a flow's change reaches its endpoints' users")
        message = self._echo("rights-2")
        self.assertEqual(message.state, "exception")
        made = self.env["test.integration.record"].search([("integration_message_id", "=", message.id)])
        self.assertFalse(made)

    def test_archived_flow_takes_its_rights_away(self):
        self.flow_echo.active = False
        self.assertFalse(self.user.has_group(ECHO_GROUP))
        self.flow_echo.active = True
        self.assertTrue(self.user.has_group(ECHO_GROUP))

    def test_module_update_resyncs_users_made_under_earlier_rules(self):
        # As made before flows declared their rights: Invoicing for every service user.
        invoicing = self.env.ref("account.group_account_invoice")
        self.user.group_ids = [Command.set((self.service | invoicing).ids)]
        self.env["integration.endpoint"]._sync_all_service_users()
        self.assertEqual(self.user.group_ids, self.service | self.echo_group)
        self.assertFalse(self.user.has_group("account.group_account_invoice"))
