"""The intercompany mirror handler's lookups, read once per batch of messages."""

from odoo.addons.integration_core.exceptions import BusinessError


def remembered(cache, key, function, *args):
    """``function(*args)`` computed once per ``key`` in ``cache``; a refusal (BusinessError) is remembered
    too and raised again each time, so every message asking gets it as its own exception."""
    if key not in cache:
        try:
            cache[key] = (function(*args), None)
        except BusinessError as error:
            cache[key] = (None, error)
    value, error = cache[key]
    if error:
        raise error
    return value


class BatchLookups:
    """What the messages of one batch ask of the database, read once for the batch.

    A refusal (a lock date, a missing journal) is cached too, so each of the
    batch's messages gets it as its own exception, as before.
    """

    def __init__(self, handler, messages=None):
        self.handler = handler
        self.cache = {}
        if messages is None:  # one message outside a batch: the cache only
            return
        env = handler.env
        payloads = [message._payload_dict() for message in messages]
        Move = env["account.move"]
        self.sources = Move.sudo().browse({p["source"]["move_id"] for p in payloads}).exists()
        live = Move.sudo().search([("ic_source_move_id", "in", self.sources.ids), ("state", "!=", "cancel")])
        self.live_sources = set(live.ic_source_move_id.ids)
        # As the service user, as before: what this message made that the user can see.
        made = Move.search([("integration_message_id", "in", messages.ids)])
        self.made_by = set(made.integration_message_id.ids)
        rule_ids = {p["source"].get("rule_id") for p in payloads} - {None, False}
        self.rules = env["integration.intercompany.rule"].sudo().browse(rule_ids).exists()

    def makes_new_mirror(self, message, payload, source):
        """A posting that is the source's latest news and finds no mirror made before it."""
        return (
            self.handler._is_current(source, payload, "posted")
            and source.id not in self.live_sources
            and message.id not in self.made_by
        )

    def rule(self, payload, source):
        rule = self.rules.browse(payload["source"]["rule_id"]) & self.rules
        return rule or source.ic_rule_id

    def once(self, key, function, *args):
        return remembered(self.cache, key, function, *args)
