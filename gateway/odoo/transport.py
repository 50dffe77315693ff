"""The RPC transport behind the Odoo connector: one small interface, one JSON-RPC implementation.

``RpcTransport`` is all the connector needs: ``execute_kw`` plus the detected server version
and the logged-in user id.  ``OdoorpcTransport`` speaks Odoo's ``/jsonrpc`` (16, 17, 18)
through odoorpc; a JSON-2 transport (Odoo 19+, ``POST /json/2/<model>/<method>``) fits
behind the same interface.  Failures are translated into the engine's error classes:
unreachable, timed out or a serialization conflict -> ``TransientError``; any other Odoo
error -> ``PermanentError`` carrying Odoo's message.
"""
from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.parse
from typing import Any, Mapping, Optional, Protocol, Sequence

from gateway.errors import PermanentError, TransientError

_TRANSIENT_MARKERS = ("could not serialize access", "concurrent update", "deadlock detected",
                      "lock_not_available")


class RpcTransport(Protocol):
    version: int  # major Odoo version (16, 17, 18)
    uid: int
    calls: int  # execute_kw calls made so far (for call-count budgets and the bench)

    def execute_kw(self, model: str, method: str, args: Sequence[Any],
                   kwargs: Optional[Mapping[str, Any]] = None) -> Any:
        ...

    def close(self) -> None:
        ...


def _major(version: str) -> int:
    head = version.split(".")[0]
    digits = "".join(ch for ch in head if ch.isdigit())
    if not digits:
        raise PermanentError(f"Odoo reported an unreadable server version {version!r}")
    return int(digits)


class OdoorpcTransport:
    """``/jsonrpc`` through odoorpc; logs in with a user and an API key."""

    def __init__(self, url: str, database: str, user: str, api_key: str, *,
                 timeout: float = 60.0) -> None:
        import odoorpc  # imported here: the gateway works without Odoo configured

        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PermanentError(f"connector.url {url!r} is not an http(s) URL "
                                 "(e.g. https://odoo.example.com)")
        protocol = "jsonrpc+ssl" if parts.scheme == "https" else "jsonrpc"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._odoorpc = odoorpc
        self.calls = 0
        try:
            self._odoo = odoorpc.ODOO(parts.hostname, protocol=protocol, port=port,
                                      timeout=timeout)
            self.version = _major(str(self._odoo.version))
            self._odoo.login(database, user, api_key)
        except Exception as exc:  # noqa: BLE001 - classified below
            raise self._classify(exc, f"log in to Odoo at {url} as {user!r}") from exc
        self.uid = int(self._odoo.env.uid)

    def _classify(self, exc: BaseException, what: str) -> Exception:
        if isinstance(exc, (PermanentError, TransientError)):
            return exc
        if isinstance(exc, (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError,
                            http.client.HTTPException, OSError)):
            return TransientError(f"Odoo unreachable while trying to {what}: {exc}")
        if isinstance(exc, self._odoorpc.error.RPCError):
            text = str(exc)
            info = getattr(exc, "info", None) or {}
            detail = ""
            if isinstance(info, dict):
                data = info.get("data") or {}
                detail = str(data.get("message") or data.get("debug") or "")
            full = f"{text} {detail}".lower()
            if any(marker in full for marker in _TRANSIENT_MARKERS):
                return TransientError(f"Odoo busy while trying to {what}: {text}")
            if "access denied" in full or "wrong login" in full:
                return PermanentError(f"Odoo refused the login while trying to {what}: check "
                                      "connector.user and connector.api_key")
            return PermanentError(f"Odoo refused to {what}: {text}")
        return PermanentError(f"unexpected answer from Odoo while trying to {what}: {exc!r}")

    def execute_kw(self, model: str, method: str, args: Sequence[Any],
                   kwargs: Optional[Mapping[str, Any]] = None) -> Any:
        self.calls += 1
        try:
            return self._odoo.execute_kw(model, method, list(args), dict(kwargs or {}))
        except Exception as exc:  # noqa: BLE001 - classified
            raise self._classify(exc, f"call {model}.{method}") from exc

    def close(self) -> None:
        self._odoo = None  # odoorpc keeps no server-side session for /jsonrpc
