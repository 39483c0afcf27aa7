"""Entities of their own and messages with a known history, for the dashboard, alert and retention tests."""

from datetime import timedelta

from odoo import fields

from .common import IntegrationCase


class MonitoringCase(IntegrationCase):
    """Three entities nobody else uses: DA01 and DA02 served by one endpoint, DA03 idle."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.da01, cls.da02, cls.da03 = (
            Company.create({"name": f"Dashboard Entity {code}", "entity_code": code})
            for code in ("DA01", "DA02", "DA03")
        )
        cls.endpoint = cls._create_endpoint("DASHBOARD", companies=cls.da01 | cls.da02, flows=cls.flow_echo)
        cls.Dashboard = cls.env["integration.dashboard"]

    def _send_many(self, company, outcome, count, prefix=None):
        """``count`` messages for ``company`` whose handler will do ``outcome`` (ok, business, transient)."""
        prefix = prefix or f"{company.entity_code}-{outcome}"
        envelopes = [
            self._envelope(
                key=f"{prefix}-{i}",
                entity=company.entity_code,
                payload={"ref": f"{prefix}-{i}", "outcome": outcome},
            )
            for i in range(count)
        ]
        outcomes = self._receive(self.endpoint, *envelopes)
        self.assertEqual({status for status, _body, _headers in outcomes}, {202})
        return self.env["integration.message"].search(
            [("endpoint_id", "=", self.endpoint.id), ("idempotency_key", "=like", f"{prefix}-%")]
        )

    def _age(self, records, **delta):
        """Move when the records happened back in time (history the tests cannot wait for)."""
        records.flush_recordset()
        self.env.cr.execute(
            f"UPDATE {records._table} SET create_date = %s WHERE id = ANY(%s)",
            (fields.Datetime.now() - timedelta(**delta), records.ids),
        )
        records.invalidate_recordset()

    def setUp(self):
        super().setUp()
        # One moment for every message a test sets as "received an hour ago": one hour bucket.
        an_hour_ago = fields.Datetime.now() - timedelta(hours=1)
        self.hour_ago = an_hour_ago.replace(minute=0, second=0, microsecond=0)

    def _set_latency(self, message, seconds, received_ago=None):
        """Received ``received_ago`` ago (by default at ``hour_ago``); done ``seconds`` later."""
        received = fields.Datetime.now() - received_ago if received_ago else self.hour_ago
        self.env.cr.execute(
            "UPDATE integration_message SET create_date = %s, done_at = %s WHERE id = %s",
            (received, received + timedelta(seconds=seconds), message.id),
        )
        message.invalidate_recordset()

    def _row(self, company, flow=None):
        rows = self.Dashboard.search(
            [("company_id", "=", company.id), ("flow_id", "=", flow.id if flow else False)]
        )
        self.assertEqual(len(rows), 1, f"one dashboard row for {company.entity_code}")
        return rows
