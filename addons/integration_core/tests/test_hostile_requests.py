"""Hostile requests through real HTTP: headers, ids, queries, methods and routes answer JSON, never a 500.

Issue 10's cases: an Authorization header holding NUL (refused before the
database sees it), ``?idempotency_key=%00``, ``/messages/<5000 digits>``,
HTML 405 answers, unknown routes; and an unforeseen fault, which stays a
500 with a request id and no traceback.
"""

from unittest.mock import patch

from odoo.tests import tagged

from .hostile_common import HostileCase


@tagged("post_install", "-at_install")
class TestHostileRequests(HostileCase):
    def test_a_hostile_authorization_header_is_401_without_reaching_the_database(self):
        valid = f"Bearer {self.key}"
        headers = {
            "NUL": "Bearer ik_\x00\x00\x00",
            "NUL after a valid key": valid + "\x00",
            "non-ASCII (latin-1)": "Bearer ik_\xe9t\xe9",
            "non-ASCII (UTF-8 bytes)": "Bearer ik_ключ".encode(),
            "overlong": "Bearer ik_" + "k" * 5000,
            "another scheme": f"Basic {self.key}",
            "no key": "Bearer ",
        }
        with self._log_lines() as records:
            for label, header in headers.items():
                with self.subTest(label):
                    response = self._send("GET", "/messages/1", key=header)
                    self.assertEqual(self._assert_answer(response, 401), {"error": "unauthorized"})
                    response = self._post_json(self._envelope(key="hr-auth"), key=header)
                    self._assert_answer(response, 401, "unauthorized")
        # The key model logs every key it looked up and refused: none of these was looked up.
        self.assertFalse([r for r in records if "refused API key" in r.getMessage()])
        self.assertFalse(self._stored_keys())

    def test_an_unknown_well_formed_key_is_looked_up_and_refused(self):
        """The counterpart of the test above: a key of the right shape is looked up, and says so."""
        with self._log_lines() as records:
            response = self._send("GET", "/messages/1", key="Bearer ik_thisKeyDoesNotExist0000000000")
        self.assertEqual(self._assert_answer(response, 401), {"error": "unauthorized"})
        self.assertTrue([r for r in records if "refused API key" in r.getMessage()])

    def test_idempotency_key_query_with_control_characters_or_overlong_is_422(self):
        for query in ("%00", "abc%0A", "a%0D%0Ab", "%1B", "k" * 256):
            with self.subTest(query=query[:20]):
                response = self._send("GET", f"/messages?idempotency_key={query}")
                self._assert_invalid_at(response, "$.idempotency_key")
        missing = self._send("GET", "/messages")
        self._assert_invalid_at(missing, "$.idempotency_key")
        # What percent-decoding cannot turn into text becomes U+FFFD: no key, so nothing found.
        self._assert_answer(self._send("GET", "/messages?idempotency_key=%ED%A0%80"), 404, "not_found")
        self._assert_answer(self._send("GET", "/messages?idempotency_key=" + "k" * 255), 404, "not_found")

    def test_a_message_id_out_of_the_database_range_is_404(self):
        for message_id in ("9" * 5000, "2147483648", "99999999999999999999", "0", "-1", "1.5", "abc", "%00"):
            with self.subTest(message_id=message_id[:20]):
                response = self._send("GET", f"/messages/{message_id}")
                self.assertEqual(self._assert_answer(response, 404), {"error": "not_found"})
        stored = self._receive(self.endpoint, self._envelope(key="hr-id"))[0][1]
        response = self._send("GET", f"/messages/{stored['id']:010d}")  # leading zeros: the same id
        self.assertEqual(self._assert_answer(response, 200)["idempotency_key"], "hr-id")

    def test_a_method_a_route_does_not_serve_is_a_json_405(self):
        for method, path in [
            ("DELETE", "/messages"),
            ("PUT", "/messages"),
            ("PATCH", "/messages/1"),
            ("POST", "/messages/1"),
            ("POST", "/health"),
            ("DELETE", "/health"),
            ("HEAD", "/messages/1"),
            ("OPTIONS", "/messages"),
        ]:
            with self.subTest(f"{method} {path}"):
                response = self._send(method, path, raw=b"{}" if method in ("PUT", "PATCH", "POST") else None)
                self.assertEqual(response.status_code, 405, response.text)
                self.assertIn("GET", response.headers["Allow"])
                if method != "HEAD":  # a HEAD answer has no body
                    self.assertEqual(self._assert_answer(response, 405), {"error": "method_not_allowed"})

    def test_an_unknown_route_under_the_api_is_a_json_404(self):
        for method, path in [
            ("GET", "/no-such-route"),
            ("POST", "/messages/1/retry"),
            ("GET", "/"),
            ("GET", ""),
            ("DELETE", "/bank/nothing"),
            ("GET", "/%00"),
            ("GET", "//messages/1"),  # a base URL ending in '/': not an HTML redirect
        ]:
            with self.subTest(f"{method} {path}"):
                response = self._send(method, path, raw=b"{}" if method == "POST" else None)
                self.assertEqual(self._assert_answer(response, 404), {"error": "not_found"})

    def test_hostile_headers_with_a_body_answer_their_status(self):
        headers = {"Content-Type": "application/\x00json"}
        nul_type = self._send("POST", "/messages", raw=b"{}", headers=headers)
        self._assert_answer(nul_type, 415, "unsupported_media_type")
        self._assert_answer(self._send("POST", "/messages", raw=b"\xff\xfe{"), 400, "malformed_json")
        self._assert_answer(self._send("POST", "/messages", raw=b""), 400, "malformed_json")

    def test_an_unforeseen_fault_is_a_json_500_with_a_request_id(self):
        Message = type(self.env["integration.message"])
        with patch.object(Message, "_api_dict", side_effect=ZeroDivisionError("a bug")):
            stored = self._receive(self.endpoint, self._envelope(key="hr-500"))[0][1]
            response = self._send("GET", f"/messages/{stored['id']}")
        body = self._assert_answer(response, 500, "internal_error")
        self.assertEqual(set(body), {"error", "request_id"})
        self.assertNotIn("ZeroDivisionError", response.text)
