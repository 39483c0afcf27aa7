"""``GET /integration/v1/openapi.json``: the API's OpenAPI 3.1 document (contract extension 1.4), and the
descriptions of the core's own routes, which ``api`` attaches to them with ``describe``.

No key needed: the document says what the API accepts, nothing about data.
It is generated from the registered routes and the flows' schemas
(``engine.openapi``) and kept per registry, so most reads serve bytes
already made.
"""

from odoo.http import request

from ..engine import openapi
from ..engine.openapi import describe, json_response, query, schema_ref
from .common import API, ROUTES, ApiController, api_route

IDEMPOTENCY_KEY = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7E]+$"}

DOCS = {
    "health": {
        "get": {
            "summary": "Whether the API answers",
            "description": "No key needed; says nothing about data.",
            "public": True,
            "responses": {
                200: json_response(
                    "The API answers.",
                    {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}},
                )
            },
        }
    },
    "messages": {
        "get": {
            "summary": "A message of the caller's endpoint, by idempotency key",
            "parameters": [
                query("idempotency_key", "The key the message was sent with.", IDEMPOTENCY_KEY, required=True)
            ],
            "responses": {200: json_response("The message as it stands.", schema_ref("Message"))},
            "errors": (404, 422),
        },
        "post": {
            "summary": "Send a message, or a batch of up to 1000",
            "description": "The envelope and its payload are validated against the flow's schema for "
            "schema_version and the static checks, then stored; processing follows in the queue. "
            "A batch answers 200 with one item per envelope, in order: one bad envelope never "
            "rejects the others.",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [schema_ref("Envelope"), schema_ref("Batch")]},
                    }
                },
            },
            "responses": {
                202: json_response("Stored as a new message.", schema_ref("Accepted")),
                200: json_response(
                    "A batch's answers; or a single envelope whose idempotency key is already stored "
                    "with the same payload (the stored message).",
                    {"anyOf": [schema_ref("BatchResults"), schema_ref("Duplicate")]},
                ),
            },
            "errors": (400, 403, 409, 413, 415, 422, 429, 503),
        },
    },
    "message": {
        "get": {
            "summary": "A message of the caller's endpoint, by id",
            "parameters": [
                {
                    "name": "message_id",
                    "in": "path",
                    "required": True,
                    "description": "The id the message was stored with.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            ],
            "responses": {200: json_response("The message as it stands.", schema_ref("Message"))},
            "errors": (404,),
        }
    },
}


class IntegrationOpenApi(ApiController):
    @api_route(f"{API}/openapi.json", "GET")
    @describe(
        get={
            "summary": "This document",
            "description": "OpenAPI 3.1, generated from the routes served and every active flow's schemas.",
            "public": True,
            "responses": {200: json_response("The OpenAPI document.", {"type": "object"})},
        }
    )
    def openapi_document(self, **_params):
        data = openapi.served(self._env(), ROUTES)
        return request.make_response(data, headers=[("Content-Type", "application/json; charset=utf-8")])
