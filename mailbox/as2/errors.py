"""The one error type AS2 protocol code raises, carrying the MDN disposition it calls for."""
from __future__ import annotations

AUTHENTICATION_FAILED = "authentication-failed"
DECRYPTION_FAILED = "decryption-failed"
INTEGRITY_CHECK_FAILED = "integrity-check-failed"
INSUFFICIENT_SECURITY = "insufficient-message-security"
UNKNOWN_PARTNER = "unknown-trading-partner"
UNEXPECTED = "unexpected-processing-error"
DUPLICATE = "duplicate-document"


class As2Error(ValueError):
    """A message, MDN or CMS structure that cannot be accepted.

    ``disposition`` is the RFC 4130 error modifier a negative MDN reports for it
    (``processed/error: <disposition>``); ``kind`` names the audit event.
    """

    def __init__(self, message: str, disposition: str = UNEXPECTED, *,
                 kind: str | None = None) -> None:
        super().__init__(message)
        self.disposition = disposition
        self.kind = kind or disposition
