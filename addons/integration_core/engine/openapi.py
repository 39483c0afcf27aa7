"""The API's OpenAPI 3.1 document, generated from what the server serves (contract extension 1.4).

Paths and methods come from the routes registered with ``api_route``
(``controllers.common.ROUTES``) of the installed addons, so a new route is
in the document the moment it is served; a route describes itself with
:func:`describe` next to its definition, and one that does not yet appears
with a generic description rather than not at all. The request body of
``POST /messages`` is built from the JSON Schemas of every active inbound
flow, one per registered version: an envelope per (flow, schema_version)
whose ``payload`` is that schema, stored under ``components/schemas`` as
``<flow>_<version>``.

Flows' schemas may declare draft-07 or 2020-12; the document speaks 2020-12
(OpenAPI 3.1's dialect), so draft-07 constructs are rewritten, and local
``$ref``s are rebased onto the schema's place in the document (``$id`` and
``$schema`` are dropped: an embedded ``$id`` would start a resource of its
own that few tools resolve).
"""

import copy
import json
import logging
import re
import threading

from odoo.tools.misc import file_path

_logger = logging.getLogger(__name__)

OPENAPI_VERSION = "3.1.0"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
CONTRACT_VERSION = "1.4"
COMPONENTS_FILE = "integration_core/schemas/openapi_components.json"
ENVELOPE_FILE = "integration_core/schemas/envelope.json"
MAX_BATCH = 1000
# A status an operation lists in ``errors`` answers the contract's body for it (components/responses).
ERROR_RESPONSES = {
    400: "MalformedJson",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    413: "TooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "Busy",
    500: "InternalError",
    503: "OnHold",
}
# Bearer key alone, or with the signature headers where the endpoint requires signed requests.
SECURITY = [{"bearerAuth": []}, {"bearerAuth": [], "signatureTimestamp": [], "signature": []}]
_CONVERTER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 0}, "float": {"type": "number"}}
_COMPONENT_NAME = re.compile(r"[^A-Za-z0-9._-]")
# What a description may carry besides an OpenAPI Operation Object's own fields.
_SHORTHANDS = ("errors", "public")

# JSON Schema keywords whose value is a schema, a list of schemas, or a map of names to schemas;
# anything else is data or an annotation (``enum``, ``const``, ``default``, ``examples``...).
_SCHEMA_KEYWORDS = frozenset(
    {
        "items",
        "additionalItems",
        "additionalProperties",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
_SCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
# (draft-07's ``dependencies`` maps a name to a schema or to a list of names, left as it is.)
_SCHEMA_MAP_KEYWORDS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}
)

_cache = {}  # database name -> (key, document as JSON bytes)
_cache_lock = threading.Lock()


# ----------------------------------------------------------- descriptions
def describe(**operations):
    """Describe a route for the document, per method (``get={...}``, ``post={...}``; ``any`` for
    every method it serves). Put it right under ``@api_route``, on the handler it registers.

    Each value is an OpenAPI Operation Object, plus ``errors`` (the statuses of
    :data:`ERROR_RESPONSES` it answers with the contract's error bodies) and
    ``public`` (no key needed). 401 (unless public) and 500 are added to every
    operation, path parameters from the route's converters.
    """

    def decorator(handler):
        handler.openapi = {method.upper(): operation for method, operation in operations.items()}
        return handler

    return decorator


def schema_ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def parameter(name, where, description, schema=None, required=False):
    return {
        "name": name,
        "in": where,
        "description": description,
        "required": required,
        "schema": schema or {"type": "string"},
    }


def query(name, description, schema=None, required=False):
    return parameter(name, "query", description, schema, required)


def json_response(description, schema):
    return response(description, {"application/json": schema})


def response(description, media):
    """A response of the given ``{media type: schema}``."""
    return {
        "description": description,
        "content": {kind: {"schema": schema} for kind, schema in media.items()},
    }


def component_name(flow_code, version):
    """A flow schema's stable name under components/schemas: ``journal_entry_1.0``."""
    return _COMPONENT_NAME.sub("_", f"{flow_code}_{version}")


# --------------------------------------------------------------- serving
def served(env, routes):
    """The document as JSON bytes, built once per registry and state of the flows (it is read often;
    a flow archived or added shows at the next read, in every worker)."""
    flows = env["integration.flow"].sudo().search_fetch([("direction", "=", "in")], ["code", "schema_dir"])
    key = (env.registry.registry_sequence, tuple((f.id, f.code, f.schema_dir) for f in flows))
    dbname = env.cr.dbname
    with _cache_lock:
        cached = _cache.get(dbname)
    if cached and cached[0] == key:
        return cached[1]
    data = json.dumps(build(env, routes, flows), ensure_ascii=False).encode()
    with _cache_lock:
        _cache[dbname] = (key, data)
    return data


def build(env, routes, flows=None):
    """The document: the served ``routes`` (``(path, methods, handler)``, later ones overriding earlier
    ones) and the schemas of ``flows`` (default: every active inbound flow)."""
    if flows is None:
        flows = env["integration.flow"].sudo().search([("direction", "=", "in")])
    components = copy.deepcopy(_load(COMPONENTS_FILE))
    components["schemas"].update(_envelope_schemas(flows))
    installed = env["ir.module.module"]._installed()
    operations, tags = {}, {}
    for path, methods, handler in routes:
        addon = _addon(handler)
        if addon and addon not in installed:
            continue
        for method in sorted(methods):
            operations[(path, method)] = (handler, addon)
    paths, operation_ids = {}, set()
    for (path, method), (handler, addon) in operations.items():
        template, path_params = _path_template(path)
        several = sum(1 for other_path, _method in operations if other_path == path) > 1
        operation = _operation(
            handler, method, path_params, addon=addon, several=several, operation_ids=operation_ids
        )
        paths.setdefault(template, {})[method.lower()] = operation
        tags.setdefault(addon, None)
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "Finance integration API",
            "version": CONTRACT_VERSION,
            "description": "The external API, contract version 1: every route under /integration/v1 and "
            "each flow's payload schema, per registered schema version. Every answer, errors "
            "included, is JSON unless a route says otherwise; an error body quotes at most 200 "
            "characters of an offending value. Beyond the schemas: text values never hold NUL or other "
            "control characters (tab and newline in label and narration only) nor unpaired "
            "surrogates, and an amount has at most 15 significant digits and 6 decimals (422 at "
            "its path).",
        },
        "security": SECURITY,
        "tags": [{"name": name} for name in sorted(tag for tag in tags if tag)],
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


# ------------------------------------------------------------- operations
def _addon(handler):
    parts = handler.__module__.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["odoo", "addons"] else None


def _path_template(path):
    """``/messages/<string:id>`` as OpenAPI writes it (``/messages/{id}``), and its path parameters."""
    params = []
    for match in _CONVERTER.finditer(path):
        schema = _CONVERTER_SCHEMAS.get(match["converter"], {"type": "string"})
        params.append(parameter(match["name"], "path", f"The route's {match['name']}.", dict(schema), True))
    return _CONVERTER.sub(lambda match: "{" + match["name"] + "}", path), params


def _operation(handler, method, path_params, *, addon, several, operation_ids):
    described = getattr(handler, "openapi", {})
    description = described.get(method) or described.get("ANY")
    operation = copy.deepcopy(
        {k: v for k, v in description.items() if k not in _SHORTHANDS} if description else _generic(handler)
    )
    base_id = operation.get("operationId") or (
        f"{handler.__name__}_{method.lower()}" if several else handler.__name__
    )
    operation_id, number = base_id, 1
    while operation_id in operation_ids:  # two addons' handlers of one name
        number += 1
        operation_id = f"{base_id}_{number}"
    operation_ids.add(operation_id)
    operation["operationId"] = operation_id
    if addon:
        operation.setdefault("tags", [addon])
    given = {(param.get("name"), param.get("in")) for param in operation.get("parameters", [])}
    params = [param for param in path_params if (param["name"], "path") not in given]
    if params or operation.get("parameters"):
        operation["parameters"] = params + operation.get("parameters", [])
    responses = {str(status): answer for status, answer in operation.get("responses", {}).items()}
    if description:
        statuses = {*description.get("errors", ()), 500}
        if description.get("public"):
            operation["security"] = []
        else:
            statuses.add(401)
        for status in statuses:
            responses.setdefault(str(status), {"$ref": f"#/components/responses/{ERROR_RESPONSES[status]}"})
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _generic(handler):
    """A served route that has no description yet: whatever it answers, the document says so."""
    doc = (handler.__doc__ or "").strip()
    return {
        "summary": doc.splitlines()[0] if doc else handler.__name__.replace("_", " ").capitalize(),
        "description": "This route has no description of its own yet (add one with "
        "integration_core.engine.openapi.describe).",
        "x-undescribed": True,
        "responses": {
            "200": {"description": "Success.", "content": {"*/*": {"schema": {}}}},
            "default": json_response(
                "Any other answer: the contract's JSON error body.", schema_ref("Error")
            ),
        },
    }


# ------------------------------------------------------------ flow schemas
def _load(path):
    with open(file_path(path), encoding="utf-8") as handle:
        return json.load(handle)


def _envelope_schemas(flows):
    """Each (flow, version)'s payload schema, its envelope, ``Envelope`` (one of them) and ``Batch``."""
    base = {k: v for k, v in _load(ENVELOPE_FILE).items() if k not in ("$schema", "$id", "title")}
    schemas, envelopes = {}, []
    for flow in flows:
        for version in flow._available_versions():
            name = component_name(flow.code, version)
            try:
                schemas[name] = as_component(_load(flow._schema_path(version)), name)
            except (OSError, ValueError):
                # A broken file refuses that flow's messages already; the rest stays documented.
                _logger.exception("integration: flow %s: schema %s unreadable, left out", flow.code, version)
                continue
            envelope = copy.deepcopy(base)
            envelope["title"] = f"{flow.code} {version} envelope"
            envelope["properties"].update(
                flow={"const": flow.code},
                schema_version={"const": version},
                payload=schema_ref(name),
            )
            schemas[f"Envelope_{name}"] = envelope
            envelopes.append(schema_ref(f"Envelope_{name}"))
    schemas["Envelope"] = {
        "description": "One message: its payload's schema is the one its flow registers for its "
        "schema_version (one branch per flow and version).",
        **({"oneOf": envelopes} if envelopes else base),
    }
    schemas["Batch"] = {
        "type": "object",
        "required": ["messages"],
        "properties": {
            "messages": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_BATCH,
                "items": schema_ref("Envelope"),
            }
        },
    }
    return schemas


def as_component(schema, name):
    """A flow's JSON Schema as a 2020-12 schema under ``#/components/schemas/<name>``."""
    dialect = str(schema.get("$schema", DIALECT))
    schema = {key: value for key, value in schema.items() if key not in ("$schema", "$id")}
    if re.search(r"draft-0[4-7]", dialect):
        schema = _walk(schema, _from_draft07)
    base = f"#/components/schemas/{name}"
    return _walk(schema, lambda node: _rebased(node, base))


def _walk(schema, change):
    """``schema`` with ``change`` applied to every subschema, bottom-up, data keywords left alone."""
    if not isinstance(schema, dict):
        return schema
    walked = {}
    for key, value in schema.items():
        if key in _SCHEMA_KEYWORDS:
            walked[key] = (
                [_walk(v, change) for v in value] if isinstance(value, list) else _walk(value, change)
            )
        elif key in _SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            walked[key] = [_walk(item, change) for item in value]
        elif key in _SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            walked[key] = {name: _walk(sub, change) for name, sub in value.items()}
        else:
            walked[key] = value
    return change(walked)


def _rebased(node, base):
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        return {**node, "$ref": base + ref[1:]}
    return node


def _from_draft07(node):
    """One draft-04 to draft-07 subschema in 2020-12 words, meaning kept."""
    node = dict(node)
    if isinstance(node.get("$ref"), str):
        # draft-07 ignores a $ref's siblings; 2020-12 would apply them
        node = {k: v for k, v in node.items() if k in ("$ref", "title", "description")}
        node["$ref"] = node["$ref"].replace("#/definitions/", "#/$defs/", 1)
        return node
    for bound in ("Minimum", "Maximum"):  # draft-04: a boolean beside minimum/maximum
        if node.get(f"exclusive{bound}") is True and bound.lower() in node:
            node[f"exclusive{bound}"] = node.pop(bound.lower())
        elif node.get(f"exclusive{bound}") is False:
            del node[f"exclusive{bound}"]
    if "definitions" in node:
        node["$defs"] = {**node.pop("definitions"), **node.get("$defs", {})}
    if isinstance(node.get("items"), list):
        node["prefixItems"] = node.pop("items")
        if "additionalItems" in node:
            node["items"] = node.pop("additionalItems")
    else:
        node.pop("additionalItems", None)  # without a list of items, draft-07 ignores it
    dependencies = node.pop("dependencies", None)
    if isinstance(dependencies, dict):
        required = {k: v for k, v in dependencies.items() if isinstance(v, list)}
        subschemas = {k: v for k, v in dependencies.items() if not isinstance(v, list)}
        if required:
            node["dependentRequired"] = required
        if subschemas:
            node["dependentSchemas"] = subschemas
    return node
