"""Hostile envelopes through real HTTP: the contract's status and a JSON body, never a 500.

Each case of issue 10's list: NUL and lone surrogates in any string, absurd
nesting, non-finite numbers, trailing newlines, huge values, batches mixing
good and hostile envelopes, and log lines a correlation id tries to forge.
"""

import json
import uuid
from unittest.mock import patch

from odoo.tests import tagged

from .hostile_common import HostileCase

NUL = "\x00"
SURROGATE = "\ud800"


@tagged("post_install", "-at_install")
class TestHostileEnvelopes(HostileCase):
    # ---------------------------------------------------------- control text
    def test_nul_in_correlation_id_is_refused_with_a_fresh_correlation_id(self):
        given = f"corr{NUL}bad"
        body = self._assert_invalid_at(
            self._post_json(self._envelope(key="h-corr-nul", correlation_id=given)), "$.correlation_id"
        )
        self.assertNotEqual(body["correlation_id"], given)
        uuid.UUID(body["correlation_id"])  # generated, not an echo of the bad one
        self.assertNotIn("h-corr-nul", self._stored_keys())
        row = self._rejection_rows(body["correlation_id"])
        self.assertEqual(len(row), 1)
        self._assert_row_safe(row)

    def test_nul_in_a_rejected_value_is_a_422_at_its_path(self):
        cases = [
            (self._envelope(key="h-nul-1", entity=f"BE{NUL}01"), "$.entity"),
            (self._envelope(key=f"h-nul{NUL}2"), "$.idempotency_key"),
            (self._envelope(key="h-nul-3", flow=f"test{NUL}echo"), "$.flow"),
            (
                self._envelope(
                    "journal_entry", self._journal_entry_payload(debit=f"62{NUL}00"), key="h-nul-4"
                ),
                "$.payload.lines[0].account",
            ),
        ]
        for envelope, path in cases:
            with self.subTest(path=path):
                body = self._assert_invalid_at(self._post_json(envelope), path)
                self._assert_row_safe(self._rejection_rows(body["correlation_id"]))
        self.assertFalse(self._stored_keys())

    def test_lone_surrogate_in_any_string_is_a_422_at_its_path(self):
        cases = [
            (self._envelope(key="h-sur-1", payload={"ref": f"a{SURROGATE}"}), "$.payload.ref"),
            (self._envelope(key=f"h-sur{SURROGATE}2"), "$.idempotency_key"),
            (self._envelope(key="h-sur-3", correlation_id=SURROGATE), "$.correlation_id"),
            (self._envelope(key="h-sur-4", payload={"ref": "x", SURROGATE: 1}), "$.payload"),
            (self._envelope(key="h-sur-5", schema_version=f"1.0{SURROGATE}"), "$.schema_version"),
        ]
        for envelope, path in cases:
            with self.subTest(path=path):
                body = self._assert_invalid_at(self._post_json(envelope), path)
                self.assertNotIn(SURROGATE, json.dumps(body, ensure_ascii=False))
        self.assertFalse(self._stored_keys())

    def test_a_trailing_newline_does_not_pass_an_anchored_pattern(self):
        je = self._journal_entry_payload
        cases = [
            (self._envelope(key="abc\n"), "$.idempotency_key"),
            (self._envelope(key="h-nl-2", schema_version="1.0\n"), "$.schema_version"),
            (self._envelope("journal_entry", je(date="2026-11-30\n"), key="h-nl-3"), "$.payload.date"),
            (self._envelope("journal_entry", je(currency="EUR\n"), key="h-nl-4"), "$.payload.currency"),
        ]
        for envelope, path in cases:
            with self.subTest(path=path):
                self._assert_invalid_at(self._post_json(envelope), path)
        self.assertFalse(self._stored_keys())

    def test_tab_and_newline_are_free_text_in_labels_only(self):
        payload = self._journal_entry_payload()
        payload["lines"][0]["label"] = "Salaries\tNovember\nsecond line"
        response = self._post_json(self._envelope("journal_entry", payload, key="h-label-ok"))
        self._assert_answer(response, 202)
        payload = self._journal_entry_payload(ref="PAY\tROLL")
        response = self._post_json(self._envelope("journal_entry", payload, key="h-ref-tab"))
        self._assert_invalid_at(response, "$.payload.ref")
        self.assertEqual(self._stored_keys(), {"h-label-ok"})

    # -------------------------------------------------------------- structure
    def test_absurd_nesting(self):
        self._assert_answer(self._send("POST", "/messages", raw=b"[" * 100000), 400, "malformed_json")
        nested = {"ref": "deep"}
        for _level in range(40):
            nested = {"a": nested}
        body = self._assert_answer(
            self._post_json(self._envelope(key="h-deep", payload={"ref": "x", "outcome": nested})),
            422,
            "invalid",
        )
        self.assertTrue(all(error["path"].startswith("$.payload") for error in body["errors"]), body)
        self.assertFalse(self._stored_keys())

    def test_non_finite_numbers(self):
        for token in (b"NaN", b"Infinity", b"-Infinity"):
            with self.subTest(token=token):
                raw = json.dumps(self._envelope(key="h-nan", payload={"ref": "x", "fail_times": 1}))
                raw = raw.replace('"fail_times": 1', '"fail_times": ' + token.decode()).encode()
                response = self._send("POST", "/messages", raw=raw)
                self._assert_invalid_at(response, "$.payload.fail_times")
        self.assertFalse(self._stored_keys())

    # ------------------------------------------------------------------ size
    def test_a_9_mb_label_answers_a_small_422_and_a_small_audit_row(self):
        payload = self._journal_entry_payload()
        payload["lines"][0]["label"] = "x" * 9_000_000
        response = self._post_json(self._envelope("journal_entry", payload, key="h-9mb"), timeout=120)
        body = self._assert_invalid_at(response, "$.payload.lines[0].label")
        self.assertLess(len(response.content), 2048)
        for error in body["errors"]:
            self.assertNotIn("x" * 201, error["message"])
        row = self._rejection_rows(body["correlation_id"])
        self.assertEqual(len(row), 1)
        self._assert_row_safe(row, run_of="x")
        self.assertFalse(self._stored_keys())

    def test_a_100_kb_flow_name_is_quoted_at_most_200_characters(self):
        response = self._post_json(self._envelope(key="h-flow", flow="f" * 100_000))
        body = self._assert_invalid_at(response, "$.flow")
        self.assertLess(len(response.content), 2048)
        self._assert_row_safe(self._rejection_rows(body["correlation_id"]), run_of="f")

    # ---------------------------------------------------------------- batches
    def test_a_batch_stores_its_good_envelopes_and_answers_each_hostile_one_alone(self):
        nested = {"ref": "deep"}
        for _level in range(40):
            nested = {"a": nested}
        je = self._journal_entry_payload
        envelopes = [
            self._envelope(key="hb-good-1"),
            self._envelope(key="hb-nul-corr", correlation_id=f"c{NUL}"),
            self._envelope(key="hb-surrogate", payload={"ref": SURROGATE}),
            self._envelope(key="hb-good-2"),
            self._envelope(key="hb-deep", payload={"ref": "x", "outcome": nested}),
            self._envelope("journal_entry", je(debit=f"62{NUL}00"), key="hb-nul-account"),
            self._envelope(key="hb-key\n"),
            self._envelope(key="hb-flow", flow="f" * 100_000),
            self._envelope("journal_entry", je(), key="hb-good-3"),
        ]
        response = self._post_json({"messages": envelopes})
        body = self._assert_answer(response, 200)
        statuses = [item["status"] for item in body["results"]]
        self.assertEqual(statuses, ["accepted", *["invalid"] * 2, "accepted", *["invalid"] * 4, "accepted"])
        self.assertEqual(self._stored_keys(), {"hb-good-1", "hb-good-2", "hb-good-3"})
        self.assertTrue(all(item["correlation_id"] for item in body["results"]))
        self.assertNotEqual(body["results"][1]["correlation_id"], f"c{NUL}")

    def test_a_failure_checking_one_envelope_answers_it_alone(self):
        """A fault in a flow's own checks (a product bug) costs that envelope only, never the batch."""
        handler = type(self.env["integration.handler.test_echo"])
        original = handler._static_checks

        def faulty(self, payload, version):
            if payload.get("ref") == "explode":
                raise ZeroDivisionError("a bug in a flow's checks")
            return original(self, payload, version)

        with patch.object(handler, "_static_checks", faulty):
            envelopes = [self._envelope(key="hf-1"), self._envelope(key="hf-2", payload={"ref": "explode"})]
            batch = self._post_json({"messages": envelopes})
            single = self._post_json(self._envelope(key="hf-3", payload={"ref": "explode"}))
        items = self._assert_answer(batch, 200)["results"]
        self.assertEqual([item["status"] for item in items], ["accepted", "internal_error"])
        self.assertTrue(items[1]["request_id"])
        body = self._assert_answer(single, 500, "internal_error")
        self.assertTrue(body["request_id"])
        self.assertEqual(self._stored_keys(), {"hf-1"})

    # ------------------------------------------------------------------- logs
    def test_a_correlation_id_with_cr_lf_never_forges_a_log_line(self):
        forged = "c-1\r\n2026-12-03 10:00:00,000 1 ERROR db odoo: FORGED"
        with self._log_lines() as records:
            single = self._post_json(self._envelope(key="h-crlf-1", correlation_id=forged))
            envelopes = [
                self._envelope(key="h-crlf-2"),
                self._envelope(key="h-crlf-3", correlation_id=forged),
            ]
            batch = self._post_json({"messages": envelopes})
        body = self._assert_invalid_at(single, "$.correlation_id")
        self.assertNotEqual(body["correlation_id"], forged)
        items = self._assert_answer(batch, 200)["results"]
        self.assertEqual([item["status"] for item in items], ["accepted", "invalid"])
        lines = [record.getMessage() for record in records]
        self.assertTrue(any("FORGED" in line for line in lines), "the rejection is logged, escaped")
        for line in (line for line in lines if "FORGED" in line):
            self.assertNotIn("\r", line)
            self.assertNotIn("\n", line)
