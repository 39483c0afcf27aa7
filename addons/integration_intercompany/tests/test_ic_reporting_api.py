"""GET /integration/v1/reporting/intercompany and /reporting/consolidated-trial-balance (contract
extension 1.3) over real HTTP: 200 JSON as the reports compute, CSV, 422 on bad parameters, 403 on an
entity the key may not read or a key without the reporting permission."""

import csv
import io
from decimal import Decimal
from urllib.parse import urlencode

from odoo import Command
from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationHttpCase
from odoo.addons.integration_intercompany.models.integration_ic_reconciliation_engine import as_csv

from .ic_reporting_common import DATE_FROM, DATE_TO, IcReportingFixtures

PERIOD = {"date_from": "2025-01-01", "date_to": "2025-11-30"}


@tagged("post_install", "-at_install")
class TestIcReportingApi(IcReportingFixtures, IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_ic_reporting()
        no_flows = cls.env["integration.flow"]
        cls.group_key = cls._issue_key(
            cls._create_endpoint("ICGROUP", companies=cls.group_entities, flows=no_flows, reporting=True)
        )
        cls.three = cls.be01 | cls.us01 | cls.uk01
        cls.three_key = cls._issue_key(
            cls._create_endpoint("ICTHREE", companies=cls.three, flows=no_flows, reporting=True)
        )
        cls.no_reporting_key = cls._issue_key(cls._create_endpoint("ICNOREP", companies=cls.group_entities))

    def _get(self, route, key, **params):
        return self._request("GET", f"/reporting/{route}?{urlencode(params)}", key=key)

    # ------------------------------------------------------------ intercompany
    def test_intercompany_json_is_the_reconciliation_of_the_keys_entities(self):
        response = self._get("intercompany", self.group_key, date="2025-11-30")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        Engine = self.env["integration.ic.reconciliation.engine"]
        expected = Engine._as_json(Engine._compute(self.group_entities, DATE_TO))
        body = response.json()
        self.assertEqual(body, expected)
        pair = next(p for p in body["pairs"] if (p["entity"], p["counterparty"]) == ("BE01", "US01"))
        self.assertEqual(
            {
                key: pair[key]
                for key in ("receivable", "payable_of_counterparty", "difference", "unexplained")
            },
            {
                "receivable": "909.09",
                "payable_of_counterparty": "583.33",
                "difference": "325.76",
                "unexplained": "0.00",
            },
        )
        for pair in body["pairs"]:
            explained = sum(Decimal(item["amount"]) for item in pair["explained"])
            self.assertEqual(Decimal(pair["unexplained"]), Decimal(pair["difference"]) - explained)
            for item in pair["explained"]:
                self.assertIn(item["kind"], ("one_sided", "amount", "fx", "timing"))
        # A key allowed three entities sees the pairs among them only.
        three = self._get("intercompany", self.three_key, date="2025-11-30").json()
        self.assertEqual(
            {(p["entity"], p["counterparty"]) for p in three["pairs"]},
            {("BE01", "US01"), ("US01", "BE01"), ("BE01", "UK01"), ("UK01", "BE01")},
        )
        only = self._get("intercompany", self.three_key, date="2025-11-30", entity="UK01").json()
        self.assertEqual([(p["entity"], p["counterparty"]) for p in only["pairs"]], [("UK01", "BE01")])

    def test_intercompany_csv(self):
        response = self._get("intercompany", self.group_key, date="2025-11-30", format="csv")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/csv")
        self.assertIn("intercompany-2025-11-30.csv", response.headers["Content-Disposition"])
        rows = list(csv.DictReader(io.StringIO(response.text)))
        timing = [row for row in rows if row["kind"] == "timing" and row["entity"] == "BE01"]
        self.assertEqual(
            [(row["counterparty"], row["currency"], row["document"], row["amount"]) for row in timing],
            [("UK01", "EUR", self.timing_source.name, "500.00")],
        )

    def test_intercompany_refusals(self):
        self.assertEqual(self._get("intercompany", None, date="2025-11-30").status_code, 401)
        response = self._get("intercompany", self.no_reporting_key, date="2025-11-30")
        self.assertEqual((response.status_code, response.json()["error"]), (403, "forbidden"))
        response = self._get("intercompany", self.three_key, date="2025-11-30", entity="PL01")
        self.assertEqual((response.status_code, response.json()["error"]), (403, "forbidden"))
        for params, path in (
            ({}, "$.date"),
            ({"date": "30/11/2025"}, "$.date"),
            ({"date": "2025-02-30"}, "$.date"),
        ):
            response = self._get("intercompany", self.group_key, **params)
            self.assertEqual(response.status_code, 422, params)
            self.assertEqual([error["path"] for error in response.json()["errors"]], [path], params)
        response = self._get("intercompany", self.group_key, date="2025-11-30", format="xml")
        self.assertEqual([error["path"] for error in response.json()["errors"]], ["$.format"])

    # -------------------------------------------------- consolidated trial balance
    def test_consolidated_json_and_csv(self):
        response = self._get("consolidated-trial-balance", self.group_key, **PERIOD)
        self.assertEqual(response.status_code, 200, response.text)
        Report = self.env["integration.consolidated.tb"]
        report = Report._compute(DATE_FROM, DATE_TO)
        body = response.json()
        self.assertEqual(body, Report._as_json(report))
        self.assertEqual(body["totals"]["debit"], body["totals"]["credit"])
        self.assertEqual(
            sum(Decimal(row["debit"]) for row in body["accounts"]),
            sum(Decimal(row["credit"]) for row in body["accounts"]),
        )
        cta = next(row for row in body["accounts"] if row["code"] == "CTA")
        self.assertEqual(cta["rate_type"], "translation")
        response = self._get("consolidated-trial-balance", self.group_key, format="csv", **PERIOD)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/csv")
        self.assertEqual(response.text, Report._as_csv(report))
        self.assertIn(
            "consolidated-trial-balance-2025-01-01-2025-11-30.csv", response.headers["Content-Disposition"]
        )

    def test_consolidated_refusals(self):
        # The consolidation is the whole group's: a key that may not read every entity is refused.
        response = self._get("consolidated-trial-balance", self.three_key, **PERIOD)
        self.assertEqual((response.status_code, response.json()["error"]), (403, "forbidden"))
        self.assertIn("PL01", response.json()["detail"])
        response = self._get("consolidated-trial-balance", self.no_reporting_key, **PERIOD)
        self.assertEqual(response.status_code, 403)
        cases = {
            "missing": ({"date_to": "2025-11-30"}, ["$.date_from"]),
            "bad": ({"date_from": "2025-13-01", "date_to": "2025-11-30"}, ["$.date_from"]),
            "reversed": ({"date_from": "2025-12-01", "date_to": "2025-11-30"}, ["$.date_from"]),
            "both missing": ({}, ["$.date_from", "$.date_to"]),
        }
        for case, (params, paths) in cases.items():
            response = self._get("consolidated-trial-balance", self.group_key, **params)
            self.assertEqual(response.status_code, 422, case)
            self.assertEqual(response.json()["error"], "invalid", case)
            self.assertEqual([error["path"] for error in response.json()["errors"]], paths, case)

    # ------------------------------------------------------------- in Odoo
    def test_downloads_for_a_finance_user(self):
        run = (
            self.env["integration.ic.reconciliation"]
            .with_user(self.map_author)
            .create({"date": DATE_TO, "company_ids": [Command.set(self.group_entities.ids)]})
        )
        run.action_compute()
        self.authenticate(self.map_author.login, self.map_author.login)
        response = self.url_open(run.action_download_csv()["url"])
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/csv")
        self.assertEqual(response.text, as_csv(run._as_json()))
        wizard = self.env["integration.consolidated.tb.wizard"].create(
            {"date_from": DATE_FROM, "date_to": DATE_TO}
        )
        response = self.url_open(wizard.action_download_csv()["url"])
        self.assertEqual(response.status_code, 200, response.text)
        Report = self.env["integration.consolidated.tb"]
        self.assertEqual(response.text, Report._as_csv(Report._compute(DATE_FROM, DATE_TO)))
        response = self.url_open(
            "/integration/reporting/consolidated-trial-balance.csv?date_from=2025-12-01&date_to=2025-11-30"
        )
        self.assertEqual(response.status_code, 400)
