"""The error taxonomy of message processing.

Handlers raise these; the engine decides the message's fate from the class,
never from a guess on a built-in exception type.
"""


class IntegrationError(Exception):
    """Base of every error a handler raises on purpose."""


class BusinessError(IntegrationError):
    """A problem a finance user must resolve (missing mapping, locked period...).

    The message goes to ``exception``; it is not retried until someone acts.
    ``errors`` is a list of contract error items: ``{"code", "message", ...}``.
    """

    def __init__(self, code, message, **details):
        self.errors = [{"code": code, "message": message, **details}]
        super().__init__(message)

    @classmethod
    def from_errors(cls, errors):
        """One error for several problems found at once (all missing codes, say)."""
        error = cls(errors[0]["code"], errors[0]["message"])
        error.errors = list(errors)
        return error


class TransientError(IntegrationError):
    """A passing fault (lock, timeout, remote 5xx): retried with backoff.

    ``delay`` (seconds) overrides the flow's backoff for this attempt.
    """

    def __init__(self, message, delay=None):
        self.delay = delay
        super().__init__(message)
