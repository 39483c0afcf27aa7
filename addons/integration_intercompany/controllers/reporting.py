"""Group reporting of the intercompany addon (contract extension 1.3, read-only): the intercompany
reconciliation at a date and the consolidated trial balance, as JSON or CSV; and their CSV downloads in
Odoo.

Thin, as integration_mapping's reporting routes, whose checks these share:
the key must have the ``reporting`` permission and be allowed the entities
it reads (403), parameters are checked all at once (422).
"""

from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.http import request

from odoo.addons.integration_core.controllers.common import API, ApiError, api_route
from odoo.addons.integration_core.engine import text
from odoo.addons.integration_core.engine.openapi import describe, query, response
from odoo.addons.integration_mapping.controllers.reporting import (
    AMOUNT,
    DATE,
    FORMATS,
    REPORT_FORMAT,
    TOTALS,
    IntegrationReportingApi,
    _csv_response,
    _forbidden,
    _parse_date,
)

from ..models.integration_ic_reconciliation_engine import as_csv


def _invalid(errors):
    return ApiError(422, {"error": "invalid", "errors": errors})


def _dates(params, names):
    """``{name: date}`` of the required dates, and the errors of the missing or bad ones."""
    dates, errors = {}, []
    for name in names:
        value = params.get(name)
        dates[name] = _parse_date(value)
        if not value:
            errors.append({"path": f"$.{name}", "message": f"give {name} as YYYY-MM-DD"})
        elif not dates[name]:
            errors.append(
                {"path": f"$.{name}", "message": f"{text.quote(value)} is not a date as YYYY-MM-DD"}
            )
    return dates, errors


def _format(params, errors):
    output = params.get("format") or "json"
    if output not in FORMATS:
        errors.append({"path": "$.format", "message": "format is json or csv"})
    return output


# The routes' OpenAPI descriptions (engine.openapi).
INTERCOMPANY_DOC = {
    "get": {
        "summary": "Intercompany balances at a date, per ordered pair of entities, in group currency",
        "description": "Needs the reporting permission. unexplained = difference - the sum of explained.",
        "parameters": [
            query("date", "The cut-off date.", DATE, required=True),
            query("entity", "Only the pairs of these entities (codes, comma-separated).", {"type": "string"}),
            REPORT_FORMAT,
        ],
        "responses": {
            200: response(
                "The pairs; as CSV with format=csv.",
                {
                    "application/json": {
                        "type": "object",
                        "required": ["date", "group_currency", "pairs"],
                        "properties": {
                            "date": {"type": "string"},
                            "group_currency": {"type": "string"},
                            "pairs": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": [
                                        "entity",
                                        "counterparty",
                                        "receivable",
                                        "payable_of_counterparty",
                                        "difference",
                                        "explained",
                                        "unexplained",
                                    ],
                                    "properties": {
                                        "entity": {"type": "string"},
                                        "counterparty": {"type": "string"},
                                        "receivable": AMOUNT,
                                        "payable_of_counterparty": AMOUNT,
                                        "difference": AMOUNT,
                                        "unexplained": AMOUNT,
                                        "explained": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "required": ["kind", "amount"],
                                                "properties": {
                                                    "kind": {"enum": ["one_sided", "amount", "fx", "timing"]},
                                                    "amount": AMOUNT,
                                                },
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                    "text/csv": {"type": "string"},
                },
            )
        },
        "errors": (403, 422),
    }
}
CONSOLIDATED_DOC = {
    "get": {
        "summary": "Consolidated trial balance of the whole group, per group account",
        "description": "Needs the reporting permission and every entity of the group. Each entity's "
        "translated balance, the eliminations and the consolidated total; code CTA carries the "
        "translation difference.",
        "parameters": [
            query("date_from", "First day of the period.", DATE, required=True),
            query("date_to", "Last day of the period.", DATE, required=True),
            REPORT_FORMAT,
        ],
        "responses": {
            200: response(
                "The consolidated trial balance; as CSV with format=csv.",
                {
                    "application/json": {
                        "type": "object",
                        "required": [
                            "date_from",
                            "date_to",
                            "group_currency",
                            "entities",
                            "accounts",
                            "totals",
                        ],
                        "properties": {
                            "date_from": {"type": "string"},
                            "date_to": {"type": "string"},
                            "group_currency": {"type": "string"},
                            "entities": {"type": "array", "items": {"type": "object"}},
                            "accounts": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": [
                                        "code",
                                        "name",
                                        "entities",
                                        "eliminations",
                                        "total",
                                        "debit",
                                        "credit",
                                    ],
                                    "properties": {
                                        "code": {"type": "string"},
                                        "eliminations": AMOUNT,
                                        "total": AMOUNT,
                                        "debit": AMOUNT,
                                        "credit": AMOUNT,
                                    },
                                },
                            },
                            "totals": TOTALS,
                        },
                    },
                    "text/csv": {"type": "string"},
                },
            )
        },
        "errors": (403, 422),
    }
}


class IntegrationGroupReportingApi(IntegrationReportingApi):
    def _reporting_entities(self):
        """``(endpoint, {entity code: company})`` of a key allowed to read reports."""
        endpoint = self._authenticate()
        if not endpoint.reporting:
            raise _forbidden("this key may not read reports")
        allowed = {
            company.entity_code: company
            for company in endpoint.company_ids
            if company.entity_code and not company.is_elimination_entity
        }
        if not allowed:
            raise _forbidden("this key may not read any entity")
        return endpoint, allowed

    @api_route(f"{API}/reporting/intercompany", "GET")
    @describe(**INTERCOMPANY_DOC)
    def intercompany(self, **params):
        _endpoint, allowed = self._reporting_entities()
        dates, errors = _dates(params, ("date",))
        output = _format(params, errors)
        if errors:
            raise _invalid(errors)
        # entity=BE01 (or BE01,US01): the pairs of those entities only; each must be the key's.
        wanted = [code.strip() for code in (params.get("entity") or "").split(",") if code.strip()]
        refused = [code for code in wanted if code not in allowed]
        if refused:
            raise _forbidden(f"this key may not read entity {text.quote(refused[0])}")
        env = self._env()
        companies = env["res.company"].union(*allowed.values())
        Engine = env["integration.ic.reconciliation.engine"]
        report = Engine._compute(companies, dates["date"])
        if wanted:
            report["pairs"] = [pair for pair in report["pairs"] if pair["company"].entity_code in wanted]
        body = Engine._as_json(report)
        if output == "csv":
            return _csv_response(as_csv(body), f"intercompany-{body['date']}.csv")
        return self._respond(200, body)

    @api_route(f"{API}/reporting/consolidated-trial-balance", "GET")
    @describe(**CONSOLIDATED_DOC)
    def consolidated_trial_balance(self, **params):
        _endpoint, allowed = self._reporting_entities()
        dates, errors = _dates(params, ("date_from", "date_to"))
        if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
            errors.append({"path": "$.date_from", "message": "date_from is after date_to"})
        output = _format(params, errors)
        if errors:
            raise _invalid(errors)
        env = self._env()
        # The consolidation is the whole group's: a key must be allowed every entity of it.
        group = env["res.company"]._ic_group_entities()
        missing = [company.entity_code for company in group if company.entity_code not in allowed]
        if missing:
            raise _forbidden(
                f"the consolidation covers the whole group; this key may not read {', '.join(missing)}"
            )
        Report = env["integration.consolidated.tb"]
        report = Report._compute(dates["date_from"], dates["date_to"], group)
        if output == "csv":
            return _csv_response(Report._as_csv(report), Report._csv_filename(report))
        return self._respond(200, Report._as_json(report))


class IntegrationGroupReportingDownload(http.Controller):
    """CSV downloads for a logged-in user, with the user's own rights."""

    @http.route(
        "/integration/reporting/intercompany/<int:run_id>.csv", type="http", auth="user", methods=["GET"]
    )
    def intercompany_csv(self, run_id, **_params):
        run = request.env["integration.ic.reconciliation"].browse(run_id).exists()
        if not run:
            raise BadRequest("no such reconciliation")
        run.check_access("read")
        body = run._as_json()
        return _csv_response(as_csv(body), f"intercompany-{body['date']}.csv")

    @http.route(
        "/integration/reporting/consolidated-trial-balance.csv", type="http", auth="user", methods=["GET"]
    )
    def consolidated_trial_balance_csv(self, date_from=None, date_to=None, **_params):
        date_from, date_to = _parse_date(date_from), _parse_date(date_to)
        if not date_from or not date_to or date_from > date_to:
            raise BadRequest("date_from and date_to (YYYY-MM-DD, in order) are required")
        Report = request.env["integration.consolidated.tb"]
        report = Report._compute(date_from, date_to)
        return _csv_response(Report._as_csv(report), Report._csv_filename(report))
