"""The external JSON API, contract v1 (see shared api-contract.md).

Thin on purpose: authenticate, parse, hand over to the models, and map each
outcome to the contract's status and body. Nothing here decides business
meaning. The plumbing every route shares (JSON answers, keys, signatures,
bodies) is in ``common``.
"""

import re

from werkzeug.exceptions import HTTPException

from odoo import http
from odoo.http import request

from ..engine import intake_audit, jsondoc
from ..engine.openapi import describe
from .common import API, ApiController, ApiError, api_route, invalid
from .openapi import DOCS

__all__ = ["API", "ApiError", "IntegrationApi", "api_route"]

MAX_BATCH = 1000
MAX_KEY_LENGTH = 255
# A message id PostgreSQL's integer column can hold; anything else names no message.
MESSAGE_ID = re.compile(r"[0-9]{1,10}")
MAX_MESSAGE_ID = 2**31 - 1
# Batch item 'status' per single-envelope status.
BATCH_STATUS = {202: "accepted", 200: "duplicate"}
# The routes answering any path under /integration/v1 that no other route serves (a doubled
# slash included: werkzeug would otherwise answer it with an HTML redirect).
CATCH_ALL = (API, f"{API}/", f"{API}/<path:rest>", f"{API}//<path:rest>")
PROBED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class IntegrationApi(ApiController):
    # -------------------------------------------------------------- routes
    @api_route(f"{API}/health", "GET")
    @describe(**DOCS["health"])
    def health(self, **_params):
        return self._respond(200, {"status": "ok"})

    @api_route(f"{API}/messages", "GET", "POST")
    @describe(**DOCS["messages"])
    def messages(self, idempotency_key=None, **_params):
        if request.httprequest.method == "POST":
            return self._post_messages()
        return self._find_message(idempotency_key)

    @api_route(f"{API}/messages/<string:message_id>", "GET")
    @describe(**DOCS["message"])
    def message(self, message_id, **_params):
        return self._get_message(message_id)

    @http.route(list(CATCH_ALL), type="http", auth="none", csrf=False, save_session=False)
    def unknown_route(self, **_params):
        """Any other path under the API: 405 where another method would be served, else 404; JSON."""
        return self._guarded(self._unknown_route)

    def _unknown_route(self):
        methods = self._served_methods(request.httprequest.path)
        if methods:
            return self._method_not_allowed(methods)
        return self._respond(404, {"error": "not_found"})

    # ------------------------------------------------------------ messages
    def _post_messages(self):
        endpoint = self._authenticate()
        try:
            document = self._parse(self._read_body(endpoint))
            envelopes = document.get("messages")
            if "messages" in document and (
                not isinstance(envelopes, list) or not envelopes or len(envelopes) > MAX_BATCH
            ):
                raise invalid("$.messages", f"a batch is a list of 1 to {MAX_BATCH} envelopes")
        except ApiError as error:
            # The sender is known: its refused request shows among the rejected requests too.
            intake_audit.audit_refused_request(self._env(), endpoint, error.status, error.body)
            raise
        Message = self._env()["integration.message"]
        if "messages" in document:
            outcomes = Message._api_receive(endpoint, envelopes)
            return self._respond(200, {"results": [self._batch_item(outcome) for outcome in outcomes]})
        status, body, headers = Message._api_receive(endpoint, [document])[0]
        return self._respond(status, body, headers)

    @staticmethod
    def _batch_item(outcome):
        status, body, headers = outcome
        item = dict(body, status=BATCH_STATUS.get(status) or body.get("error"), http_status=status)
        if "Retry-After" in headers:
            item["retry_after"] = int(headers["Retry-After"])
        return item

    def _get_message(self, message_id):
        endpoint = self._authenticate()
        if not MESSAGE_ID.fullmatch(message_id) or not 0 < int(message_id) <= MAX_MESSAGE_ID:
            raise ApiError(404, {"error": "not_found"})
        message = self._env()["integration.message"]._api_search(
            [("id", "=", int(message_id)), ("endpoint_id", "=", endpoint.id), ("direction", "=", "in")]
        )
        return self._message_or_404(message)

    def _find_message(self, idempotency_key):
        endpoint = self._authenticate()
        if not idempotency_key:
            raise invalid("$.idempotency_key", "give the idempotency_key to look for")
        problems = jsondoc.problems(idempotency_key, "$.idempotency_key")
        if problems:
            raise ApiError(422, {"error": "invalid", "errors": problems})
        if len(idempotency_key) > MAX_KEY_LENGTH:
            raise invalid("$.idempotency_key", f"an idempotency key has at most {MAX_KEY_LENGTH} characters")
        message = self._env()["integration.message"]._api_search(
            [
                ("idempotency_key", "=", idempotency_key),
                ("endpoint_id", "=", endpoint.id),
                ("direction", "=", "in"),
            ]
        )
        return self._message_or_404(message)

    def _message_or_404(self, message):
        if not message:
            raise ApiError(404, {"error": "not_found"})
        return self._respond(200, message._api_dict())

    # --------------------------------------------------------- unknown routes
    @staticmethod
    def _served_methods(path):
        """The methods another route of the API serves at ``path`` (any addon's), for a 405's Allow."""
        adapter = request.env["ir.http"].routing_map().bind_to_environ(request.httprequest.environ)
        served = []
        for method in PROBED_METHODS:
            try:
                rule, _args = adapter.match(path_info=path, method=method, return_rule=True)
            except HTTPException:  # not found, another method only, or a redirect
                continue
            if rule.rule not in CATCH_ALL:
                served.append(method)
        return served
