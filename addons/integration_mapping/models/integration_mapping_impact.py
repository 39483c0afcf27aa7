from collections import Counter
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.integration_core.exceptions import IntegrationError

from .integration_code_resolver import KIND_MODELS, is_table_gap
from .integration_mapping_table import OWN_CODE

# Messages still to be processed, which an approval may send to exception.
PENDING_STATES = ("received", "retry")
# Bounds of the preview, so a version form opens fast with a large queue: beyond them it says so.
PREVIEW_PENDING_LIMIT = 5000
PREVIEW_RECENT_DAYS = 30
PREVIEW_RECENT_LIMIT = 500


class LookupRecorder:
    """Stands in for the resolver while a flow prepares a document, to learn which codes it names.

    It answers every code with nothing and reports one problem, so the flow
    stops where it reports unknown codes (every code is looked up first, all
    problems at once), before amounts, rates or lock dates.
    """

    STOP = {"code": "invalid_document", "message": "Codes collected for the impact preview."}

    def __init__(self, env):
        self.env = env
        self.lookups = []

    def resolve(self, kind, code, problems, date=None, dimension=None):
        self.lookups.append((kind, code, dimension, fields.Date.to_date(date)))
        if self.STOP not in problems:
            problems.append(self.STOP)
        return self.env[KIND_MODELS[kind]]


def missing_errors(message):
    """Every code a message waits on (missing or unknown), as stored when it went to exception."""
    return [
        error
        for error in message.errors or []
        if error.get("code") in ("missing_mapping", "unknown_reference") and error.get("type")
    ]


def _as_lookup(error):
    """A stored error as the lookup that raised it: (kind, code, dimension, date)."""
    date = fields.Date.to_date(error.get("date"))
    return (error["type"], error.get("value") or "", error.get("dimension"), date)


class IntegrationMappingImpact(models.AbstractModel):
    """What approving a mapping version changes for the messages of its endpoint.

    The preview and the approval share these methods: what the preview
    counts is what the approval then does. The preview reads the version as
    if approved now (the resolver's ``pending``); the approval reads it
    approved.
    """

    _name = "integration.mapping.impact"
    _description = "Integration Mapping Impact"

    # ------------------------------------------------------------ codes named
    @api.model
    def _codes_named(self, messages):
        """``{message id: [(kind, code, dimension, date), ...]}``: the codes each message's flow looks up.

        A message whose flow reads no code (or whose payload cannot be read)
        is left out.
        """
        named = {}
        for (company, flow), group in messages.grouped(lambda m: (m.company_id, m.flow_id)).items():
            handler = self.env[flow.handler_model].sudo().with_company(company)
            journals = {}
            for message in group.with_env(handler.env):
                lookups = self._lookups(handler, message, journals)
                if lookups:
                    named[message.id] = lookups
        return named

    @api.model
    def _lookups(self, handler, message, journals):
        recorder = LookupRecorder(handler.env)
        try:
            if hasattr(handler, "_prepare_invoice_vals"):
                handler._prepare_invoice_vals(message, handler._payload(message), recorder, journals)
            elif hasattr(handler, "_prepare_move_vals"):
                handler._prepare_move_vals(message, recorder)
        except (IntegrationError, UserError, LookupError, ValueError):
            pass  # the flow stops at its first problem: the codes it looked up so far are the ones it names
        return recorder.lookups

    @api.model
    def _resolver(self, messages, pending=None):
        Resolver = self.env["integration.code.resolver"].sudo().with_company(messages[:1].company_id)
        return Resolver._for_messages(messages, pending)

    @staticmethod
    def _resolve(resolver, kind, code, dimension, date):
        """(record, problem or None) of one code."""
        problems = []
        record = resolver.resolve(kind, code, problems, date=date, dimension=dimension)
        return record, problems[0] if problems else None

    # ------------------------------------------------------------- released
    @api.model
    def _in_exception(self, table):
        """The messages in exception of the table's endpoint and entities."""
        if not table.endpoint_id:
            return self.env["integration.message"]
        return (
            self.env["integration.message"]
            .sudo()
            .search(
                [
                    ("state", "=", "exception"),
                    ("endpoint_id", "=", table.endpoint_id.id),
                    ("company_id", "in", table._entities().ids),
                ]
            )
        )

    @staticmethod
    def _waits_on(error, table, codes=None):
        """Whether an error is a code of the table's kind (one of ``codes``, when given)."""
        return (
            is_table_gap(error)
            and error["type"] == table.mapping_type
            and (table.mapping_type != "analytic" or error.get("dimension") == table.dimension)
            and (codes is None or error["value"] in codes)
        )

    @api.model
    def _waiting_messages(self, version):
        """Messages in exception waiting on a code the version may now map.

        Any code of its kind when it reads the codes it lacks as the entity's own.
        """
        version = version.sudo()
        table = version.table_id
        codes = None if version.unmapped_policy == OWN_CODE else set(version.line_ids.mapped("external_code"))
        return self._in_exception(table).filtered(
            lambda message: any(self._waits_on(error, table, codes) for error in message.errors or [])
        )

    @api.model
    def _releasable(self, messages, pending=None):
        """(ready, still waiting ``{message: [codes]}``): messages whose every code would resolve.

        Every code the flow looks up counts, not only those in the exception,
        and every code the exception names too (a retry fails again on any).
        """
        ready = messages.browse()
        waiting = {}
        named = self._codes_named(messages)
        for _company, group in messages.grouped("company_id").items():
            resolver = self._resolver(group, pending)
            for message in group:
                checks = {*named.get(message.id, ()), *map(_as_lookup, missing_errors(message))}
                failing = sorted(
                    {check[1] for check in checks if self._resolve(resolver, *check)[1] is not None}
                )
                if failing:
                    waiting[message] = failing
                else:
                    ready |= message
        return ready, waiting

    # --------------------------------------------------------------- broken
    @api.model
    def _pending_messages(self, version, limit=PREVIEW_PENDING_LIMIT):
        table = version.table_id.sudo()
        if not table.endpoint_id:
            return self.env["integration.message"]
        return (
            self.env["integration.message"]
            .sudo()
            .search(
                [
                    ("state", "in", PENDING_STATES),
                    ("endpoint_id", "=", table.endpoint_id.id),
                    ("company_id", "in", table._entities().ids),
                ],
                order="id",
                limit=limit,
            )
        )

    @api.model
    def _broken(self, version, messages):
        """``{message: [codes]}``: messages whose codes all resolve today, some not once approved."""
        broken = {}
        named = self._codes_named(messages)
        for _company, group in messages.grouped("company_id").items():
            before, after = self._resolver(group), self._resolver(group, version)
            for message in group.filtered(lambda m: m.id in named):
                lookups = set(named[message.id])
                if any(self._resolve(before, *lookup)[1] for lookup in lookups):
                    continue  # it fails anyway: not this version's doing
                failing = sorted({lookup[1] for lookup in lookups if self._resolve(after, *lookup)[1]})
                if failing:
                    broken[message] = failing
        return broken

    # -------------------------------------------------------------- changes
    @api.model
    def _recent_messages(self, version):
        table = version.table_id.sudo()
        if not table.endpoint_id:
            return self.env["integration.message"]
        since = fields.Datetime.now() - timedelta(days=PREVIEW_RECENT_DAYS)
        return (
            self.env["integration.message"]
            .sudo()
            .search(
                [
                    ("state", "=", "done"),
                    ("done_at", ">=", since),
                    # A purged payload names no code any more: it tells nothing of what would change.
                    ("payload_purged_at", "=", False),
                    ("endpoint_id", "=", table.endpoint_id.id),
                    ("company_id", "in", table._entities().ids),
                ],
                order="done_at desc, id desc",
                limit=PREVIEW_RECENT_LIMIT,
            )
        )

    @api.model
    def _changes(self, version, messages):
        """``{(code, old, new): messages}``: codes of recent documents whose target the version changes."""
        table = version.table_id.sudo()
        changes = Counter()
        named = self._codes_named(messages)
        for _company, group in messages.grouped("company_id").items():
            before, after = self._resolver(group), self._resolver(group, version)
            for message in group.filtered(lambda m: m.id in named):
                seen = set()
                for lookup in named[message.id]:
                    kind, code, dimension, _date = lookup
                    if kind != table.mapping_type or (kind == "analytic" and dimension != table.dimension):
                        continue
                    old, new = self._resolve(before, *lookup), self._resolve(after, *lookup)
                    if old[0] != new[0]:
                        seen.add((code, self._label(old, table), self._label(new, table)))
                changes.update(seen)
        return dict(changes)

    @api.model
    def _label(self, outcome, table):
        record, problem = outcome
        if problem or not record:
            return self.env._("not mapped: the document stops")
        if record._name == "account.account":
            account = record.with_company(table._entities()[:1])
            return f"{account.code} {account.name}"
        return record.display_name

    # -------------------------------------------------------------- preview
    @api.model
    def _preview(self, version):
        """Everything approving ``version`` now would change, as the form shows it."""
        waiting = self._waiting_messages(version)
        released, still_waiting = self._releasable(waiting, pending=version)
        pending = self._pending_messages(version, limit=PREVIEW_PENDING_LIMIT + 1)
        recent = self._recent_messages(version)
        return {
            "released": released,
            "still_waiting": still_waiting,
            "broken": self._broken(version, pending[:PREVIEW_PENDING_LIMIT]),
            "pending_checked": min(len(pending), PREVIEW_PENDING_LIMIT),
            "pending_more": len(pending) > PREVIEW_PENDING_LIMIT,
            "changes": self._changes(version, recent),
            "recent_checked": len(recent),
        }

    @api.model
    def _waiting_dates(self, table, codes):
        """Document dates of the messages in exception waiting on ``codes`` of the table's kind."""
        codes = set(codes)
        return [
            self._error_date(message, error)
            for message in self._in_exception(table)
            for error in message.errors or []
            if self._waits_on(error, table, codes)
        ]

    @api.model
    def _error_date(self, message, error):
        """The document date a missing code was looked up for (older errors did not all carry it)."""
        date = fields.Date.to_date(error.get("date"))
        if date:
            return date
        lookups = self._codes_named(message).get(message.id, [])
        dates = [lookup[3] for lookup in lookups if lookup[1] == error.get("value") and lookup[3]]
        return min(dates, default=fields.Date.context_today(self))
