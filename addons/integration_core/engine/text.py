"""Senders' text made safe for PostgreSQL, log lines, error bodies and the audit log.

Whatever a sender writes ends up in places that have rules of their own:
PostgreSQL refuses NUL in text and jsonb, UTF-8 cannot carry an unpaired
surrogate, a CR/LF in a log line forges a new line, and an error body that
echoes a 9 MB value is a 9 MB answer. Every path that writes sender text
outside the message's own payload goes through one of these.
"""

import re

LIMIT = 200  # characters of an offending value an answer or an audit row quotes

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LOG_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def _escape(match):
    return f"\\u{ord(match.group()):04x}"


def cut(value, limit=LIMIT):
    """At most ``limit`` characters, saying how much was left out."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value) - limit} more characters)"


def clean(value, limit=None):
    """Text PostgreSQL and UTF-8 accept: NUL, control characters (tab and newline
    excepted) and unpaired surrogates written as ``\\uXXXX``; cut to ``limit``."""
    if value is None:
        return value
    if not isinstance(value, str):
        value = str(value)
    if limit is not None:
        value = cut(value, limit)
    return _UNSAFE.sub(_escape, value)


def for_log(value, limit=LIMIT):
    """A sender's text for one log line: every control character escaped, so it cannot forge lines."""
    if value is None:
        return "-"
    if not isinstance(value, str):
        value = str(value)
    return _LOG_UNSAFE.sub(_escape, cut(value, limit))


def quote(value, limit=LIMIT):
    """An offending value as an error message quotes it: its JSON-ish form, cut and made safe."""
    text = value if isinstance(value, str) else repr(value)
    return clean(repr(cut(text, limit)) if isinstance(value, str) else cut(text, limit))


def clean_json(value, limit=None, _depth=0):
    """A JSON-able structure (error items, audit values) with every string cleaned.

    jsonb refuses ``\\u0000`` as text does; nested structures are cut at a
    depth no product structure reaches.
    """
    if isinstance(value, str):
        return clean(value, limit)
    if _depth > 16:
        return "…"
    if isinstance(value, dict):
        return {clean(str(k), limit): clean_json(v, limit, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v, limit, _depth + 1) for v in value]
    return value
