"""Errors that cross the engine's boundaries (transports, connectors).

The engine decides what to do with a failure by its class alone:

* ``TransientError``: the peer is down, timed out, or refused for now.  The work item is
  retried with exponential backoff and jitter; nothing is lost.
* ``PermanentError``: retrying cannot help (the order does not exist, a unit has no
  mapping, a certificate does not verify).  The item goes to the dead-letter state with
  ``str(exc)`` as its reason, and an operator can fix the cause and ``retry`` it.
* ``SecurityError``: a PermanentError that is also recorded as a security event (host key
  mismatch, a channel naming another partner, a signature that does not verify).
"""
from __future__ import annotations


class GatewayError(Exception):
    """Base of the errors the engine knows how to handle."""


class TransientError(GatewayError):
    """Try again later."""


class PermanentError(GatewayError):
    """Do not retry; dead-letter with this message."""


class SecurityError(PermanentError):
    """Refused for security reasons; recorded as a security event."""

    def __init__(self, message: str, *, partner: str | None = None, channel: str | None = None,
                 kind: str = "security") -> None:
        super().__init__(message)
        self.partner = partner
        self.channel = channel
        self.kind = kind
