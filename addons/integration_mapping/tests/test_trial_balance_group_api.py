"""GET /integration/v1/reporting/trial-balance?group=1 (contract extension 1.3) over real HTTP: every
entity the key may read, and those only; JSON and CSV; refusals; signed reads."""

import csv
import hashlib
import hmac
import io
import time
from decimal import Decimal
from urllib.parse import urlencode

from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import API, IntegrationHttpCase

from .trial_balance_group_common import AMOUNTS, GroupTrialBalanceFixtures, decimal_rows

PERIOD = {"date_from": "2026-01-01", "date_to": "2026-11-30"}


@tagged("post_install", "-at_install")
class TestGroupTrialBalanceApi(GroupTrialBalanceFixtures, IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_group_trial_balance()
        no_flows = cls.env["integration.flow"]
        # Allowed three of the five entities: the group run is those three.
        cls.three = cls.be01 | cls.us01 | cls.uk01
        cls.reporter = cls._create_endpoint("GRPREP", companies=cls.three, flows=no_flows, reporting=True)
        cls.key = cls._issue_key(cls.reporter)
        cls.no_reporting = cls._create_endpoint("GRPNOREP", companies=cls.all_entities)
        cls.no_reporting_key = cls._issue_key(cls.no_reporting)
        cls.signing = cls._create_endpoint(
            "GRPSIGN", companies=cls.all_entities, flows=no_flows, reporting=True, require_signature=True
        )
        cls.signing_key = cls._issue_key(cls.signing)
        cls.secret = cls.env["integration.signing.secret"]._rotate(cls.signing)

    def _get(self, key, **params):
        query = urlencode({"group": "1", **PERIOD, **params})
        return self._request("GET", f"/reporting/trial-balance?{query}", key=key)

    def _signed_get(self, target, timestamp=None):
        timestamp = str(int(time.time() if timestamp is None else timestamp))
        line = f"{timestamp}.GET {API}{target}".encode()
        digest = hmac.new(self.secret.encode(), line, hashlib.sha256).hexdigest()
        headers = {
            "Authorization": f"Bearer {self.signing_key}",
            "X-Timestamp": timestamp,
            "X-Signature": f"sha256={digest}",
        }
        return self.url_open(API + target, headers=headers, allow_redirects=False)

    def _expected(self, companies):
        Report = self.env["integration.trial.balance"]
        return Report._compute_group(companies, PERIOD["date_from"], PERIOD["date_to"])

    # -------------------------------------------------------------- answers
    def test_group_json_lists_every_allowed_entity_and_only_those(self):
        response = self._get(self.key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        body = response.json()
        Report = self.env["integration.trial.balance"]
        self.assertEqual(body, Report._group_as_json(self._expected(self.three)))
        self.assertEqual([entity["entity"] for entity in body["entities"]], ["BE01", "UK01", "US01"])
        self.assertEqual({row["entity"] for row in body["accounts"]}, {"BE01", "UK01", "US01"})
        # UK01's mapped accounts and CTA, US01's CTA; BE01 has no map in this test and needs no CTA.
        self.assertEqual({row["entity"] for row in body["group_accounts"]}, {"UK01", "US01"})
        # Every figure is what a reader makes of the journal items and the rates.
        rows = decimal_rows(body["accounts"])
        for company in self.three:
            expected = self._reader_trial_balance(company)
            got = {code: row for (entity, code), row in rows.items() if entity == company.entity_code}
            self.assertEqual(got, expected, company.entity_code)
        for row in body["accounts"]:
            self.assertRegex(row["debit"], r"^-?\d+\.\d{2}$")
            self.assertRegex(row["group"]["closing"], r"^-?\d+\.\d{2}$")
        # Translated debits equal credits, per entity and for the group.
        for entity in body["entities"]:
            self.assertEqual(entity["totals"]["group"]["debit"], entity["totals"]["group"]["credit"], entity)
        debit = sum(Decimal(row["group"]["debit"]) for row in body["accounts"])
        credit = sum(Decimal(row["group"]["credit"]) for row in body["accounts"])
        self.assertEqual(debit, credit)
        self.assertEqual((body["totals"]["debit"], body["totals"]["credit"]), (str(debit), str(credit)))
        self.assertEqual(
            [row["entity"] for row in body["accounts"] if row["code"] == "CTA"], ["UK01", "US01"]
        )

    def test_group_csv(self):
        response = self._get(self.key, format="csv")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "text/csv")
        disposition = response.headers["Content-Disposition"]
        self.assertIn("trial-balance-group-2026-01-01-2026-11-30.csv", disposition)
        self.assertEqual(
            response.text, self.env["integration.trial.balance"]._group_as_csv(self._expected(self.three))
        )
        rows = list(csv.DictReader(io.StringIO(response.text)))
        self.assertIn("entity", rows[0])
        self.assertIn("currency", rows[0])
        self.assertEqual({row["entity"] for row in rows}, {"BE01", "UK01", "US01"})
        self.assertEqual(
            {(row["entity"], row["currency"]) for row in rows},
            {("BE01", "EUR"), ("UK01", "GBP"), ("US01", "USD")},
        )
        for code in ("BE01", "UK01", "US01"):
            own = [row for row in rows if row["entity"] == code]
            self.assertEqual(
                sum(Decimal(row["group_debit"]) for row in own),
                sum(Decimal(row["group_credit"]) for row in own),
                code,
            )
            self.assertEqual(sum(Decimal(row["group_closing"]) for row in own), 0, code)
        uk = self._reader_trial_balance(self.uk01)
        for row in rows:
            if row["entity"] == "UK01":
                self.assertEqual(
                    [Decimal(row[f"group_{key}"]) for key in AMOUNTS],
                    [uk[row["code"]]["group"][key] for key in AMOUNTS],
                    row["code"],
                )

    def test_entity_read_of_a_foreign_currency_carries_its_cta_row(self):
        response = self._get(self.key, group="", entity="UK01")
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(body["entity"], "UK01")
        self.assertEqual(body["accounts"][-1]["code"], "CTA")
        self.assertEqual(body["accounts"][-1]["rate_type"], "translation")
        self.assertEqual(body["totals"]["group"]["debit"], body["totals"]["group"]["credit"])

    # -------------------------------------------------------------- refusals
    def test_refusals(self):
        self.assertEqual(self._get(None).status_code, 401)
        self.assertEqual(self._get("not-a-key").json(), {"error": "unauthorized"})
        response = self._get(self.no_reporting_key)
        self.assertEqual((response.status_code, response.json()["error"]), (403, "forbidden"))
        # An entity outside the key's: 403 one by one; the group run simply leaves it out.
        for entity in ("PL01", "SG01"):
            response = self._get(self.key, group="", entity=entity)
            self.assertEqual((response.status_code, response.json()["error"]), (403, "forbidden"), entity)

    def test_invalid_parameters(self):
        cases = {
            "group and entity": ({"entity": "BE01"}, ["$.group"]),
            "group not 1": ({"group": "all"}, ["$.group"]),
            "neither": ({"group": ""}, ["$.entity"]),
            "group=0 without entity": ({"group": "0"}, ["$.entity"]),
            "bad dates": ({"date_from": "2026-02-30", "date_to": ""}, ["$.date_from", "$.date_to"]),
            "group, bad format": ({"format": "xlsx"}, ["$.format"]),
            "hostile group": ({"group": "\x00" + "x" * 5000}, ["$.group"]),
        }
        for name, (params, paths) in cases.items():
            response = self._get(self.key, **params)
            self.assertEqual(response.status_code, 422, name)
            body = response.json()
            self.assertEqual([error["path"] for error in body["errors"]], paths, name)
            self.assertTrue(all(len(error["message"]) < 400 for error in body["errors"]), name)

    # ---------------------------------------------------------------- signed
    def test_a_signing_endpoint_reads_the_group_signed_only(self):
        target = "/reporting/trial-balance?group=1&date_from=2026-01-01&date_to=2026-11-30"
        response = self._signed_get(target)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual([entity["entity"] for entity in response.json()["entities"]], sorted(self.entities))
        unsigned = self.url_open(API + target, headers={"Authorization": f"Bearer {self.signing_key}"})
        self.assertEqual((unsigned.status_code, unsigned.json()), (401, {"error": "unauthorized"}))
        stale = self._signed_get(target, timestamp=time.time() - 301)
        self.assertEqual(stale.status_code, 401)
        csv_response = self._signed_get(target + "&format=csv")
        self.assertEqual(csv_response.status_code, 200, csv_response.text)
        self.assertEqual(csv_response.headers["Content-Type"].split(";")[0], "text/csv")
