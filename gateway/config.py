"""The gateway's own configuration (``gateway.yaml``) and its embedded defaults.

Every setting has a default, so a gateway runs with no file at all (the embedded
defaults: SQLite store, local folder mailboxes, the files ERP connector, all under one
home folder).  Relative paths are relative to the folder holding ``gateway.yaml`` (or the
home folder).  A mistake is reported with the file, line and the fix::

    gateway.yaml:7:3: worker.lease: '5 minutes' is not a duration such as 30s, 5m, 4h or 2d

    home: .                     # where relative paths start (default: this file's folder)
    store: sqlite:///gateway.db # or postgresql+psycopg://user@host/db (password: env/file ref)
    store_password: env:EDI_DB_PASSWORD   # optional, merged into a PostgreSQL URL
    profiles: partner_profiles
    archive: archive
    archive_export: archive-export
    connector: {type: files, out: erp/out, in: erp/in}   # or type: odoo (docs/odoo-connector.md)
    worker: {lease: 5m, batch: 8, idle: 1s, extract_every: 1m}
    retry: {base: 30s, cap: 1h, max_attempts: 12}
    duplicates: {window: 180d}
    retention: {archive_after: 400d}       # then archive files move to archive_export
    audit: {key: file:secrets/audit.key}   # HMAC key signing the audit head
    as2: {listen: 127.0.0.1:4080, tls_cert: ..., tls_key: ..., max_body: 100MB,
          http_user: ..., http_password: env:AS2_PASSWORD, mdn_spool: spool/mdn}
"""
from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
import secrets as _secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from gateway.errors import GatewayError
from gateway.profiles.model import parse_duration
from gateway.profiles.secrets import SecretError, parse_ref, resolve

CONFIG_NAME = "gateway.yaml"
HOME_ENV = "EDI_GATEWAY_HOME"
CONFIG_ENV = "EDI_GATEWAY_CONFIG"

_KEYS: dict[str, Any] = {
    "home": str, "store": str, "store_password": str, "profiles": str, "archive": str,
    "archive_export": str, "connector": dict,
    "worker": {"lease": "duration", "batch": int, "idle": "duration",
               "extract_every": "duration", "poll_lease": "duration"},
    "retry": {"base": "duration", "cap": "duration", "max_attempts": int},
    "duplicates": {"window": "duration"},
    "retention": {"archive_after": "duration"},
    "audit": {"key": str},
    "as2": {"listen": str, "tls_cert": str, "tls_key": str, "max_body": str, "path": str,
            "http_user": str, "http_password": str, "mdn_spool": str},
}


class ConfigError(GatewayError):
    pass


@dataclass(frozen=True)
class As2Listen:
    host: str
    port: int
    tls_cert: Optional[Path] = None
    tls_key: Optional[Path] = None
    max_body: int = 100 * 1024 * 1024
    path: str = "/"
    http_user: Optional[str] = None  # Basic authentication partners must present
    http_password: Optional[str] = None  # a secret reference (env:NAME / file:PATH)
    mdn_spool: Optional[Path] = None  # durable queue of async MDNs (default: HOME/spool/mdn)


@dataclass(frozen=True)
class Config:
    home: Path
    source: Optional[Path]  # the gateway.yaml read, None for the embedded defaults
    store_url: str
    profiles_dir: Path
    archive_dir: Path
    export_dir: Path
    connector: Mapping[str, Any] = field(default_factory=lambda: {"type": "files"})
    lease: float = 300.0
    batch: int = 8
    idle: float = 1.0
    extract_every: float = 60.0
    poll_lease: float = 600.0
    retry_base: float = 30.0
    retry_cap: float = 3600.0
    max_attempts: int = 12
    duplicate_window: _dt.timedelta = _dt.timedelta(days=180)
    archive_after: Optional[_dt.timedelta] = _dt.timedelta(days=400)
    audit_key: Optional[str] = None  # a secret reference
    as2: Optional[As2Listen] = None


def _line_of(text: str, path: tuple[str, ...]) -> tuple[int, int]:
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return (1, 1)
    best = (1, 1)
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            break
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                best = (k.start_mark.line + 1, k.start_mark.column + 1)
                node = v
                break
        else:
            break
    return best


def _size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*([KMG]?B?)\s*", str(text), re.I)
    if not m:
        raise ValueError(f"{text!r} is not a size such as 100MB or 512KB")
    unit = m.group(2).upper().rstrip("B")
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit]


def _check(data: Any, spec: Any, path: tuple[str, ...], where: str, text: str) -> None:
    def fail(p: tuple[str, ...], msg: str, fix: str) -> None:
        line, col = _line_of(text, p)
        raise ConfigError(f"{where}:{line}:{col}: {'.'.join(p)}: {msg}; {fix}")

    if not isinstance(data, dict):
        fail(path, "expected a mapping", "write key: value pairs")
    for key, value in data.items():
        if key not in spec:
            close = difflib.get_close_matches(str(key), list(spec), n=1)
            fail(path + (str(key),), "unknown setting",
                 f"did you mean {close[0]!r}?" if close else f"known: {', '.join(spec)}")
        kind = spec[key]
        p = path + (key,)
        if isinstance(kind, dict):
            _check(value, kind, p, where, text)
        elif kind == "duration":
            try:
                parse_duration(str(value))
            except ValueError as exc:
                fail(p, str(exc), "write a number and s, m, h or d")
        elif kind is int and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            fail(p, f"{value!r} is not a positive whole number", "write e.g. 8")
        elif kind is str and not isinstance(value, str):
            fail(p, f"{value!r} is not text", "quote it")
        elif kind is dict and not isinstance(value, dict):
            fail(p, "expected a mapping", "e.g. {type: files}")


def _path(value: Optional[str], home: Path, default: str) -> Path:
    p = Path(os.path.expandvars(value or default)).expanduser()
    return p if p.is_absolute() else home / p


def _seconds(value: Any, default: float) -> float:
    return parse_duration(str(value)).total_seconds() if value is not None else default


def build(data: Mapping[str, Any], home: Path, source: Optional[Path],
          env: Mapping[str, str]) -> Config:
    home = _path(data.get("home"), home, ".") if data.get("home") else home
    store = str(data.get("store") or "sqlite:///gateway.db")
    if store.startswith("sqlite:///") and not store.startswith("sqlite:////"):
        rel = store[len("sqlite:///"):]
        if rel and rel != ":memory:":
            store = "sqlite:///" + str(_path(rel, home, rel))
    if data.get("store_password"):
        import sqlalchemy as sa
        try:
            password = resolve(parse_ref(str(data["store_password"])), env=env,
                               base_dir=source.parent if source else home).decode().strip()
        except (SecretError, ValueError) as exc:
            raise ConfigError(f"{source or 'defaults'}: store_password: {exc}") from None
        store = sa.engine.make_url(store).set(password=password).render_as_string(
            hide_password=False)
    worker = data.get("worker") or {}
    retry = data.get("retry") or {}
    as2 = None
    if data.get("as2"):
        a = data["as2"]
        host, _, port = str(a.get("listen", "127.0.0.1:4080")).rpartition(":")
        as2 = As2Listen(host or "127.0.0.1", int(port),
                        _path(a["tls_cert"], home, "") if a.get("tls_cert") else None,
                        _path(a["tls_key"], home, "") if a.get("tls_key") else None,
                        _size(a.get("max_body", "100MB")), a.get("path", "/"),
                        a.get("http_user"), a.get("http_password"),
                        _path(a.get("mdn_spool"), home, "spool/mdn"))
    retention = data.get("retention") or {}
    after = retention.get("archive_after", "400d")
    return Config(
        home=home, source=source, store_url=store,
        profiles_dir=_path(data.get("profiles"), home, "partner_profiles"),
        archive_dir=_path(data.get("archive"), home, "archive"),
        export_dir=_path(data.get("archive_export"), home, "archive-export"),
        connector=dict(data.get("connector") or {"type": "files"}),
        lease=_seconds(worker.get("lease"), 300.0), batch=int(worker.get("batch", 8)),
        idle=_seconds(worker.get("idle"), 1.0),
        extract_every=_seconds(worker.get("extract_every"), 60.0),
        poll_lease=_seconds(worker.get("poll_lease"), 600.0),
        retry_base=_seconds(retry.get("base"), 30.0), retry_cap=_seconds(retry.get("cap"), 3600.0),
        max_attempts=int(retry.get("max_attempts", 12)),
        duplicate_window=parse_duration(str((data.get("duplicates") or {}).get("window", "180d"))),
        archive_after=parse_duration(str(after)) if after else None,
        audit_key=(data.get("audit") or {}).get("key"), as2=as2)


def load(path: Path, env: Mapping[str, str]) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise ConfigError(f"{path}:{pos}: not valid YAML: {getattr(exc, 'problem', exc)}; "
                          "check the indentation and quoting there") from None
    _check(data, _KEYS, (), str(path), text)
    try:
        if (data.get("as2") or {}).get("max_body"):
            _size(data["as2"]["max_body"])
    except ValueError as exc:
        line, col = _line_of(text, ("as2", "max_body"))
        raise ConfigError(f"{path}:{line}:{col}: as2.max_body: {exc}") from None
    return build(data, path.parent.absolute(), path.absolute(), env)


def locate(config: Optional[str], home: Optional[str], env: Mapping[str, str],
           cwd: Path) -> tuple[Optional[Path], Path]:
    """(gateway.yaml to read or None, home folder) from the options, the environment and
    the current folder: --config, $EDI_GATEWAY_CONFIG, --home/$EDI_GATEWAY_HOME/gateway.yaml,
    ./gateway.yaml; otherwise the embedded defaults in ./edi-gateway-home."""
    if config or env.get(CONFIG_ENV):
        path = Path(config or env[CONFIG_ENV]).expanduser().absolute()
        return path, path.parent
    home_dir = home or env.get(HOME_ENV)
    if home_dir:
        h = Path(home_dir).expanduser().absolute()
        return (h / CONFIG_NAME if (h / CONFIG_NAME).exists() else None), h
    if (cwd / CONFIG_NAME).exists():
        return cwd / CONFIG_NAME, cwd
    return None, cwd / "edi-gateway-home"


def audit_key(cfg: Config, env: Mapping[str, str]) -> bytes:
    """The HMAC key for the audit head: the configured reference, or a key file created
    once in the home folder (mode 0600)."""
    if cfg.audit_key:
        try:
            return resolve(parse_ref(cfg.audit_key), env=env,
                           base_dir=cfg.source.parent if cfg.source else cfg.home).strip()
        except (SecretError, ValueError) as exc:
            raise ConfigError(f"{cfg.source or 'defaults'}: audit.key: {exc}") from None
    path = cfg.home / "secrets" / "audit.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(_secrets.token_hex(32) + "\n")
    return path.read_bytes().strip()
