"""Event subscriptions and deliveries on screen (Odoo tours in headless Chromium)."""

from odoo.tests import tagged

from .common import IntegrationHttpCase
from .receiver import Receiver
from .test_tours import require_browser


@tagged("post_install", "-at_install")
class TestEventsTour(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_browser()
        cls.manager = cls._user(
            "events_manager",
            ["integration_core.group_integration_manager", "integration_core.group_integration_auditor"],
            cls.be01,
        )
        cls.hook = cls._create_endpoint("TOUREVENTS", flows=cls.flow_echo)
        cls.sender = cls._create_endpoint("TOURSENDER")

    def test_a_manager_subscribes_and_sees_the_delivery(self):
        self.start_tour("/odoo", "integration_events_subscribe_tour", login="events_manager")
        subscription = self.hook.subscription_ids
        self.assertEqual(subscription.event_type_id, self.env.ref("integration_core.event_message_exception"))
        self.assertEqual(self.hook._outbound_url(), "http://127.0.0.1:9/hooks/tour")
        self.env.cr.execute(
            "SELECT outbound_url_encrypted FROM integration_endpoint WHERE id = %s", [self.hook.id]
        )
        self.assertNotIn("hooks/tour", self.env.cr.fetchone()[0], "the address is stored encrypted")

        with Receiver() as receiver:
            self.hook.outbound_url = receiver.url
            self._receive(
                self.sender, self._envelope(key="tour-ev", payload={"ref": "x", "outcome": "business"})
            )
            self._process()
            self.assertEqual(self.env["integration.message"]._deliver_outbound(), 1)
            self.assertEqual(len(receiver.received), 1)
        self.start_tour("/odoo", "integration_events_delivered_tour", login="events_manager")
