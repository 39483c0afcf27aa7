"""Contract v1 through real HTTP: every status code of POST and GET /messages."""

import json
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import IntegrationHttpCase


@tagged("post_install", "-at_install")
class TestApiContract(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("SHOP")
        cls.key = cls._issue_key(cls.endpoint)

    def test_health_needs_no_key(self):
        response = self._request("GET", "/health")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})

    def test_202_then_200_duplicate_then_409_conflict(self):
        envelope = self._envelope(key="order-1", correlation_id="corr-abc")
        first = self._post(self.key, envelope)
        self.assertEqual(first.status_code, 202, first.text)
        body = first.json()
        self.assertEqual(body["state"], "received")
        self.assertEqual(body["correlation_id"], "corr-abc")
        self.assertIs(body["duplicate"], False)

        again = self._post(self.key, envelope)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["id"], body["id"])
        self.assertIs(again.json()["duplicate"], True)

        changed = self._post(self.key, self._envelope(key="order-1", payload={"ref": "other"}))
        self.assertEqual(changed.status_code, 409)
        self.assertEqual(
            self._without_correlation(changed), {"error": "idempotency_conflict", "id": body["id"]}
        )
        self.assertEqual(len(self._message(self.endpoint, "order-1")), 1)

    def test_correlation_id_generated_when_absent(self):
        response = self._post(self.key, self._envelope(key="order-2"))
        self.assertEqual(response.status_code, 202)
        self.assertTrue(response.json()["correlation_id"])

    def test_rejections_carry_a_correlation_id_that_the_audit_log_keeps(self):
        given = self._post(self.key, self._envelope(key="k-corr-1", entity="US01", correlation_id="corr-403"))
        self.assertEqual((given.status_code, given.json()["correlation_id"]), (403, "corr-403"))
        generated = self._post(self.key, self._envelope(key="k-corr-2", payload={}))
        self.assertEqual(generated.status_code, 422)
        correlation_id = generated.json()["correlation_id"]
        self.assertTrue(correlation_id)
        rejected = self.env["integration.audit.log"].search(
            [
                ("action", "=", "rejected"),
                ("res_id", "=", self.endpoint.id),
                ("res_model", "=", self.endpoint._name),
            ]
        )
        self.assertLessEqual({"corr-403", correlation_id}, set(rejected.mapped("correlation_id")))
        batch = self._post(self.key, {"messages": [self._envelope(key="k-corr-3", entity="US01"), 42]})
        self.assertTrue(all(item["correlation_id"] for item in batch.json()["results"]))

    def test_400_malformed_json_and_non_object(self):
        response = self._post(self.key, None, raw=b"{not json", headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "malformed_json")
        self.assertIn("detail", response.json())
        response = self._post(self.key, [1, 2])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "malformed_json")

    def test_401_missing_unknown_revoked_expired_key(self):
        envelope = self._envelope(key="k-401")
        self.assertEqual(self._post(None, envelope).status_code, 401)
        self.assertEqual(self._post("ik_notakeyatall", envelope).json(), {"error": "unauthorized"})
        self.assertEqual(self._post(self.key[:-2] + "xx", envelope).status_code, 401)

        revoked = self._issue_key(self.endpoint)
        key = self.env["integration.api.key"].search([("prefix", "=", revoked[:11])])
        self.assertEqual(self._post(revoked, self._envelope(key="k-rev-ok")).status_code, 202)
        key.action_revoke()
        self.assertEqual(self._post(revoked, envelope).status_code, 401)

        expired = self._issue_key(self.endpoint, expires_at=fields.Datetime.now() - timedelta(minutes=1))
        self.assertEqual(self._post(expired, envelope).status_code, 401)
        self.assertFalse(self._message(self.endpoint, "k-401"))

    def test_two_active_keys_rotate_without_downtime(self):
        second = self._issue_key(self.endpoint)
        self.assertEqual(self._post(self.key, self._envelope(key="rot-1")).status_code, 202)
        self.assertEqual(self._post(second, self._envelope(key="rot-2")).status_code, 202)

    def test_403_entity_or_flow_not_allowed(self):
        response = self._post(self.key, self._envelope(key="k-403", entity="US01"))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"], "forbidden")
        self.assertIn("US01", response.json()["detail"])
        narrow = self._create_endpoint("NARROW", flows=self.flow_echo)
        narrow_key = self._issue_key(narrow)
        response = self._post(
            narrow_key,
            self._envelope(flow="journal_entry", key="k-403b", payload=self._journal_entry_payload()),
        )
        self.assertEqual(response.status_code, 403)
        self.assertIn("journal_entry", response.json()["detail"])

    def test_413_body_over_the_limit(self):
        self.endpoint.max_body_kb = 1
        response = self._post(self.key, self._envelope(key="big", payload={"ref": "x" * 2000}))
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json(), {"error": "too_large"})

    def test_415_not_json(self):
        response = self._post(self.key, None, raw=b"<xml/>", headers={"Content-Type": "application/xml"})
        self.assertEqual(response.status_code, 415)
        self.assertEqual(response.json(), {"error": "unsupported_media_type"})

    def test_422_envelope_payload_static_check_unknown_flow_and_version(self):
        cases = {
            "missing payload field": (self._envelope(key="v1", payload={}), "$.payload.ref"),
            "missing envelope field": (
                {"flow": "test_echo", "schema_version": "1.0", "payload": {}},
                "$.entity",
            ),
            "unknown flow": (self._envelope(key="v2", flow="nope"), "$.flow"),
            "unknown version": (self._envelope(key="v3", version="9.9"), "$.schema_version"),
            "static check": (self._envelope(key="v4", payload={"ref": "static-bad"}), "$.payload.ref"),
            "bad key": (self._envelope(key="tab\tkey"), "$.idempotency_key"),
            "unbalanced entry": (
                self._envelope(
                    flow="journal_entry",
                    key="v5",
                    payload=self._journal_entry_payload()
                    | {"lines": [{"account": "6200", "debit": "10"}, {"account": "4530", "credit": "9"}]},
                ),
                "$.payload.lines",
            ),
        }
        for name, (envelope, path) in cases.items():
            with self.subTest(name):
                response = self._post(self.key, envelope)
                self.assertEqual(response.status_code, 422, response.text)
                body = response.json()
                self.assertEqual(body["error"], "invalid")
                self.assertIn(path, [error["path"] for error in body["errors"]], body)
                self.assertTrue(all(error["message"] for error in body["errors"]))

    def test_429_busy_with_retry_after(self):
        self.endpoint.backlog_limit = 2
        for index in range(2):
            self.assertEqual(self._post(self.key, self._envelope(key=f"bp-{index}")).status_code, 202)
        response = self._post(self.key, self._envelope(key="bp-2"))
        self.assertEqual(response.status_code, 429)
        self.assertEqual(self._without_correlation(response), {"error": "busy"})
        self.assertTrue(int(response.headers["Retry-After"]) > 0)

    def test_503_on_hold_per_endpoint_flow_and_entity(self):
        holders = [self.endpoint, self.flow_echo, self.be01]
        for index, holder in enumerate(holders):
            field = "integration_hold" if holder._name == "res.company" else "hold"
            holder[field] = True
            response = self._post(self.key, self._envelope(key=f"hold-{index}"))
            self.assertEqual(response.status_code, 503, holder)
            self.assertEqual(self._without_correlation(response), {"error": "on_hold"})
            self.assertIn("Retry-After", response.headers)
            holder[field] = False
        self.assertEqual(self._post(self.key, self._envelope(key="hold-off")).status_code, 202)

    def test_batch_answers_each_envelope_in_order(self):
        self._post(self.key, self._envelope(key="b-dup"))
        body = {
            "messages": [
                self._envelope(key="b-1"),
                self._envelope(key="b-dup"),
                self._envelope(key="b-2", entity="US01"),
                self._envelope(key="b-3", payload={}),
                self._envelope(key="b-1"),
                "not an object",
            ]
        }
        response = self._post(self.key, body)
        self.assertEqual(response.status_code, 200)
        statuses = [item["status"] for item in response.json()["results"]]
        self.assertEqual(statuses, ["accepted", "duplicate", "forbidden", "invalid", "duplicate", "invalid"])
        results = response.json()["results"]
        self.assertEqual(results[4]["id"], results[0]["id"])
        self.assertEqual(len(self._message(self.endpoint, "b-1")), 1)

    def test_batch_over_1000_is_invalid(self):
        response = self._post(self.key, {"messages": [self._envelope(key=f"x{i}") for i in range(1001)]})
        self.assertEqual(response.status_code, 422)

    def test_get_by_id_and_by_idempotency_key(self):
        created = self._post(self.key, self._envelope(key="get-1")).json()
        by_id = self._request("GET", f"/messages/{created['id']}", key=self.key)
        self.assertEqual(by_id.status_code, 200)
        self.assertEqual(by_id.json()["idempotency_key"], "get-1")
        self.assertEqual(by_id.json()["entity"], "BE01")
        by_key = self._request("GET", "/messages?idempotency_key=get-1", key=self.key)
        self.assertEqual(by_key.json()["id"], created["id"])
        self.assertEqual(self._request("GET", "/messages/999999999", key=self.key).status_code, 404)
        self.assertEqual(self._request("GET", f"/messages/{created['id']}").status_code, 401)

    def test_key_of_be01_cannot_post_to_or_read_us01(self):
        us_endpoint = self._create_endpoint("USSHOP", companies=self.us01)
        us_key = self._issue_key(us_endpoint)
        us_message = self._post(us_key, self._envelope(key="us-1", entity="US01")).json()
        self.assertEqual(self._post(self.key, self._envelope(key="us-2", entity="US01")).status_code, 403)
        self.assertEqual(self._request("GET", f"/messages/{us_message['id']}", key=self.key).status_code, 404)
        self.assertEqual(
            self._request("GET", "/messages?idempotency_key=us-1", key=self.key).status_code, 404
        )

    def test_signature_required(self):
        self.endpoint.require_signature = True
        secret = self.env["integration.signing.secret"]._rotate(self.endpoint)
        body = json.dumps(self._envelope(key="sig-1")).encode()
        good = self._post(self.key, None, raw=body, headers=self._signed_headers(secret, body))
        self.assertEqual(good.status_code, 202, good.text)

        body2 = json.dumps(self._envelope(key="sig-2")).encode()
        tampered = self._post(
            self.key, None, raw=body2.replace(b"sig-2", b"sig-3"), headers=self._signed_headers(secret, body2)
        )
        wrong_secret = self._post(self.key, None, raw=body2, headers=self._signed_headers("0" * 64, body2))
        stale = self._post(
            self.key, None, raw=body2, headers=self._signed_headers(secret, body2, time.time() - 301)
        )
        unsigned = self._post(self.key, None, raw=body2, headers={"Content-Type": "application/json"})
        for response in (tampered, wrong_secret, stale, unsigned):
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response.json(), {"error": "unauthorized"})
        self.assertFalse(self._message(self.endpoint, "sig-2") | self._message(self.endpoint, "sig-3"))

    def test_rotated_secret_stays_valid_during_grace(self):
        self.endpoint.require_signature = True
        old = self.env["integration.signing.secret"]._rotate(self.endpoint)
        new = self.env["integration.signing.secret"]._rotate(self.endpoint)
        for index, secret in enumerate((old, new)):
            body = json.dumps(self._envelope(key=f"grace-{index}")).encode()
            response = self._post(self.key, None, raw=body, headers=self._signed_headers(secret, body))
            self.assertEqual(response.status_code, 202)
        past = self.env["integration.signing.secret"].search(
            [("endpoint_id", "=", self.endpoint.id), ("valid_until", "!=", False)]
        )
        past.sudo().valid_until = fields.Datetime.now() - timedelta(seconds=1)
        body = json.dumps(self._envelope(key="grace-late")).encode()
        self.assertEqual(
            self._post(self.key, None, raw=body, headers=self._signed_headers(old, body)).status_code, 401
        )

    def test_endpoint_of_another_environment_is_refused(self):
        self.endpoint.environment = "prod"  # the test server runs as 'dev'
        with self.assertLogs("odoo.addons.integration_core.controllers.common", "WARNING") as logged:
            response = self._post(self.key, self._envelope(key="env-1"))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "unauthorized")
        self.assertIn("not accepted here", response.json()["detail"])
        self.assertIn("this database is dev", logged.output[0])
        self.assertFalse(self._message(self.endpoint, "env-1"), "nothing is stored")
        refused = self.env["integration.audit.log"].search(
            [
                ("action", "=", "rejected"),
                ("res_id", "=", self.endpoint.id),
                ("res_model", "=", "integration.endpoint"),
            ]
        )
        self.assertIn("production environment", str(refused.new_values))
        self.assertIn("Production endpoint", self.endpoint.environment_note)

    def test_screens_know_the_environment(self):
        self.authenticate("admin", "admin")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        self.assertEqual(info["integration_environment"], "dev")

    def _without_correlation(self, response):
        """The answer's body without its correlation id, which every answer about an envelope carries."""
        body = response.json()
        self.assertTrue(body.pop("correlation_id", None), body)
        return body
