from odoo import api, models


class IntegrationHandler(models.AbstractModel):
    """What every flow implements. Core calls these hooks; it owns the states.

    The engine calls ``_process_batch`` in the entity's company as the
    endpoint's service user, inside a savepoint. A handler:

    - raises ``BusinessError`` (or returns it for one message) for problems a
      finance user must fix, ``TransientError`` for passing faults;
    - never touches the message's state or bookkeeping;
    - is idempotent: ``_find_existing`` returns what an earlier run made,
      so a replay creates nothing.
    """

    _name = "integration.handler"
    _description = "Integration Flow Handler"

    @api.model
    def _static_checks(self, payload, version):
        """Checks that need no database (debits equal credits, say), at intake.

        Return contract error items ``[{"path", "message"}]``; empty when fine.
        """
        return []

    @api.model
    def _upgrade_payload(self, payload, version):
        """The payload in the newest shape the handler processes; override to upgrade old versions."""
        return payload

    @api.model
    def _find_existing(self, message):
        """The record an earlier processing of this message (or of its business key) made."""
        return self.env["ir.model"].browse()

    @api.model
    def _process(self, message):
        """Make the record for one message and return it. Override this or ``_process_batch``."""
        raise NotImplementedError

    @api.model
    def _process_batch(self, messages):
        """Process messages of one endpoint, entity and flow.

        Return ``{message_id: record or IntegrationError}``. Raising instead
        makes the engine retry each message alone, in its own savepoint, to
        isolate the one at fault: a handler may create all documents in one
        call and let a failure fall back to that path.
        """
        results = {}
        for message in messages:
            existing = self._find_existing(message)
            results[message.id] = existing or self._process(message)
        return results
