"""The finance user's daily screens in the browser (Odoo tours in headless Chromium): a refused request
found again, and the dashboard drilled down to the exceptions behind its figures."""

import unittest

from odoo.tests import common as odoo_common
from odoo.tests import tagged

from .common import IntegrationHttpCase


def require_browser():
    """Fail, rather than skip as Odoo would, when tours cannot run: a skipped tour hides a broken path."""
    if odoo_common.websocket is None:
        raise AssertionError("websocket-client is not installed: run scripts/setup.sh")
    try:
        odoo_common._find_executable()
    except unittest.SkipTest as error:
        raise AssertionError(
            "no Chrome/Chromium on the PATH: scripts/setup.sh installs Debian's chromium"
        ) from error


@tagged("post_install", "-at_install")
class TestCoreTours(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_browser()
        finance = cls.env["res.users"].search([("login", "=", "finance")])
        assert finance, "the demo finance user must be loaded"

    def test_a_refused_request_is_found_by_its_key(self):
        endpoint = self._create_endpoint("TOURREFUSE", flows=self.flow_je)
        key = self._issue_key(endpoint)
        payload = self._journal_entry_payload()
        del payload["lines"]
        envelope = self._envelope(flow="journal_entry", key="tour-refused-key", payload=payload)
        response = self._post(key, envelope)
        self.assertEqual(response.status_code, 422, response.text)

        self.start_tour("/odoo", "integration_core_rejected_request_tour", login="finance")
        refused = self.env["integration.rejected.request"].search([("endpoint_id", "=", endpoint.id)])
        self.assertEqual((refused.idempotency_key, refused.status), ("tour-refused-key", 422))
        self.assertFalse(self._message(endpoint, "tour-refused-key"), "a refused request stores no message")

    def test_the_dashboard_drills_down_to_the_exceptions_behind_its_figures(self):
        endpoint = self._create_endpoint("TOURDASH", flows=self.flow_je)
        payload = self._journal_entry_payload(debit="627777", credit="455000")
        envelope = self._envelope(flow="journal_entry", key="tour-dashboard", payload=payload)
        status, body, _headers = self._receive(endpoint, envelope)[0]
        self.assertEqual(status, 202, body)
        self._process()
        message = self._message(endpoint, "tour-dashboard")
        self.assertEqual(message.state, "exception")

        # The tour compares the dashboard's figure with the exceptions it opens; here, with the records.
        row = self.env["integration.dashboard"].search(
            [("company_id", "=", self.be01.id), ("flow_id", "=", self.flow_je.id)]
        )
        open_exceptions = self.env["integration.exception"].search_count(
            [("company_id", "=", self.be01.id), ("flow_id", "=", self.flow_je.id), ("state", "=", "open")]
        )
        self.assertEqual(row.open_exceptions, open_exceptions)
        self.start_tour("/odoo", "integration_core_dashboard_tour", login="finance")
        self.assertEqual(message.exception_ids.state, "open", "looking changes nothing")
