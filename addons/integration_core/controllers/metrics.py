"""Monitoring, extension 1.4 of the API: ``GET /integration/v1/metrics`` for Prometheus.

Thin: authenticate (key, and the signature of the read where the endpoint
asks for one), check the ``monitoring`` permission, hand over to
``engine.metrics``. Refusals are the contract's JSON answers; the figures are
Prometheus text, which is what a scraper reads.
"""

from odoo.http import request

from ..engine import metrics
from ..engine.openapi import describe, response
from .common import API, ApiController, ApiError, api_route


def _forbidden(detail):
    return ApiError(403, {"error": "forbidden", "detail": detail})


# The route's OpenAPI description (engine.openapi).
METRICS_DOC = {
    "get": {
        "summary": "Monitoring figures of the key's entities, as Prometheus text",
        "description": "Needs the monitoring permission; format 0.0.4, one pass over the messages.",
        "responses": {
            200: response("Prometheus text exposition format.", {"text/plain": {"type": "string"}})
        },
        "errors": (403,),
    }
}


class IntegrationMetricsApi(ApiController):
    @api_route(f"{API}/metrics", "GET")
    @describe(**METRICS_DOC)
    def metrics(self, **_params):
        endpoint = self._authenticate()
        if not endpoint.monitoring:
            raise _forbidden("this key may not read monitoring figures")
        companies = endpoint.company_ids.filtered("entity_code")
        if not companies:
            raise _forbidden("this key may not read any entity")
        env = self._env()
        # The breaker fields come with outbound delivery; without them there is nothing to show.
        breaker = env["integration.endpoint"]._fields.get("breaker_state")
        body = metrics.exposition(
            env.cr, companies.ids, breaker_states=breaker.get_values(env) if breaker else None
        )
        return request.make_response(body.encode(), headers=[("Content-Type", metrics.CONTENT_TYPE)])
