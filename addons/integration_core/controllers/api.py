"""The external JSON API, contract v1 (see shared api-contract.md).

Thin on purpose: authenticate, parse, hand over to the models, and map each
outcome to the contract's status and body. Nothing here decides business
meaning.
"""

import json
import logging
import time
import uuid

from odoo import SUPERUSER_ID, http
from odoo.exceptions import ConcurrencyError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

_logger = logging.getLogger(__name__)

API = "/integration/v1"
MAX_BATCH = 1000
SIGNATURE_WINDOW = 300  # seconds
# Batch item 'status' per single-envelope status.
BATCH_STATUS = {202: "accepted", 200: "duplicate"}


def api_route(path, method):
    """A route for machines: the controller checks the bearer key, answers JSON, keeps no session.

    Not read-only: authenticating records the key's last use.
    """
    return http.route(
        path, type="http", auth="none", methods=[method], csrf=False, save_session=False, readonly=False
    )


class ApiError(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(body.get("error"))
        self.status, self.body, self.headers = status, body, headers or {}


def _unauthorized():
    return ApiError(401, {"error": "unauthorized"})


class IntegrationApi(http.Controller):
    # ------------------------------------------------------------ plumbing
    def _env(self):
        return request.env(user=SUPERUSER_ID, su=True)

    def _respond(self, status, body, headers=None):
        headers = dict(headers or {})
        return request.make_json_response(body, headers=list(headers.items()), status=status)

    def _guarded(self, handler, *args, **kwargs):
        """Run a route; contract errors become their answer, anything else a 500 with a request id."""
        try:
            return handler(*args, **kwargs)
        except ApiError as error:
            return self._respond(error.status, error.body, error.headers)
        except (ConcurrencyError, *PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
            raise  # Odoo retries the whole request in a new transaction
        except Exception:
            request.env.cr.rollback()
            request_id = uuid.uuid4().hex
            _logger.exception("integration: internal error, request id %s", request_id)
            return self._respond(500, {"error": "internal_error", "request_id": request_id})

    def _authenticate(self):
        header = request.httprequest.headers.get("Authorization", "")
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise _unauthorized()
        key = self._env()["integration.api.key"]._authenticate(raw.strip())
        if not key or not key.endpoint_id._may_serve():
            raise _unauthorized()
        return key.endpoint_id

    def _read_body(self, endpoint):
        httprequest = request.httprequest
        mimetype = (httprequest.mimetype or "").lower()
        if mimetype != "application/json" and not mimetype.endswith("+json"):
            raise ApiError(415, {"error": "unsupported_media_type"})
        limit = endpoint.max_body_kb * 1024
        if (httprequest.content_length or 0) > limit:
            raise ApiError(413, {"error": "too_large"})
        body = httprequest.get_data(cache=True)
        if len(body) > limit:
            raise ApiError(413, {"error": "too_large"})
        if endpoint.require_signature:
            self._check_signature(endpoint, body)
        return body

    def _check_signature(self, endpoint, body):
        headers = request.httprequest.headers
        timestamp, signature = headers.get("X-Timestamp", ""), headers.get("X-Signature", "")
        if not timestamp.isdigit() or not signature:
            raise _unauthorized()
        if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW:
            _logger.info("integration: endpoint %s: stale signature timestamp", endpoint.code)
            raise _unauthorized()
        if not self._env()["integration.signing.secret"]._verify(endpoint, timestamp, body, signature):
            _logger.info("integration: endpoint %s: bad signature", endpoint.code)
            raise _unauthorized()

    @staticmethod
    def _parse(body):
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiError(400, {"error": "malformed_json", "detail": str(error)}) from error
        if not isinstance(document, dict):
            raise ApiError(400, {"error": "malformed_json", "detail": "the body must be a JSON object"})
        return document

    # -------------------------------------------------------------- routes
    @http.route(f"{API}/health", type="http", auth="none", methods=["GET"], csrf=False, save_session=False)
    def health(self):
        return self._respond(200, {"status": "ok"})

    @api_route(f"{API}/messages", "POST")
    def post_messages(self):
        return self._guarded(self._post_messages)

    def _post_messages(self):
        endpoint = self._authenticate()
        document = self._parse(self._read_body(endpoint))
        Message = self._env()["integration.message"]
        if "messages" in document:
            envelopes = document["messages"]
            if not isinstance(envelopes, list) or not envelopes or len(envelopes) > MAX_BATCH:
                raise ApiError(
                    422,
                    {
                        "error": "invalid",
                        "errors": [
                            {
                                "path": "$.messages",
                                "message": f"a batch is a list of 1 to {MAX_BATCH} envelopes",
                            }
                        ],
                    },
                )
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

    @api_route(f"{API}/messages/<int:message_id>", "GET")
    def get_message(self, message_id):
        return self._guarded(self._get_message, message_id)

    def _get_message(self, message_id):
        endpoint = self._authenticate()
        message = self._env()["integration.message"].search(
            [("id", "=", message_id), ("endpoint_id", "=", endpoint.id), ("direction", "=", "in")]
        )
        return self._message_or_404(message)

    @api_route(f"{API}/messages", "GET")
    def find_message(self, idempotency_key=None, **_kwargs):
        return self._guarded(self._find_message, idempotency_key)

    def _find_message(self, idempotency_key):
        endpoint = self._authenticate()
        if not idempotency_key:
            raise ApiError(
                422,
                {
                    "error": "invalid",
                    "errors": [
                        {"path": "$.idempotency_key", "message": "give the idempotency_key to look for"}
                    ],
                },
            )
        message = self._env()["integration.message"].search(
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
