"""Retry policy: exponential backoff with jitter, and what counts as passing."""

import random
import socket

import psycopg2.errorcodes
import requests

from ..exceptions import TransientError

# PostgreSQL errors that go away when tried again later.
TRANSIENT_PGCODES = {
    psycopg2.errorcodes.SERIALIZATION_FAILURE,
    psycopg2.errorcodes.DEADLOCK_DETECTED,
    psycopg2.errorcodes.LOCK_NOT_AVAILABLE,
    psycopg2.errorcodes.QUERY_CANCELED,  # statement or lock timeout
}
TRANSIENT_TYPES = (
    TransientError,
    requests.ConnectionError,
    requests.Timeout,
    socket.timeout,
    TimeoutError,
)
MAX_DELAY = 3600


def is_transient(error):
    if isinstance(error, TRANSIENT_TYPES):
        return True
    return getattr(error, "pgcode", None) in TRANSIENT_PGCODES


def backoff_delay(attempts, base_delay, rng=random):
    """Seconds to wait before attempt ``attempts + 1``: base * 2^(n-1), +/- 20 % jitter.

    Jitter spreads retries of messages that failed together (a lock storm)
    so they do not all come back at the same second.
    """
    delay = min(base_delay * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return delay * rng.uniform(0.8, 1.2)
