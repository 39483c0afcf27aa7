"""Reporting, extension 1.1 of the API (read-only), and the same report's CSV download in Odoo.

Thin, as the core API: authenticate (the core's path: key, and the
signature of the read where the endpoint asks for one), check the
parameters and the permission, hand over to ``integration.trial.balance``,
answer. ``group=1`` instead of ``entity`` (extension 1.3) reads every entity
the key may read in one document.
"""

import re

from werkzeug.exceptions import BadRequest, Forbidden

from odoo import fields, http
from odoo.http import content_disposition, request

from odoo.addons.integration_core.controllers.api import IntegrationApi
from odoo.addons.integration_core.controllers.common import API, ApiError, api_route
from odoo.addons.integration_core.engine import text
from odoo.addons.integration_core.engine.openapi import describe, query, response

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FORMATS = ("json", "csv")
# ``group=1`` asks for the group document; an empty or false value is the same as none.
GROUP_ON, GROUP_OFF = ("1", "true"), ("", "0", "false")


def _forbidden(detail):
    return ApiError(403, {"error": "forbidden", "detail": detail})


def _parse_date(value):
    """A ``YYYY-MM-DD`` date, or None."""
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        return None
    try:
        return fields.Date.to_date(value)
    except ValueError:
        return None


def _csv_response(body, filename):
    return request.make_response(
        body,
        headers=[
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", content_disposition(filename)),
        ],
    )


# The route's OpenAPI description (engine.openapi): its parameters and the documents it answers.
AMOUNT = {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "description": "A decimal string."}
AMOUNTS = dict.fromkeys(("opening", "debit", "credit", "closing"), AMOUNT)
TOTALS = {
    "type": "object",
    "required": ["debit", "credit"],
    "properties": {"debit": AMOUNT, "credit": AMOUNT},
}
DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
REPORT_FORMAT = query(
    "format", "json (the default) or csv: the same rows as text/csv.", {"enum": list(FORMATS)}
)
TRIAL_BALANCE_ROW = {
    "type": "object",
    "required": ["entity", "code", "name", "rate_type", *AMOUNTS],
    "properties": {
        "entity": {"type": "string"},
        "code": {"type": "string"},
        "rate_type": {"type": "string"},
        **AMOUNTS,
    },
}
TRIAL_BALANCE_DOC = {
    "get": {
        "summary": "Trial balance of an entity, or of every entity the key may read (group=1)",
        "description": "Needs the reporting permission and the entity. opening is the balance before "
        "date_from, closing = opening + debit - credit; group amounts are in the group currency "
        "(balance sheet at the closing rate of date_to, income and expense at the period's average).",
        "parameters": [
            query("entity", "The entity code (or group=1 instead).", {"type": "string", "maxLength": 64}),
            query(
                "group",
                "1: every entity the key may read, in one document.",
                {"enum": ["1", "true", "0", "false"]},
            ),
            query("date_from", "First day of the period.", DATE, required=True),
            query("date_to", "Last day of the period.", DATE, required=True),
            REPORT_FORMAT,
        ],
        "responses": {
            200: response(
                "The trial balance; as CSV with format=csv.",
                {
                    "application/json": {
                        "type": "object",
                        "required": [
                            "date_from",
                            "date_to",
                            "group_currency",
                            "accounts",
                            "group_accounts",
                            "totals",
                        ],
                        "properties": {
                            "entity": {"type": "string"},
                            "group": {"const": True},
                            "date_from": {"type": "string"},
                            "date_to": {"type": "string"},
                            "group_currency": {"type": "string"},
                            "accounts": {"type": "array", "items": TRIAL_BALANCE_ROW},
                            "group_accounts": {"type": "array", "items": TRIAL_BALANCE_ROW},
                            "unmapped_accounts": {"type": "array"},
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


class IntegrationReportingApi(IntegrationApi):
    @api_route(f"{API}/reporting/trial-balance", "GET")
    @describe(**TRIAL_BALANCE_DOC)
    def trial_balance(self, **params):
        return self._trial_balance(params)

    def _trial_balance(self, params):
        endpoint = self._authenticate()
        if not endpoint.reporting:
            raise _forbidden("this key may not read reports")
        entity, date_from, date_to, output = self._report_params(params)
        allowed = {company.entity_code: company for company in endpoint.company_ids if company.entity_code}
        Report = self._env()["integration.trial.balance"]
        if entity is None:  # the group: every entity the key may read
            if not allowed:
                raise _forbidden("this key may not read any entity")
            companies = self._env()["res.company"].union(*allowed.values())
            group = Report._compute_group(companies, date_from, date_to)
            if output == "csv":
                return _csv_response(Report._group_as_csv(group), Report._group_csv_filename(group))
            return self._respond(200, Report._group_as_json(group))
        company = allowed.get(entity)
        if not company:
            raise _forbidden(f"this key may not read entity {text.quote(entity)}")
        report = Report._compute(company, date_from, date_to)
        if output == "csv":
            return _csv_response(Report._as_csv(report), Report._csv_filename(report))
        return self._respond(200, Report._as_json(report))

    @staticmethod
    def _report_params(params):
        """``(entity, date_from, date_to, format)``, entity None for the group; 422 naming every bad
        parameter at once."""
        errors = []
        entity = (params.get("entity") or "").strip()
        group = params.get("group") or ""
        if group.strip().lower() in GROUP_ON:
            if entity:
                errors.append({"path": "$.group", "message": "give group=1 or an entity, not both"})
            entity = None
        elif group.strip().lower() not in GROUP_OFF:
            message = f"{text.quote(group)} is not 1: group=1 reads every entity the key may read"
            errors.append({"path": "$.group", "message": message})
        elif not entity:
            message = "give the entity code, e.g. BE01, or group=1 for every entity the key may read"
            errors.append({"path": "$.entity", "message": message})
        dates = {}
        for name in ("date_from", "date_to"):
            value = params.get(name)
            dates[name] = _parse_date(value)
            if not value:
                errors.append({"path": f"$.{name}", "message": f"give {name} as YYYY-MM-DD"})
            elif not dates[name]:
                message = f"{text.quote(value)} is not a date as YYYY-MM-DD"
                errors.append({"path": f"$.{name}", "message": message})
        if dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
            errors.append({"path": "$.date_from", "message": "date_from is after date_to"})
        output = params.get("format") or "json"
        if output not in FORMATS:
            errors.append({"path": "$.format", "message": "format is json or csv"})
        if errors:
            raise ApiError(422, {"error": "invalid", "errors": errors})
        return entity, dates["date_from"], dates["date_to"], output


class IntegrationReportingDownload(http.Controller):
    """The trial balance of one or several entities as CSV for a logged-in user, with the user's own
    rights and companies."""

    @http.route("/integration/reporting/trial-balance.csv", type="http", auth="user", methods=["GET"])
    def trial_balance_csv(self, company_ids=None, date_from=None, date_to=None, company_id=None, **_params):
        ids = (company_ids or company_id or "").split(",")
        date_from, date_to = _parse_date(date_from), _parse_date(date_to)
        numbers = all(value.isascii() and value.isdigit() and len(value) < 10 for value in ids)
        if not numbers or not date_from or not date_to or date_from > date_to:
            raise BadRequest("company_ids, date_from and date_to (YYYY-MM-DD, in order) are required")
        user = request.env.user
        companies = request.env["res.company"].browse(list(dict.fromkeys(int(value) for value in ids)))
        if companies - user.company_ids:
            raise Forbidden("one of these companies is not yours")
        Report = request.env["integration.trial.balance"]
        group = Report._compute_group(companies, date_from, date_to)
        if len(companies) == 1:
            return _csv_response(Report._group_as_csv(group), Report._csv_filename(group["reports"][0]))
        return _csv_response(Report._group_as_csv(group), Report._group_csv_filename(group))
