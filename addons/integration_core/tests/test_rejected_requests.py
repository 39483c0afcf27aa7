"""Requests the API refused appear in their own list, in words, for the finance users of the entity."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import IntegrationHttpCase

USER = "integration_core.group_integration_user"


@tagged("post_install", "-at_install")
class TestRejectedRequests(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("REFUSE")
        cls.key = cls._issue_key(cls.endpoint)
        cls.finance = cls._user("refuse_fin", [USER], cls.be01)
        cls.us_finance = cls._user("refuse_us", [USER], cls.us01)
        cls.Rejected = cls.env["integration.rejected.request"]

    def _rejected(self, key, user=None):
        Rejected = self.Rejected.with_user(user) if user else self.Rejected
        return Rejected.search([("endpoint_id", "=", self.endpoint.id), ("idempotency_key", "=", key)])

    def test_a_422_is_listed_with_its_reason_in_words(self):
        envelope = self._envelope(key="ref-422", payload={"ref": "static-bad"}, correlation_id="corr-422")
        response = self._post(self.key, envelope)
        self.assertEqual(response.status_code, 422, response.text)

        request = self._rejected("ref-422", user=self.finance)
        self.assertEqual(len(request), 1)
        self.assertEqual(request.endpoint_id, self.endpoint)
        self.assertEqual(request.endpoint_id.display_name, "Endpoint REFUSE")
        self.assertEqual(request.company_id, self.be01)
        self.assertEqual(request.flow_id, self.flow_echo)
        self.assertEqual(request.correlation_id, "corr-422")
        self.assertEqual(request.status, 422)
        self.assertEqual(request.refusal, "invalid")
        labels = dict(request._fields["refusal"]._description_selection(self.env))
        self.assertEqual(labels[request.refusal], "Refused: invalid data")
        self.assertEqual(request.reason, "refused by the static check (at payload › ref)")
        self.assertEqual(request.display_name, "Refused: invalid data · ref-422")
        self.assertTrue(request.create_date)
        # Found again by what the sender quotes, or by the reason's words.
        found = self.Rejected.with_user(self.finance).search([("reason_text", "ilike", "static check")])
        self.assertIn(request, found)
        self.assertEqual(
            self.Rejected.with_user(self.finance).search([("correlation_id", "=", "corr-422")]), request
        )

    def test_a_whole_request_refused_from_a_known_sender_is_listed(self):
        before = self.Rejected.search_count([("endpoint_id", "=", self.endpoint.id)])
        response = self._request(
            "POST", "/messages", key=self.key, raw=b"{not json", headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()["error"], "malformed_json")
        response = self._request(
            "POST", "/messages", key=self.key, raw=b"<xml/>", headers={"Content-Type": "application/xml"}
        )
        self.assertEqual(response.json(), {"error": "unsupported_media_type"})
        refused = self.Rejected.with_user(self.finance).search(
            [("endpoint_id", "=", self.endpoint.id)], order="id desc", limit=2
        )
        self.assertEqual(self.Rejected.search_count([("endpoint_id", "=", self.endpoint.id)]), before + 2)
        self.assertEqual(sorted(refused.mapped("status")), [400, 415])
        self.assertTrue(all(refused.mapped("correlation_id")))

    def test_a_refused_entity_says_which_and_why(self):
        response = self._post(self.key, self._envelope(key="ref-403", entity="US01"))
        self.assertEqual(response.status_code, 403, response.text)
        request = self._rejected("ref-403")
        self.assertEqual(
            (request.refusal, request.entity_code, request.company_id), ("forbidden", "US01", self.us01)
        )
        self.assertEqual(request.reason, response.json()["detail"])
        # The entity it concerns sees it; the endpoint's own entity does too.
        self.assertEqual(self._rejected("ref-403", user=self.us_finance), request)
        self.assertEqual(self._rejected("ref-403", user=self.finance), request)

    def test_a_reused_key_is_explained(self):
        self.assertEqual(self._post(self.key, self._envelope(key="ref-409")).status_code, 202)
        again = self._post(self.key, self._envelope(key="ref-409", payload={"ref": "changed"}))
        self.assertEqual(again.status_code, 409)
        request = self._rejected("ref-409")
        self.assertEqual(request.refusal, "idempotency_conflict")
        self.assertIn("already used", request.reason)

    def test_finance_users_see_their_entities_refusals_not_the_audit_log(self):
        self.assertEqual(self._post(self.key, self._envelope(key="ref-own", payload={})).status_code, 422)
        self.assertTrue(self._rejected("ref-own", user=self.finance))
        self.assertFalse(self._rejected("ref-own", user=self.us_finance))
        with self.assertRaises(AccessError):
            self.env["integration.audit.log"].with_user(self.finance).search([])
        menu = self.env.ref("integration_core.menu_integration_rejected_request")
        self.assertEqual(menu.parent_id.name, "Messages")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.finance)._visible_menu_ids())

    def test_rows_written_before_the_sent_names_were_kept_still_read(self):
        """Older audit rows name the key in their description only."""
        row = self.env["integration.audit.log"]._log(
            "rejected",
            self.endpoint,
            correlation_id="corr-old",
            description="422 invalid for idempotency key 'ref-old'",
            new_values={
                "status": 422,
                "error": "invalid",
                "errors": [{"path": "$.flow", "message": "unknown flow"}],
            },
        )
        request = self.Rejected.browse(row.id)
        self.assertEqual(
            (request.idempotency_key, request.status, request.refusal), ("ref-old", 422, "invalid")
        )
        self.assertEqual(request.reason, "unknown flow (at flow)")
