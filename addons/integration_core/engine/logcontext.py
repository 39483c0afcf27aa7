"""Log lines about a message carry its correlation id (design: Observability).

Code working on one message runs inside ``correlation(message.correlation_id)``;
every log record emitted meanwhile, by this product, Odoo or a library, in
this thread (or task), gets ``[corr=<id>] `` in front of its message and a
``correlation_id`` attribute for structured handlers. The id is the
sender's text: it goes through ``text.for_log`` so that it cannot forge a
line. Outside any ``correlation`` block records pass unchanged.

The filter sits on the root logger's handlers (a filter on the root logger
itself would not see records propagated from child loggers). It is
installed when this module is imported, after Odoo has set up its handlers;
a handler added later gets it from ``install()``, which is idempotent.
"""

import contextlib
import contextvars
import logging

from . import text

_current = contextvars.ContextVar("integration_correlation_id", default=None)
# Marks, by attribute rather than by class, so that a reloaded module still
# recognizes what an earlier import installed and records already tagged.
_FILTER_MARK = "_integration_correlation_filter"
_RECORD_MARK = "_integration_correlation_tagged"


@contextlib.contextmanager
def correlation(correlation_id):
    """Log records emitted inside the block name ``correlation_id``; nested blocks name their own."""
    token = _current.set(text.for_log(correlation_id) if correlation_id else None)
    try:
        yield
    finally:
        _current.reset(token)


def current():
    """The correlation id log records get now (made safe for a log line), or None."""
    return _current.get()


class CorrelationFilter(logging.Filter):
    """Prefixes records emitted inside ``correlation`` with ``[corr=<id>]``; never drops one."""

    def filter(self, record):
        correlation_id = _current.get()
        # One record goes through each handler's filters in turn: tag it once.
        if correlation_id is None or getattr(record, _RECORD_MARK, False):
            return True
        setattr(record, _RECORD_MARK, True)
        record.correlation_id = correlation_id
        prefix = f"[corr={correlation_id}] "
        if record.args:
            # The message is a %-format applied to args later: a '%' in the id must stay literal.
            prefix = prefix.replace("%", "%%")
        record.msg = prefix + str(record.msg)
        return True


def install(logger=None):
    """Put the filter on each handler of ``logger`` (the root logger) that lacks it; return how many."""
    logger = logger or logging.getLogger()
    added = 0
    for handler in logger.handlers:
        if not any(getattr(f, _FILTER_MARK, False) for f in handler.filters):
            correlation_filter = CorrelationFilter()
            setattr(correlation_filter, _FILTER_MARK, True)
            handler.addFilter(correlation_filter)
            added += 1
    return added


install()
