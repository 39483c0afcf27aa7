"""``POST /integration/v1/bank/camt053?entity=<code>``: a camt.053 file as the bank sent it, one
``bank_statement`` message per statement (contract, "Bank details", extension 1.2).

Thin like the core's routes: authenticate, read the body within the endpoint's
limit and signature (the core's helpers, as for ``POST /messages``), check the
header and the entity, parse (``parsers.camt053``), then hand the statements to
the core's intake as a batch of envelopes, so a camt statement is validated,
deduplicated, held and throttled exactly as the same statement sent as JSON.
A file refused as a whole stores nothing.
"""

import re
import uuid

from odoo.http import request

from odoo.addons.integration_core.controllers.api import IntegrationApi
from odoo.addons.integration_core.controllers.common import API, ApiError, api_route, invalid
from odoo.addons.integration_core.engine import intake_audit, text
from odoo.addons.integration_core.engine.openapi import describe, json_response, parameter, query, schema_ref

from ..parsers import camt053

XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
FLOW, SCHEMA_VERSION = "bank_statement", "1.0"
# An idempotency key's rule (printable ASCII), with room left in its 255 characters for the
# "/<n>" that names each statement of the file (n up to 1000).
IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7E]{1,250}")


# The route's OpenAPI description (engine.openapi). The file's outline: what the parser reads, not the
# whole ISO 20022 schema (any camt.053.001.02 to .13 namespace is read; .02 is shown).
_CODE = {"type": "string", "maxLength": 35}
_DATE = {"type": "object", "properties": {"Dt": {"type": "string", "format": "date"}}}
_AMOUNT = {"type": "string", "pattern": "^[0-9]{1,15}(\\.[0-9]{1,5})?$"}
_SIGN = {"enum": ["CRDT", "DBIT"]}
CAMT053_DOCUMENT = {
    "type": "object",
    "description": "A camt.053 file (ISO 20022 BankToCustomerStatement) as the bank sent it.",
    "xml": {"name": "Document", "namespace": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"},
    "required": ["BkToCstmrStmt"],
    "properties": {
        "BkToCstmrStmt": {
            "type": "object",
            "required": ["GrpHdr", "Stmt"],
            "properties": {
                "GrpHdr": {"type": "object", "properties": {"MsgId": _CODE}},
                "Stmt": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "Id": _CODE,
                            "Acct": {
                                "type": "object",
                                "properties": {"Id": {"type": "object", "properties": {"IBAN": _CODE}}},
                            },
                            "Bal": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "Tp": {
                                            "type": "object",
                                            "properties": {
                                                "CdOrPrtry": {
                                                    "type": "object",
                                                    "properties": {"Cd": {"enum": ["OPBD", "PRCD", "CLBD"]}},
                                                }
                                            },
                                        },
                                        "Amt": _AMOUNT,
                                        "CdtDbtInd": _SIGN,
                                        "Dt": _DATE,
                                    },
                                },
                            },
                            "Ntry": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "Amt": _AMOUNT,
                                        "CdtDbtInd": _SIGN,
                                        "Sts": {"enum": ["BOOK", "PDNG", "INFO"]},
                                        "BookgDt": _DATE,
                                        "AcctSvcrRef": _CODE,
                                        "AddtlNtryInf": {"type": "string", "maxLength": 500},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}
CAMT053_DOC = {
    "post": {
        "summary": "A camt.053 file as the bank sent it: one bank_statement message per statement",
        "description": "camt.053.001.02 to .13. The n-th statement's message has the idempotency key "
        "<Idempotency-Key>/<n>, so the same file sent again with the same header answers duplicates. "
        "A file refused as a whole stores nothing.",
        "parameters": [
            query(
                "entity", "The entity code of the bank account's company.", {"type": "string"}, required=True
            ),
            parameter(
                "Idempotency-Key",
                "header",
                "The file's key.",
                {"type": "string", "pattern": "^[\\x20-\\x7E]{1,250}$"},
                required=True,
            ),
        ],
        "requestBody": {
            "required": True,
            "content": {media: {"schema": CAMT053_DOCUMENT} for media in sorted(XML_MEDIA_TYPES)},
        },
        "responses": {
            200: json_response(
                "One item per statement, in file order: a batch item with the statement's id and account.",
                {
                    "type": "object",
                    "required": ["results"],
                    "properties": {
                        "results": {
                            "type": "array",
                            "items": {
                                "allOf": [schema_ref("BatchItem")],
                                "required": ["statement_id", "account"],
                                "properties": {
                                    "statement_id": {"type": ["string", "null"]},
                                    "account": {"type": ["string", "null"]},
                                },
                            },
                        }
                    },
                },
            ),
            400: json_response(
                "Not well-formed XML, or XML carrying a DTD or entity declarations.",
                {"allOf": [schema_ref("Error")], "properties": {"error": {"const": "malformed_xml"}}},
            ),
        },
        "errors": (403, 413, 415, 422),
    }
}


class IntegrationCamt053Api(IntegrationApi):
    @api_route(f"{API}/bank/camt053", "POST")
    @describe(**CAMT053_DOC)
    def bank_camt053(self, entity=None, **_params):
        endpoint = self._authenticate()
        try:
            data = self._read_body(endpoint, XML_MEDIA_TYPES)
            key = self._camt_idempotency_key()
            self._camt_check_entity(endpoint, entity)
            statements = self._camt_statements(data)
        except ApiError as error:
            # The sender is known: its refused file shows among the rejected requests.
            intake_audit.audit_refused_request(self._env(), endpoint, error.status, error.body)
            raise
        # One correlation id for the whole file: its statements are traced back to one delivery.
        correlation_id = str(uuid.uuid4())
        envelopes = [
            {
                "flow": FLOW,
                "schema_version": SCHEMA_VERSION,
                "entity": entity,
                "idempotency_key": f"{key}/{number}",
                "correlation_id": correlation_id,
                "payload": statement,
            }
            for number, statement in enumerate(statements, 1)
        ]
        outcomes = self._env()["integration.message"]._api_receive(endpoint, envelopes)
        results = [
            dict(
                self._batch_item(outcome),
                statement_id=statement.get("statement_id"),
                account=statement.get("account"),
            )
            for outcome, statement in zip(outcomes, statements, strict=True)
        ]
        return self._respond(200, {"results": results})

    @staticmethod
    def _camt_idempotency_key():
        key = request.httprequest.headers.get("Idempotency-Key")
        if not key:
            raise invalid("Idempotency-Key", "give the file an Idempotency-Key header")
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise invalid(
                "Idempotency-Key",
                f"{text.quote(key)} is not an idempotency key: 1 to 250 printable ASCII characters",
            )
        return key

    def _camt_check_entity(self, endpoint, entity):
        """The entity and the flow the key may write, in the core's words for an envelope: a file is for
        one entity, so it is refused once, as a whole, rather than once per statement."""
        if not entity:
            raise invalid("$.entity", "give the entity code of the bank account's company, e.g. BE01")
        if entity not in endpoint.company_ids.mapped("entity_code"):
            raise ApiError(
                403,
                {"error": "forbidden", "detail": f"this key may not write to entity {text.quote(entity)}"},
            )
        if FLOW not in endpoint.flow_ids.mapped("code"):
            raise ApiError(403, {"error": "forbidden", "detail": f"this key may not send flow '{FLOW}'"})

    @staticmethod
    def _camt_statements(data):
        try:
            statements = camt053.parse(data)
        except camt053.MalformedCamt as error:
            raise ApiError(
                400, {"error": "malformed_xml", "detail": text.clean(error.reason, text.LIMIT)}
            ) from error
        except camt053.InvalidCamt as error:
            raise invalid("$", text.clean(error.reason, text.LIMIT)) from error
        if not statements:
            raise invalid("$", "the file holds no statement (Stmt)")
        return statements
