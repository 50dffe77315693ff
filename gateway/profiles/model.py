"""The partner profile as frozen dataclasses, built from checked YAML data.

``build_profile`` assumes the data passed the schema and semantic checks
(gateway.profiles.checks); it fills defaults so the engine never has to.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Optional, Union

from gateway.profiles.secrets import SecretRef, parse_ref

_DURATION = re.compile(r"^([1-9][0-9]*)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_XML_ID = re.compile(r"^[a-z0-9_]+\.[a-zA-Z0-9_]+$")


def parse_duration(text: str) -> _dt.timedelta:
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 4h or 2d")
    return _dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ErpPartner:
    partner_ref: Optional[str] = None
    partner_id: Optional[int] = None
    company: Optional[str] = None

    def domain(self) -> list[tuple[str, str, Any]]:
        """The res.partner search domain that finds this partner."""
        if self.partner_id is not None:
            return [("id", "=", self.partner_id)]
        return [("ref", "=", self.partner_ref)]


@dataclass(frozen=True)
class X12Identity:
    isa_qualifier: str
    isa_id: str
    gs_id: Optional[str] = None

    def label(self) -> str:
        text = f"ISA {self.isa_qualifier}/{self.isa_id}"
        return text + (f" GS {self.gs_id}" if self.gs_id else "")


@dataclass(frozen=True)
class EdifactIdentity:
    id: str
    qualifier: Optional[str] = None

    def label(self) -> str:
        return f"UNB {self.id}" + (f":{self.qualifier}" if self.qualifier else "")


Identity = Union[X12Identity, EdifactIdentity]


@dataclass(frozen=True)
class As2Identities:
    partner: str
    ours: str


@dataclass(frozen=True)
class Identities:
    partner: Identity
    ours: Identity
    as2: Optional[As2Identities] = None


@dataclass(frozen=True)
class DocumentRule:
    doc_type: str  # purchase_order | order_response | ship_notice (translators.canonical names)
    direction: str  # send | receive
    version: str  # 004010 / 005010 / D96A / D01B
    association: Optional[str] = None
    changes: str = "flag"  # order_response: apply | flag
    receipt: str = "record"  # ship_notice: record | validate
    respond_within: Optional[_dt.timedelta] = None


@dataclass(frozen=True)
class Envelope:
    element_separator: str
    component_separator: str
    segment_terminator: str
    repetition_separator: Optional[str] = None  # X12 00501+; EDIFACT syntax 4
    release_character: Optional[str] = None  # EDIFACT
    decimal_mark: str = "."
    newline: str = "none"  # none | lf | crlf
    charset: str = "ascii"
    syntax: Optional[str] = None  # EDIFACT UNOA..UNOY
    syntax_version: Optional[str] = None
    una: str = "when_needed"
    usage: str = "production"  # production | test


@dataclass(frozen=True)
class AckPolicy:
    send: str  # 997 | 999 | CONTRL | none
    expect: str
    request_interchange_ack: bool = False  # ISA14 TA1 / UNB 0031 CONTRL
    expect_within: Optional[_dt.timedelta] = None


@dataclass(frozen=True)
class SftpTransport:
    host: str
    user: str
    key: SecretRef
    host_key: str
    inbox: str
    outbox: str
    port: int = 22
    passphrase: Optional[SecretRef] = None
    archive: Optional[str] = None
    temporary_suffix: str = ".part"

    @property
    def channel(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


@dataclass(frozen=True)
class Mdn:
    mode: str = "sync"
    signed: bool = True
    async_url: Optional[str] = None
    wait: Optional[_dt.timedelta] = None


@dataclass(frozen=True)
class As2Transport:
    url: str
    partner_certificates: tuple[Path, ...]
    our_certificate: Path
    our_key: SecretRef
    our_key_passphrase: Optional[SecretRef] = None
    signing: str = "sha256"
    encryption: str = "aes256-cbc"
    key_transport: str = "rsa-pkcs1v15"
    compression: str = "none"
    mdn: Mdn = field(default_factory=Mdn)
    require_signed: bool = True
    require_encrypted: bool = True
    http_user: Optional[str] = None
    http_password: Optional[SecretRef] = None


@dataclass(frozen=True)
class FolderTransport:
    inbox: Path
    outbox: Path
    archive: Optional[Path] = None
    temporary_suffix: str = ".part"


@dataclass(frozen=True)
class Transport:
    type: str  # sftp | as2 | folder
    settings: Union[SftpTransport, As2Transport, FolderTransport]


@dataclass(frozen=True)
class UnitTarget:
    """An Odoo unit: by XML ID (uom.product_uom_unit) or by name."""

    xml_id: Optional[str] = None
    name: Optional[str] = None

    def __str__(self) -> str:
        return self.xml_id if self.xml_id else f"name {self.name!r}"


@dataclass(frozen=True)
class ProductRule:
    scheme: str  # canonical ProductId.scheme: buyer | vendor | gtin | manufacturer | sku | x12:.. | edifact:..
    odoo: str  # default_code | barcode | supplierinfo


@dataclass(frozen=True)
class LocationTarget:
    warehouse: str  # stock.warehouse code
    picking_type: Optional[str] = None  # XML ID or name


@dataclass(frozen=True)
class CodeMaps:
    units: Mapping[str, UnitTarget] = field(default_factory=lambda: MappingProxyType({}))
    products: tuple[ProductRule, ...] = ()
    locations: Mapping[str, LocationTarget] = field(default_factory=lambda: MappingProxyType({}))
    statuses: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    carriers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Schedule:
    tier: str = "realtime"
    poll_interval: _dt.timedelta = _dt.timedelta(minutes=1)
    times: tuple[str, ...] = ()
    timezone: str = "UTC"


@dataclass(frozen=True)
class Profile:
    name: str
    source: Path
    digest: str  # sha256 of the file's bytes
    standard: str  # x12 | edifact
    erp: ErpPartner
    identities: Identities
    documents: Mapping[str, DocumentRule]
    envelope: Envelope
    acknowledgments: AckPolicy
    transport: Transport
    code_maps: CodeMaps
    schedule: Schedule
    enabled: bool = True
    description: Optional[str] = None
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False,
                                   compare=False)

    @property
    def channel(self) -> tuple[str, str]:
        """(kind, account) identifying the transport channel this partner owns."""
        settings = self.transport.settings
        if isinstance(settings, SftpTransport):
            return ("sftp", settings.channel)
        if isinstance(settings, As2Transport):
            assert self.identities.as2 is not None
            return ("as2", self.identities.as2.partner)
        return ("folder", str(settings.inbox))


# --------------------------------------------------------------------------- build

_X12_ENVELOPE = dict(element_separator="*", component_separator=">", segment_terminator="~",
                     repetition_separator="^", newline="lf", charset="ascii")
_EDIFACT_ENVELOPE = dict(element_separator="+", component_separator=":", segment_terminator="'",
                         release_character="?", syntax="UNOC", syntax_version="3", newline="none",
                         charset="latin-1")
_CHARSETS = {"UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOD": "iso8859-2",
             "UNOE": "iso8859-5", "UNOF": "iso8859-7", "UNOW": "utf-8", "UNOY": "utf-8"}


def unit_target(value: str) -> UnitTarget:
    if _XML_ID.match(value):
        return UnitTarget(xml_id=value)
    return UnitTarget(name=value)


def _opt_ref(value: Optional[str]) -> Optional[SecretRef]:
    return parse_ref(value) if value is not None else None


def _opt_duration(value: Optional[str]) -> Optional[_dt.timedelta]:
    return parse_duration(value) if value is not None else None


def _local_path(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def build_profile(data: Mapping[str, Any], source: Path, digest: str) -> Profile:
    base = source.parent
    standard = data["standard"]
    ident = data["identities"]
    if standard == "x12":
        partner: Identity = X12Identity(**ident["partner"])
        ours: Identity = X12Identity(**ident["ours"])
    else:
        partner = EdifactIdentity(**ident["partner"])
        ours = EdifactIdentity(**ident["ours"])
    as2 = As2Identities(**ident["as2"]) if "as2" in ident else None

    docs = {}
    for doc_type, rule in data["documents"].items():
        docs[doc_type] = DocumentRule(
            doc_type=doc_type, direction=rule["direction"], version=str(rule["version"]),
            association=rule.get("association"), changes=rule.get("changes", "flag"),
            receipt=rule.get("receipt", "record"),
            respond_within=_opt_duration(rule.get("respond_within")))

    env = dict(data.get("envelope") or {})
    if standard == "x12":
        merged = {**_X12_ENVELOPE, **env}
        envelope = Envelope(**merged)
    else:
        merged = {**_EDIFACT_ENVELOPE, **env}
        merged["syntax_version"] = str(merged["syntax_version"])
        if "charset" not in env:
            merged["charset"] = _CHARSETS[merged["syntax"]]
        envelope = Envelope(**merged)

    acks = dict(data.get("acknowledgments") or {})
    if standard == "x12":
        ack = AckPolicy(send=str(acks.get("send", "997")), expect=str(acks.get("expect", "997")),
                        request_interchange_ack=bool(acks.get("request_ta1", False)),
                        expect_within=_opt_duration(acks.get("expect_within")))
    else:
        ack = AckPolicy(send=acks.get("send", "CONTRL"), expect=acks.get("expect", "CONTRL"),
                        request_interchange_ack=bool(acks.get("request_contrl", False)),
                        expect_within=_opt_duration(acks.get("expect_within")))

    tdata = data["transport"]
    ttype = tdata["type"]
    settings: Union[SftpTransport, As2Transport, FolderTransport]
    if ttype == "sftp":
        s = dict(tdata["sftp"])
        s["key"] = parse_ref(s["key"])
        s["passphrase"] = _opt_ref(s.get("passphrase"))
        settings = SftpTransport(**s)
    elif ttype == "as2":
        a = dict(tdata["as2"])
        mdn = a.pop("mdn", None) or {}
        settings = As2Transport(
            url=a["url"],
            partner_certificates=tuple(_local_path(p, base) for p in a["partner_certificates"]),
            our_certificate=_local_path(a["our_certificate"], base),
            our_key=parse_ref(a["our_key"]),
            our_key_passphrase=_opt_ref(a.get("our_key_passphrase")),
            signing=a.get("signing", "sha256"), encryption=a.get("encryption", "aes256-cbc"),
            key_transport=a.get("key_transport", "rsa-pkcs1v15"),
            compression=a.get("compression", "none"),
            mdn=Mdn(mode=mdn.get("mode", "sync"), signed=mdn.get("signed", True),
                    async_url=mdn.get("async_url"), wait=_opt_duration(mdn.get("wait"))),
            require_signed=a.get("require_signed", True),
            require_encrypted=a.get("require_encrypted", True),
            http_user=a.get("http_user"), http_password=_opt_ref(a.get("http_password")))
    else:
        f = tdata["folder"]
        settings = FolderTransport(
            inbox=_local_path(f["inbox"], base), outbox=_local_path(f["outbox"], base),
            archive=_local_path(f["archive"], base) if f.get("archive") else None,
            temporary_suffix=f.get("temporary_suffix", ".part"))

    maps = data.get("code_maps") or {}
    code_maps = CodeMaps(
        units=_frozen({code: unit_target(v) for code, v in (maps.get("units") or {}).items()}),
        products=tuple(ProductRule(r["scheme"], r["odoo"]) for r in maps.get("products") or ()),
        locations=_frozen({str(code): LocationTarget(v["warehouse"], v.get("picking_type"))
                           for code, v in (maps.get("locations") or {}).items()}),
        statuses=_frozen(dict(maps.get("statuses") or {})),
        carriers=_frozen({str(k): str(v) for k, v in (maps.get("carriers") or {}).items()}))

    sched = data.get("schedule") or {}
    schedule = Schedule(tier=sched.get("tier", "realtime"),
                        poll_interval=parse_duration(sched.get("poll_interval", "60s")),
                        times=tuple(sched.get("times") or ()),
                        timezone=sched.get("timezone", "UTC"))

    return Profile(
        name=data["name"], source=source, digest=digest, standard=standard,
        erp=ErpPartner(**data["erp"]), identities=Identities(partner, ours, as2),
        documents=_frozen(docs), envelope=envelope, acknowledgments=ack,
        transport=Transport(ttype, settings), code_maps=code_maps, schedule=schedule,
        enabled=data.get("enabled", True), description=data.get("description"),
        raw=_frozen(data))
