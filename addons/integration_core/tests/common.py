import hashlib
import hmac
import json
import time

from odoo import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user

API = "/integration/v1"


class IntegrationCaseMixin:
    """Factories shared by the integration tests: endpoints, keys, messages."""

    @classmethod
    def _setup_integration(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Company = cls.env["res.company"]
        cls.be01 = Company._find_by_entity_code("BE01")
        cls.us01 = Company._find_by_entity_code("US01")
        assert cls.be01 and cls.us01, "the demo group must be loaded"
        cls.flow_echo = cls.env.ref("test_integration_core.flow_test_echo")
        cls.flow_je = cls.env.ref("integration_mapping.flow_journal_entry")

    @classmethod
    def _create_endpoint(cls, code="SHOP", companies=None, flows=None, **vals):
        companies = companies if companies is not None else cls.be01
        flows = flows if flows is not None else cls.flow_echo | cls.flow_je
        return cls.env["integration.endpoint"].create(
            {
                "name": f"Endpoint {code}",
                "code": code,
                "company_id": companies[:1].id,
                "company_ids": [Command.set(companies.ids)],
                "flow_ids": [Command.set(flows.ids)],
                **vals,
            }
        )

    @classmethod
    def _issue_key(cls, endpoint, **vals):
        _key, raw = cls.env["integration.api.key"]._issue(endpoint, **vals)
        return raw

    @staticmethod
    def _envelope(flow="test_echo", payload=None, key="k-1", entity="BE01", version="1.0", **extra):
        return {
            "flow": flow,
            "schema_version": version,
            "entity": entity,
            "idempotency_key": key,
            "payload": payload if payload is not None else {"ref": key},
            **extra,
        }

    def _receive(self, endpoint, *envelopes):
        """Store envelopes as the API would (without HTTP); return the outcomes."""
        return self.env["integration.message"]._api_receive(endpoint, list(envelopes))

    def _message(self, endpoint, key):
        return self.env["integration.message"].search(
            [("endpoint_id", "=", endpoint.id), ("idempotency_key", "=", key)]
        )

    def _process(self):
        """The queue as the server's cron runs it: in a transaction of its own, so nothing the test's
        own calls left in the ORM cache hides a field the service user may not read."""
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["integration.message"]._process_queue(commit=False)

    @staticmethod
    def _journal_entry_payload(date="2026-11-30", amount="100.00", debit="6200", credit="4530", **extra):
        return {
            "journal": "MISC",
            "date": date,
            "ref": "PAYROLL-TEST",
            "lines": [
                {"account": debit, "debit": amount, "credit": "0", "label": "Salaries"},
                {"account": credit, "debit": "0", "credit": amount, "label": "Net pay"},
            ],
            **extra,
        }

    @classmethod
    def _user(cls, login, groups, companies):
        return new_test_user(
            cls.env,
            login=login,
            groups=",".join(["base.group_user", *groups]),
            company_id=companies[:1].id,
            company_ids=companies.ids,
        )


class IntegrationCase(IntegrationCaseMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_integration()


class IntegrationHttpCase(IntegrationCaseMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_integration()

    def _request(self, method, path, *, key=None, body=None, headers=None, raw=None):
        headers = dict(headers or {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        return self.url_open(API + path, data=data, headers=headers, method=method, allow_redirects=False)

    def _post(self, key, body, **kwargs):
        return self._request("POST", "/messages", key=key, body=body, **kwargs)

    @staticmethod
    def _signed_headers(secret, body, timestamp=None):
        timestamp = str(int(timestamp if timestamp is not None else time.time()))
        digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return {
            "X-Timestamp": timestamp,
            "X-Signature": f"sha256={digest}",
            "Content-Type": "application/json",
        }
