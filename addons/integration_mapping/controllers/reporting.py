"""Reporting, extension 1.1 of the API (read-only), and the same report's CSV download in Odoo.

Thin, as the core API: authenticate (the core's path: key, and the
signature of the read where the endpoint asks for one), check the
parameters and the permission, hand over to ``integration.trial.balance``,
answer.
"""

import re

from werkzeug.exceptions import BadRequest

from odoo import fields, http
from odoo.http import content_disposition, request

from odoo.addons.integration_core.controllers.api import IntegrationApi
from odoo.addons.integration_core.controllers.common import API, ApiError, api_route
from odoo.addons.integration_core.engine import text

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FORMATS = ("json", "csv")


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


def _csv_response(report_model, report):
    return request.make_response(
        report_model._as_csv(report),
        headers=[
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", content_disposition(report_model._csv_filename(report))),
        ],
    )


class IntegrationReportingApi(IntegrationApi):
    @api_route(f"{API}/reporting/trial-balance", "GET")
    def trial_balance(self, **params):
        return self._trial_balance(params)

    def _trial_balance(self, params):
        endpoint = self._authenticate()
        if not endpoint.reporting:
            raise _forbidden("this key may not read reports")
        entity, date_from, date_to, output = self._report_params(params)
        allowed = {company.entity_code: company for company in endpoint.company_ids if company.entity_code}
        company = allowed.get(entity)
        if not company:
            raise _forbidden(f"this key may not read entity {text.quote(entity)}")
        Report = self._env()["integration.trial.balance"]
        report = Report._compute(company, date_from, date_to)
        if output == "csv":
            return _csv_response(Report, report)
        return self._respond(200, Report._as_json(report))

    @staticmethod
    def _report_params(params):
        """``(entity, date_from, date_to, format)``; 422 naming every bad parameter at once."""
        errors = []
        entity = (params.get("entity") or "").strip()
        if not entity:
            errors.append({"path": "$.entity", "message": "give the entity code, e.g. BE01"})
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
    """The trial balance as CSV for a logged-in user, with the user's own rights and companies."""

    @http.route("/integration/reporting/trial-balance.csv", type="http", auth="user", methods=["GET"])
    def trial_balance_csv(self, company_id=None, date_from=None, date_to=None, **_params):
        date_from, date_to = _parse_date(date_from), _parse_date(date_to)
        if not (company_id or "").isdigit() or not date_from or not date_to or date_from > date_to:
            raise BadRequest("company_id, date_from and date_to (YYYY-MM-DD, in order) are required")
        company = request.env["res.company"].browse(int(company_id))
        # with_company: Odoo refuses (AccessError, 403) a company the user may not use.
        Report = request.env["integration.trial.balance"].with_company(company)
        return _csv_response(Report, Report._compute(company, date_from, date_to))
