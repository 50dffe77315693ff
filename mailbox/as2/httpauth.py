"""HTTP Basic authentication for the AS2 endpoint (RFC 7617).  Pure except ``from_reference``.

Optional, one account per server: partners' AS2 software sends the same user and password
with every message and async MDN.  The password comes from a secret reference (``env:NAME``
or ``file:PATH``, gateway.profiles.secrets), never from configuration text.  Both user and
password are compared in constant time (digests of equal length, no early exit).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from gateway.errors import PermanentError
from gateway.profiles.secrets import SecretError, parse_ref, resolve


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(hashlib.sha256(a).digest(), hashlib.sha256(b).digest())


@dataclass(frozen=True)
class BasicAuth:
    user: str
    password: bytes = field(repr=False)
    realm: str = "AS2"

    @classmethod
    def from_reference(cls, user: str, password_ref: str, *, env: Mapping[str, str],
                       base_dir: Path, realm: str = "AS2") -> "BasicAuth":
        """``password_ref`` is ``env:NAME`` or ``file:PATH`` (relative to ``base_dir``); a
        file's trailing newline is not part of the password."""
        if not user or ":" in user:
            raise PermanentError(f"AS2 server http_user {user!r}: must be non-empty and "
                                 "contain no ':' (RFC 7617)")
        try:
            ref = parse_ref(password_ref)
            secret = resolve(ref, env, base_dir)
        except SecretError as exc:
            raise PermanentError(f"AS2 server http_password: {exc} (use env:NAME or "
                                 "file:PATH)") from None
        if ref.kind == "file":
            secret = secret.rstrip(b"\r\n")
        if not secret:
            raise PermanentError(f"AS2 server http_password {ref}: the password is empty")
        return cls(user, secret, realm)

    @property
    def challenge(self) -> str:
        """The WWW-Authenticate value of a 401 answer."""
        return f'Basic realm="{self.realm}", charset="UTF-8"'

    def check(self, authorization: Optional[str]) -> bool:
        """True when the Authorization header carries this user and password."""
        user, password = b"", b""
        scheme, _, token = (authorization or "").strip().partition(" ")
        well_formed = False
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(token.strip(), validate=True)
            except (binascii.Error, ValueError):
                decoded = b""
            user, sep, password = decoded.partition(b":")
            well_formed = bool(sep)
        # always compare both, whatever failed above: no timing difference between cases
        ok_user = _same(user, self.user.encode("utf-8"))
        ok_password = _same(password, self.password)
        return well_formed & ok_user & ok_password
