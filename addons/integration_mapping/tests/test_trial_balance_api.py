"""GET /integration/v1/reporting/trial-balance over real HTTP, and the CSV download for logged-in users."""

import csv
import io
from urllib.parse import urlencode

from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationHttpCase

from .trial_balance_common import TrialBalanceFixtures

PARAMS = {"entity": "US01", "date_from": "2025-01-01", "date_to": "2025-11-30"}


@tagged("post_install", "-at_install")
class TestTrialBalanceApi(TrialBalanceFixtures, IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_trial_balance()
        both = cls.be01 | cls.us01
        cls.reporter = cls._create_endpoint(
            "GROUPREP", companies=both, flows=cls.env["integration.flow"], reporting=True
        )
        cls.key = cls._issue_key(cls.reporter)
        cls.be_only = cls._create_endpoint(
            "BEREP", companies=cls.be01, flows=cls.env["integration.flow"], reporting=True
        )
        cls.be_only_key = cls._issue_key(cls.be_only)
        cls.no_reporting = cls._create_endpoint("NOREP", companies=both)
        cls.no_reporting_key = cls._issue_key(cls.no_reporting)

    def _get(self, key=None, **params):
        query = urlencode({**PARAMS, **params})
        return self._request("GET", f"/reporting/trial-balance?{query}", key=key)

    def _expected_body(self, company, **params):
        Report = self.env["integration.trial.balance"]
        values = {**PARAMS, **params}
        return Report._as_json(Report._compute(company, values["date_from"], values["date_to"]))

    # -------------------------------------------------------------- answers
    def test_json_body_is_the_report(self):
        response = self._get(self.key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        body = response.json()
        self.assertEqual(body, self._expected_body(self.us01))
        self.assertEqual(
            (body["entity"], body["company_currency"], body["group_currency"]), ("US01", "USD", "EUR")
        )
        self.assertEqual(body["totals"]["debit"], body["totals"]["credit"])
        self.assertEqual(body["rates"]["closing"], "0.8")
        # Every amount is a decimal string with the currency's two decimals.
        for row in body["accounts"]:
            for value in [
                *(row[k] for k in ("opening", "debit", "credit", "closing")),
                *row["group"].values(),
            ]:
                self.assertRegex(value, r"^-?\d+\.\d{2}$")

    def test_csv_format(self):
        response = self._get(self.key, entity="BE01", format="csv")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        body = self._expected_body(self.be01)
        self.assertEqual([row["code"] for row in rows], [account["code"] for account in body["accounts"]])
        for row, account in zip(rows, body["accounts"], strict=True):
            self.assertEqual(row["closing"], account["closing"])
            self.assertEqual(row["group_closing"], account["group"]["closing"])
            self.assertEqual(row["group_account"], account["group_account"] or "")

    # -------------------------------------------------------------- refusals
    def test_unauthorized_without_a_valid_key(self):
        for key in (None, "not-a-key"):
            response = self._get(key)
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response.json(), {"error": "unauthorized"})

    def test_forbidden_without_reporting_permission(self):
        response = self._get(self.no_reporting_key, entity="BE01")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"], "forbidden")

    def test_forbidden_for_an_entity_the_key_may_not_read(self):
        for entity in ("US01", "ZZ99"):
            response = self._get(self.be_only_key, entity=entity)
            self.assertEqual(response.status_code, 403, entity)
            self.assertEqual(response.json()["error"], "forbidden")
        self.assertEqual(self._get(self.be_only_key, entity="BE01").status_code, 200)

    def test_invalid_dates(self):
        cases = {
            "missing": ({"date_from": ""}, ["$.date_from"]),
            "bad": ({"date_to": "2025-13-01"}, ["$.date_to"]),
            "not iso": ({"date_from": "01/01/2025"}, ["$.date_from"]),
            "reversed": ({"date_from": "2025-12-01", "date_to": "2025-01-31"}, ["$.date_from"]),
            "both missing": ({"date_from": "", "date_to": ""}, ["$.date_from", "$.date_to"]),
            "bad format": ({"format": "xml"}, ["$.format"]),
        }
        for name, (params, paths) in cases.items():
            response = self._get(self.key, **params)
            self.assertEqual(response.status_code, 422, name)
            body = response.json()
            self.assertEqual(body["error"], "invalid", name)
            self.assertEqual([error["path"] for error in body["errors"]], paths, name)
            self.assertTrue(all(error["message"] for error in body["errors"]), name)

    # ------------------------------------------------------- user download
    def test_logged_in_user_downloads_csv(self):
        user = self._user(
            "tb_reader",
            ["integration_core.group_integration_user", "account.group_account_readonly"],
            self.be01 | self.us01,
        )
        self.authenticate(user.login, user.login)
        Wizard = self.env["integration.trial.balance.wizard"].with_user(user)
        Report = self.env["integration.trial.balance"]
        one = Wizard.create(
            {
                "all_entities": False,
                "company_ids": [(6, 0, self.us01.ids)],
                "date_from": "2025-01-01",
                "date_to": "2025-11-30",
            }
        )
        response = self.url_open(one.action_download_csv()["url"])
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/csv")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        disposition = response.headers["Content-Disposition"]
        self.assertIn("trial-balance-US01-2025-01-01-2025-11-30.csv", disposition)
        expected = Report._as_csv(Report._compute(self.us01, "2025-01-01", "2025-11-30"))
        self.assertEqual(response.text, expected)
        # All the user's entities in one file: the API's group CSV of the same entities.
        every = Wizard.create({"date_from": "2025-01-01", "date_to": "2025-11-30"})
        response = self.url_open(every.action_download_csv()["url"])
        self.assertEqual(response.status_code, 200, response.text)
        disposition = response.headers["Content-Disposition"]
        self.assertIn("trial-balance-group-2025-01-01-2025-11-30.csv", disposition)
        group = Report._compute_group(self.be01 | self.us01, "2025-01-01", "2025-11-30")
        self.assertEqual(response.text, Report._group_as_csv(group))
        entities = {row["entity"] for row in csv.DictReader(io.StringIO(response.text))}
        self.assertEqual(entities, {"BE01", "US01"})

    def test_download_refuses_a_company_the_user_may_not_use(self):
        user = self._user(
            "tb_be_reader",
            ["integration_core.group_integration_user", "account.group_account_readonly"],
            self.be01,
        )
        self.authenticate(user.login, user.login)
        period = {"date_from": "2025-01-01", "date_to": "2025-11-30"}
        for ids in (str(self.us01.id), f"{self.be01.id},{self.us01.id}", "999999"):
            query = urlencode({"company_ids": ids, **period})
            response = self.url_open(f"/integration/reporting/trial-balance.csv?{query}")
            self.assertEqual(response.status_code, 403, ids)
        query = urlencode({"company_id": self.us01.id, **period})
        self.assertEqual(self.url_open(f"/integration/reporting/trial-balance.csv?{query}").status_code, 403)
        for ids in ("", "x", f"{self.be01.id},", "\u00b2", "9" * 40):
            query = urlencode({"company_ids": ids, **period})
            response = self.url_open(f"/integration/reporting/trial-balance.csv?{query}")
            self.assertEqual(response.status_code, 400, ids)
        query = urlencode({"company_ids": self.be01.id, **period})
        self.assertEqual(self.url_open(f"/integration/reporting/trial-balance.csv?{query}").status_code, 200)
