"""What the hostile-input tests share: raw requests, JSON answers, captured log lines, audit rows."""

import json
import logging
import re
from contextlib import contextmanager

from .common import API, IntegrationHttpCase

LOGGER = "odoo.addons.integration_core"


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


class HostileCase(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("HOSTILE")
        cls.key = cls._issue_key(cls.endpoint)

    # -------------------------------------------------------------- requests
    def _send(self, method, path, *, raw=None, headers=None, key=True, timeout=30):
        """A request as a sender writes it: the raw bytes and headers given, nothing re-encoded."""
        headers = dict(headers or {})
        if key is True:
            headers.setdefault("Authorization", f"Bearer {self.key}")
        elif key:
            headers["Authorization"] = key
        if raw is not None:
            headers.setdefault("Content-Type", "application/json")
        return self.url_open(
            API + path, data=raw, headers=headers, method=method, timeout=timeout, allow_redirects=False
        )

    def _post_json(self, document, **kwargs):
        """POST a document; strings keep what Python holds (NUL, lone surrogates) as JSON escapes."""
        return self._send("POST", "/messages", raw=json.dumps(document).encode(), **kwargs)

    def _assert_answer(self, response, status, error=None):
        """The status, and a JSON body (whatever the status) naming the contract's error."""
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0], "application/json")
        body = response.json()
        if error:
            self.assertEqual(body.get("error"), error, body)
        self.assertNotIn("Traceback", response.text)
        return body

    def _assert_invalid_at(self, response, path):
        body = self._assert_answer(response, 422, "invalid")
        self.assertIn(path, [error["path"] for error in body["errors"]], body)
        return body

    # ---------------------------------------------------------------- state
    def _stored_keys(self, endpoint=None):
        messages = self.env["integration.message"].search(
            [("endpoint_id", "=", (endpoint or self.endpoint).id)]
        )
        return set(messages.mapped("idempotency_key"))

    def _rejection_rows(self, correlation_id):
        return self.env["integration.audit.log"].search(
            [("action", "=", "rejected"), ("correlation_id", "=", correlation_id)]
        )

    def _assert_row_safe(self, row, run_of=None):
        """An audit row holds no NUL and at most 200 characters in a row of the value ``run_of``."""
        written = f"{row.description}\n{json.dumps(row.new_values or {}, ensure_ascii=False)}"
        self.assertNotIn("\x00", written)
        if run_of:
            longest = max((len(m) for m in re.findall(f"{re.escape(run_of)}+", written)), default=0)
            self.assertLessEqual(longest, 200, written[:1000])

    @contextmanager
    def _log_lines(self):
        """Every record the product's loggers emit meanwhile, DEBUG included."""
        collector = _Collector()
        logger = logging.getLogger(LOGGER)
        level = logger.level
        logger.addHandler(collector)
        logger.setLevel(logging.DEBUG)
        try:
            yield collector.records
        finally:
            logger.removeHandler(collector)
            logger.setLevel(level)
