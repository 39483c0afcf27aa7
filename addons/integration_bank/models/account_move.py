from contextlib import contextmanager

from odoo import api, models

# Key of the feed's numbering memo in the transaction's pre-commit data, which Odoo
# clears at commit and rollback, as it does its own sequence cache.
SEQUENCE_MEMO = "integration_bank.sequence_formats"


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    @contextmanager
    def _integration_statement_numbering(self):
        """Number a feed's bank entries without looking up the journal's last number for each one.

        Odoo names each posted entry from the journal's last name, found by two
        queries on the journal's entries of the period (``_get_last_sequence``).
        Within one statement those queries read every entry created so far, so
        importing N lines costs N lookups over up to N entries: quadratic, and
        the largest share of a big statement's import. Once the first entry of a
        (journal, date) is numbered, Odoo's own transaction cache holds the
        number and the lock on it (``_locked_increment``); the next entries of
        that journal and date have the same format, so the lookup is only
        redone when that cache no longer holds it. The names are the ones Odoo
        would give, in the same order.
        """
        data = self.env.cr.precommit.data
        data[SEQUENCE_MEMO] = {}
        try:
            yield
        finally:
            data.pop(SEQUENCE_MEMO, None)

    def _get_next_sequence_format(self):
        memo = self.env.cr.precommit.data.get(SEQUENCE_MEMO)
        if memo is None or self.move_type != "entry" or not self.statement_line_id:
            return super()._get_next_sequence_format()
        key = (self.journal_id.id, self.date)
        known = memo.get(key)
        if known:
            format_string, values = known
            cache_key = (format_string.format(**values, seq=0), self[self._sequence_index])
            if cache_key in self._get_sequence_cache():
                # Odoo's cache gives the next number; the sequence value passed is not read.
                return format_string, {**values, "seq": 0}
        format_string, values = super()._get_next_sequence_format()
        memo[key] = (format_string, {name: value for name, value in values.items() if name != "seq"})
        return format_string, values
