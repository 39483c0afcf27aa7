"""Events of the close (contract extension 1.4): a period locked from the cockpit, a period's
eliminations posted; each written with the change it announces."""

import json

from odoo import Command
from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationCase

from . import close_cockpit_common, ic_reporting_common
from .close_cockpit_common import CloseCockpitCase
from .ic_reporting_common import IcReportingFixtures


def _subscribe(case, companies, code):
    hook = case._create_endpoint(
        f"HOOK{code.upper().replace('.', '')}", companies=companies, flows=case.flow_echo
    )
    hook.subscription_ids = [
        Command.create(
            {"event_type_id": case.env.ref(f"integration_intercompany.event_{code.replace('.', '_')}").id}
        )
    ]
    return hook


def _outbox(case, hook):
    case.env.cr.flush()
    events = case.env["integration.message"].search(
        [("direction", "=", "out"), ("endpoint_id", "=", hook.id)]
    )
    return [json.loads(event.payload) for event in events]


@tagged("post_install", "-at_install")
class TestPeriodLockedEvent(CloseCockpitCase):
    def test_lock_from_the_cockpit_announces_the_period(self):
        hook = _subscribe(self, self.uk01, "period.locked")
        period = self._period(user=self.manager)
        self.env(user=self.manager)["integration.close.lock"].create({"period_id": period.id}).action_lock()
        [event] = _outbox(self, hook)
        self.assertEqual((event["type"], event["entity"]), ("period.locked", "UK01"))
        data = event["data"]
        self.assertEqual(
            (data["date_to"], data["locked"], data["forced"]),
            (str(close_cockpit_common.DATE_TO), ["fiscalyear_lock_date"], False),
        )


@tagged("post_install", "-at_install")
class TestReportingPublishedEvent(IcReportingFixtures, IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_ic_reporting()

    def test_posted_eliminations_publish_the_period(self):
        hook = _subscribe(self, self.elim, "reporting.published")
        Elimination = self.env["integration.elimination"].with_user(self.map_author)
        elimination = Elimination.with_company(self.elim).create(
            {
                "company_id": self.elim.id,
                "date_from": ic_reporting_common.DATE_FROM,
                "date_to": ic_reporting_common.DATE_TO,
            }
        )
        elimination.action_propose()
        elimination.with_user(self.map_approver).action_review()
        self.assertFalse(_outbox(self, hook), "nothing is published before the eliminations are posted")
        elimination.with_user(self.map_approver).action_post()
        [event] = _outbox(self, hook)
        self.assertEqual(event["type"], "reporting.published")
        self.assertEqual(event["data"]["entry"], elimination.move_id.name)
        self.assertEqual(event["data"]["date_to"], str(ic_reporting_common.DATE_TO))
