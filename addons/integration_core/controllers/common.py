"""What every route under ``/integration/v1`` shares: JSON answers, errors, the caller's identity.

Everything a request carries is sender text: header values are checked
for shape before they reach the database, an integer conversion or a log
line, and every answer, errors included, is JSON (contract: "Every answer
under /integration/v1, errors included, is JSON").
"""

import functools
import json
import logging
import re
import time
import uuid

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from odoo import SUPERUSER_ID, http
from odoo.exceptions import ConcurrencyError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..engine import intake_audit, jsondoc, text

_logger = logging.getLogger(__name__)

API = "/integration/v1"
SIGNATURE_WINDOW = 300  # seconds
# Keys are ``ik_`` and a few dozen URL-safe characters; anything longer, or not
# printable ASCII, is no key and never reaches the database.
BEARER = re.compile(r"bearer[ \t]+([!-~]{1,200})[ \t]*", re.IGNORECASE)
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
# Requests whose signature covers the request line, having no body to sign (extension 1.2).
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE"})
# The contract's error name of a status werkzeug may raise on its own (a body over
# werkzeug's limit, a client gone while sending...).
HTTP_ERROR_NAMES = {
    400: "malformed_json",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


# Every api_route as (path, methods, handler), in import order: the OpenAPI document is made from it.
ROUTES = []


class ApiError(Exception):
    """A contract answer other than success: its status, JSON body and headers."""

    def __init__(self, status, body, headers=None):
        super().__init__(body.get("error"))
        self.status, self.body, self.headers = status, body, headers or {}


def unauthorized():
    return ApiError(401, {"error": "unauthorized"})


def invalid(path, message):
    return ApiError(422, {"error": "invalid", "errors": [{"path": path, "message": message}]})


def api_route(path, *methods):
    """A route for machines: every HTTP method reaches it, so one it does not serve answers a JSON 405.

    Odoo (werkzeug) would answer a method outside ``methods`` with an HTML
    405 before any controller runs; the route takes them all and refuses
    itself. The handler runs guarded: contract errors become their answer,
    anything unforeseen a JSON 500 with a request id. Not read-only:
    authenticating records the key's last use. No session, no CSRF token.
    """
    allowed = frozenset(methods)

    def decorator(handler):
        ROUTES.append((path, allowed, handler))

        @functools.wraps(handler)
        def serve(self, *args, **kwargs):
            if request.httprequest.method not in allowed:
                return self._method_not_allowed(sorted(allowed))
            return self._guarded(handler, self, *args, **kwargs)

        return http.route(path, type="http", auth="none", csrf=False, save_session=False, readonly=False)(
            serve
        )

    return decorator


class ApiController(http.Controller):
    """Plumbing of the API's controllers; the routes live in the subclasses."""

    def _env(self):
        return request.env(user=SUPERUSER_ID, su=True)

    # -------------------------------------------------------------- answers
    def _respond(self, status, body, headers=None):
        try:
            data = json.dumps(body, ensure_ascii=False, default=str).encode()
        except UnicodeEncodeError:
            # An unpaired surrogate has no UTF-8 form: write it as text instead of failing the answer.
            data = json.dumps(text.clean_json(body), ensure_ascii=False, default=str).encode()
        headers = [("Content-Type", "application/json; charset=utf-8"), *(headers or {}).items()]
        return request.make_response(data, headers=headers, status=status)

    def _method_not_allowed(self, methods):
        return self._respond(405, {"error": "method_not_allowed"}, {"Allow": ", ".join(methods)})

    def _guarded(self, handler, *args, **kwargs):
        """Run a route; contract errors become their answer, anything else a 500 with a request id."""
        try:
            return handler(*args, **kwargs)
        except ApiError as error:
            return self._respond(error.status, error.body, error.headers)
        except (ConcurrencyError, *PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
            raise  # Odoo retries the whole request in a new transaction
        except HTTPException as error:
            request.env.cr.rollback()
            name = HTTP_ERROR_NAMES.get(error.code, "bad_request")
            return self._respond(error.code or 400, {"error": name})
        except Exception:
            request.env.cr.rollback()
            request_id = uuid.uuid4().hex
            _logger.exception("integration: internal error, request id %s", request_id)
            return self._respond(500, {"error": "internal_error", "request_id": request_id})

    # ------------------------------------------------------- authentication
    def _authenticate(self):
        """The calling endpoint, from the bearer key; a read of an endpoint asking for signatures is
        checked here too (a request with a body is checked once its body is read: ``_read_body``)."""
        match = BEARER.fullmatch(request.httprequest.headers.get("Authorization", ""))
        if not match:
            raise unauthorized()
        key = self._env()["integration.api.key"]._authenticate(match.group(1))
        if not key:
            raise unauthorized()
        endpoint = key.endpoint_id
        if not endpoint._may_serve():
            raise self._wrong_environment(endpoint)
        if endpoint.require_signature and request.httprequest.method in BODYLESS_METHODS:
            self._check_signature(endpoint, self._signed_request_line())
        return endpoint

    def _wrong_environment(self, endpoint):
        """A valid key of an endpoint made for another environment (a production key sent to a test
        copy, say): refused with the reason, which shows among the rejected requests and in the log."""
        here = endpoint._server_environment()
        names = {"dev": "development", "test": "test", "prod": "production"}
        detail = (
            f"this server is a {names.get(here, here)} environment; the key belongs to an endpoint of the "
            f"{names.get(endpoint.environment)} environment, which is not accepted here"
        )
        _logger.warning(
            "integration: endpoint %s (%s) refused: this database is %s",
            text.for_log(endpoint.code),
            endpoint.environment,
            here,
        )
        error = ApiError(401, {"error": "unauthorized", "detail": detail})
        intake_audit.audit_refused_request(self._env(), endpoint, error.status, error.body)
        return error

    @staticmethod
    def _signed_request_line():
        """What a read signs: ``<METHOD> <path>`` and ``?<query>`` when there is one, the query as sent."""
        httprequest = request.httprequest
        query = httprequest.environ.get("QUERY_STRING", "")
        line = f"{httprequest.method} {httprequest.path}".encode()
        # The WSGI server hands the query over as latin-1 text of the bytes received.
        return line + b"?" + query.encode("latin-1") if query else line

    def _check_signature(self, endpoint, signed):
        headers = request.httprequest.headers
        timestamp = headers.get("X-Timestamp", "")
        signature = SIGNATURE.fullmatch(headers.get("X-Signature", ""))
        if not TIMESTAMP.fullmatch(timestamp) or not signature:
            raise unauthorized()
        if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW:
            _logger.info("integration: endpoint %s: stale signature timestamp", text.for_log(endpoint.code))
            raise unauthorized()
        given = f"sha256={signature.group(1).lower()}"
        if not self._env()["integration.signing.secret"]._verify(endpoint, timestamp, signed, given):
            _logger.info("integration: endpoint %s: bad signature", text.for_log(endpoint.code))
            raise unauthorized()

    # ----------------------------------------------------------------- body
    def _read_body(self, endpoint, media_types=None):
        """The raw body of a JSON request (or of one of ``media_types``, for a route reading another
        format) within the endpoint's size limit, its signature checked."""
        httprequest = request.httprequest
        mimetype = (httprequest.mimetype or "").lower()
        if media_types is not None:
            accepted = mimetype in media_types
        else:
            accepted = mimetype == "application/json" or mimetype.endswith("+json")
        if not accepted:
            raise ApiError(415, {"error": "unsupported_media_type"})
        limit = endpoint.max_body_kb * 1024
        if (httprequest.content_length or 0) > limit:
            raise ApiError(413, {"error": "too_large"})
        try:
            body = httprequest.get_data(cache=True)
        except RequestEntityTooLarge as error:
            raise ApiError(413, {"error": "too_large"}) from error
        if len(body) > limit:
            raise ApiError(413, {"error": "too_large"})
        if endpoint.require_signature:
            self._check_signature(endpoint, body)
        return body

    @staticmethod
    def _parse(body):
        """The JSON object of a body (numbers exact), or the contract's 400."""
        try:
            document = jsondoc.loads(body)
        except jsondoc.NotJson as error:
            raise ApiError(400, {"error": "malformed_json", "detail": str(error)}) from error
        if not isinstance(document, dict):
            raise ApiError(400, {"error": "malformed_json", "detail": "the body must be a JSON object"})
        return document
