from odoo import api, models

from odoo.addons.integration_core.exceptions import BusinessError, TransientError


class IntegrationHandlerTestEcho(models.AbstractModel):
    """Does what the payload says: ``outcome`` ok, business, transient (``fail_times``) or bug."""

    _name = "integration.handler.test_echo"
    _inherit = "integration.handler"
    _description = "Test Echo Flow"

    @api.model
    def _static_checks(self, payload, version):
        if payload.get("ref") == "static-bad":
            return [{"path": "$.payload.ref", "message": "refused by the static check"}]
        return []

    @api.model
    def _find_existing(self, message):
        return self.env["test.integration.record"].search(
            [("integration_message_id", "=", message.id)], limit=1
        )

    @api.model
    def _process(self, message):
        payload = message._payload_dict()
        outcome = payload.get("outcome", "ok")
        if outcome == "business":
            allowed = self.env["test.integration.record"].search_count(
                [("name", "=", f"allow:{payload['ref']}")]
            )
            if not allowed:
                raise BusinessError(
                    "unknown_reference", f"Nothing allows {payload['ref']}", type="test", value=payload["ref"]
                )
        elif outcome == "transient" and message.attempts <= payload.get("fail_times", 1000):
            raise TransientError("the test system is busy")
        elif outcome == "bug":
            raise ZeroDivisionError("a bug in a handler")
        elif outcome == "poison":
            # What a sender's code can carry into an error text: NUL, a lone surrogate, a forged log line.
            raise BusinessError(
                "unknown_reference", f"No account '62\x0000\ud800' for {payload['ref']}\r\nERROR forged"
            )
        return self.env["test.integration.record"].create(
            {"name": payload["ref"], **self.env["test.integration.record"]._integration_trace_vals(message)}
        )
