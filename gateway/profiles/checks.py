"""Schema and meaning checks of partner profiles.

``check_text`` reads one profile (YAML syntax, JSON Schema, then meaning) and
returns the built ``Profile`` when it has no errors; ``check_set`` compares
profiles with each other (duplicate identities and channels).  Every problem
names file, line and column and says how to fix it.

Meaning checks run once the schema passes, so a user fixes structure first.
Placeholders left by ``profile new`` (``"<fill in: ...>"``) are reported as
such, and other checks skip them.
"""
from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import jsonschema
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from gateway.profiles import vocab
from gateway.profiles.loader import NumKey, Path as NodePath, Positions, dotted, load_yaml
from gateway.profiles.model import Profile, build_profile
from gateway.profiles.problems import ERROR, WARNING, Problem, sort_problems
from gateway.profiles.secrets import SecretError, check_ref, file_path, parse_ref

CERT_WARNING_DAYS = 30


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The published JSON Schema (a copy lives at partner_profiles/schema.json)."""
    text = resources.files("gateway.profiles").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema())


@dataclass(frozen=True)
class CheckResult:
    file: str  # as shown in messages
    path: Path
    profile: Optional[Profile]  # None when there is any error
    problems: tuple[Problem, ...]
    positions: Optional[Positions] = None
    data: Any = None
    digest: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Ctx:
    file: str
    positions: Positions
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: NodePath, message: str, fix: str, severity: str = ERROR,
            at_key: bool = False) -> None:
        line, col = self.positions.of_key(path) if at_key else self.positions.of(path)
        self.problems.append(Problem(self.file, line, col, dotted(path), message, fix, severity))


def check_file(path: Path, *, env: Mapping[str, str], now: _dt.datetime,
               display: Optional[str] = None) -> CheckResult:
    shown = display if display is not None else str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return CheckResult(shown, path, None, (Problem(
            shown, 1, 1, "", f"cannot read the profile ({exc.strerror})",
            "check the path and the file's permissions"),))
    return check_bytes(raw, path, env=env, now=now, display=shown)


def check_bytes(raw: bytes, path: Path, *, env: Mapping[str, str], now: _dt.datetime,
                display: Optional[str] = None) -> CheckResult:
    shown = display if display is not None else str(path)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return CheckResult(shown, path, None, (Problem(
            shown, line, col, "", "the file is not UTF-8 text",
            "save it as UTF-8 (editors offer this under 'encoding')"),), digest=digest)
    loaded, problems = load_yaml(text, shown)
    if loaded is None:
        return CheckResult(shown, path, None, tuple(problems), digest=digest)
    ctx = _Ctx(shown, loaded.positions, list(problems))
    data = loaded.data
    placeholders = _placeholders(data, ())
    for ppath, hint in placeholders:
        ctx.add(ppath, "placeholder not filled in", hint)
    skip = {p for p, _ in placeholders}
    schema_errors, masked = _schema_problems(data, ctx, skip)
    if not schema_errors and not problems and isinstance(data, dict):
        if masked:
            # a placeholder stands where the schema wants something else: check the rest
            # as far as its shape allows; the placeholder itself is already reported
            try:
                _meaning(data, ctx, path, env, now, skip)
            except (TypeError, KeyError, AttributeError, ValueError, IndexError):
                pass
        else:
            _meaning(data, ctx, path, env, now, skip)
    ordered = tuple(sort_problems(ctx.problems))
    profile = None
    if not any(p.is_error for p in ordered):
        profile = build_profile(data, path, digest)
    return CheckResult(shown, path, profile, ordered, loaded.positions, data, digest)


# --------------------------------------------------------------------------- placeholders

def _placeholders(data: Any, path: NodePath) -> list[tuple[NodePath, str]]:
    out: list[tuple[NodePath, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_placeholders(value, path + (key,)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(_placeholders(value, path + (i,)))
    elif isinstance(data, str) and vocab.PLACEHOLDER_PREFIX in data:
        start = data.index(vocab.PLACEHOLDER_PREFIX) + len(vocab.PLACEHOLDER_PREFIX)
        hint = data[start:].split(">", 1)[0].strip()
        out.append((path, hint or "replace it with the real value"))
    return out


def _under(path: NodePath, roots: set[NodePath]) -> bool:
    return any(path[:len(r)] == r for r in roots)


# --------------------------------------------------------------------------- schema

_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "object": "a block of settings", "array": "a list",
               "null": "nothing"}
_TYPE_FIX = {"string": "put the value in quotes",
             "integer": "write a whole number without quotes",
             "number": "write a number without quotes",
             "boolean": "write true or false (no quotes)",
             "object": "indent the settings for this key below it (key: value per line)",
             "array": "write a list, one `- item` per line"}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a block of settings"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return "a date"
    return type(value).__name__


def _deref(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    root = load_schema()
    seen = 0
    while isinstance(schema, Mapping) and "$ref" in schema and seen < 10:
        ref = schema["$ref"]
        target: Any = root
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        schema = merged
        seen += 1
    return schema


def _property_schema(schema: Mapping[str, Any], name: str,
                     instance_path: NodePath) -> Mapping[str, Any]:
    props = _deref(schema).get("properties", {})
    if name in props:
        return _deref(props[name])
    # fall back to the root schema, followed along the instance path
    node: Mapping[str, Any] = load_schema()
    for part in instance_path + (name,):
        node = _deref(node)
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part) or node.get("additionalProperties") or {}
            if not isinstance(node, Mapping):
                return {}
    return _deref(node)


def _hint(schema: Mapping[str, Any]) -> Optional[str]:
    schema = _deref(schema)
    return schema.get("x-fix") or schema.get("description")


def _suggest(word: str, choices: Iterable[str]) -> Optional[str]:
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return matches[0] if matches else None


def _schema_problems(data: Any, ctx: _Ctx, skip: set[NodePath]) -> tuple[int, int]:
    """Add schema problems to ``ctx``; returns (problems added, errors masked by placeholders)."""
    count = masked = 0
    seen: set[str] = set()
    for error in _validator().iter_errors(data):
        path = tuple(error.absolute_path)
        if _under(path, skip):
            masked += 1
            continue
        for problem in _translate(error, path, ctx):
            key = str(problem)
            if key in seen:
                continue
            seen.add(key)
            ctx.problems.append(problem)
            count += 1
    return count, masked


def _translate(error: jsonschema.ValidationError, path: NodePath, ctx: _Ctx) -> list[Problem]:
    kw = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    value = error.instance
    out: list[Problem] = []

    def make(p: NodePath, message: str, fix: str, at_key: bool = False) -> None:
        line, col = ctx.positions.of_key(p) if at_key else ctx.positions.of(p)
        out.append(Problem(ctx.file, line, col, dotted(p), message, fix))

    if kw == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(_deref(schema).get("properties", {}))
        for key in value:
            if key in allowed:
                continue
            best = _suggest(key, allowed)
            listing = f"allowed here: {', '.join(allowed)}" if allowed else "nothing is allowed here"
            fix = (f"did you mean '{best}'? ({listing})" if best
                   else f"remove it or correct its spelling ({listing})")
            make(path + (key,), f"unknown key '{key}'", fix, at_key=True)
    elif kw == "required":
        present = value if isinstance(value, dict) else {}
        for name in error.validator_value:
            if name in present:
                continue
            sub = _property_schema(schema, name, path)
            hint = _hint(sub)
            if sub.get("x-fix"):
                fix = sub["x-fix"]
            else:
                fix = f"add `{name}:`" + (f" ({hint})" if hint else "")
            make(path + (name,), "missing", fix)
    elif kw == "type":
        wanted = error.validator_value
        wanted = wanted if isinstance(wanted, list) else [wanted]
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
        fix = schema.get("x-fix") or _TYPE_FIX.get(wanted[0], "correct the value")
        shown = ("" if schema.get("x-secret") or value is None or isinstance(value, (dict, list))
                 else f" ({value!r})")
        if isinstance(value, int) and not isinstance(value, bool) and "string" in wanted and \
                not schema.get("x-fix"):
            fix = "put the value in quotes so leading zeros and letters survive"
        make(path, f"expected {words}, got {_kind(value)}{shown}", fix)
    elif kw == "enum":
        choices = [c for c in error.validator_value if isinstance(c, str)]
        if "propertyNames" in error.relative_schema_path:
            best = _suggest(value, choices)
            listing = ", ".join(choices)
            fix = f"did you mean '{best}'? (one of {listing})" if best else f"use one of {listing}"
            make(path + (value,), f"unknown document type '{value}'", fix, at_key=True)
        else:
            best = _suggest(value, choices) if isinstance(value, str) else None
            listing = ", ".join(choices)
            fix = schema.get("x-fix") or (f"did you mean '{best}'? (one of {listing})" if best
                                          else f"use one of {listing}")
            make(path, f"unknown value {value!r}", fix)
    elif kw == "const":
        make(path, f"unexpected value {value!r}", f"use {error.validator_value!r}")
    elif kw == "pattern":
        if schema.get("x-secret"):
            make(path, "a literal secret is not allowed",
                 "store it in an environment variable or in a file only the gateway can read, "
                 "and write env:NAME or file:PATH here")
        else:
            make(path, f"{value!r} is not valid here",
                 schema.get("x-fix") or _hint(schema) or "correct the value")
    elif kw == "minLength":
        make(path, "must not be empty", _hint(schema) or "write a value")
    elif kw == "maxLength":
        make(path, f"too long ({len(value)} characters, at most {error.validator_value})",
             schema.get("x-fix") or _hint(schema) or "shorten it")
    elif kw in ("minItems", "minProperties"):
        make(path, f"needs at least {error.validator_value} entr"
                   f"{'y' if error.validator_value == 1 else 'ies'}",
             _hint(schema) or "add an entry")
    elif kw == "maxItems":
        make(path, f"at most {error.validator_value} entries allowed",
             _hint(schema) or "remove entries")
    elif kw in ("minimum", "maximum"):
        bound = "at least" if kw == "minimum" else "at most"
        make(path, f"{value!r} is out of range", f"use a number {bound} {error.validator_value}")
    else:
        make(path, error.message, _hint(schema) or "see partner_profiles/schema.json")
    return out


# --------------------------------------------------------------------------- meaning

def _get(data: Any, path: NodePath) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _meaning(data: dict[str, Any], ctx: _Ctx, source: Path, env: Mapping[str, str],
             now: _dt.datetime, skip: set[NodePath]) -> None:
    base = source.parent
    ok = lambda p: not _under(p, skip)  # noqa: E731

    if ok(("name",)) and source.suffix in (".yaml", ".yml") and data["name"] != source.stem:
        ctx.add(("name",), f"'{data['name']}' does not match the file name {source.name}",
                f"set `name: {source.stem}` or rename the file to {data['name']}{source.suffix}")

    erp = data["erp"]
    if "partner_ref" not in erp and "partner_id" not in erp:
        ctx.add(("erp",), "missing partner_ref or partner_id",
                "set partner_ref (the Odoo contact's Reference field) or partner_id "
                "(its database ID) so documents find the partner in Odoo")

    standard = data["standard"]
    _check_documents(data, ctx, standard, ok)
    _check_envelope(data, ctx, ok)
    _check_acks(data, ctx, standard)

    for spath in vocab.SECRET_FIELDS:
        value = _get(data, spath)
        if value is None or not ok(spath):
            continue
        try:
            ref = parse_ref(value)
        except SecretError as exc:
            ctx.add(spath, str(exc), "write env:NAME (an environment variable) or file:PATH")
            continue
        problem = check_ref(ref, env, base)
        if problem is not None:
            ctx.add(spath, f"cannot resolve {ref}: {problem[0]}", problem[1])

    transport = data["transport"]
    ttype = transport["type"]
    for other in ("sftp", "as2", "folder"):
        if other != ttype and other in transport:
            ctx.add(("transport", other), f"ignored because transport.type is {ttype}",
                    f"remove the `{other}:` block or set `type: {other}`", WARNING, at_key=True)
    if ttype == "sftp":
        hk_path = ("transport", "sftp", "host_key")
        if ok(hk_path):
            _check_host_key(transport["sftp"]["host_key"], hk_path, ctx)
    elif ttype == "as2":
        _check_as2(transport["as2"], ctx, base, env, now, ok)

    maps = data.get("code_maps") or {}
    _check_units(maps.get("units") or {}, ctx, ok)
    _check_products(maps.get("products") or [], ctx, ok)
    _check_locations(maps.get("locations") or {}, ctx, ok)
    _check_statuses(maps.get("statuses") or {}, ctx, standard, ok)
    _check_schedule(data.get("schedule") or {}, ctx)


def _check_documents(data: dict[str, Any], ctx: _Ctx, standard: str, ok: Any) -> None:
    for doc_type, rule in data["documents"].items():
        p = ("documents", doc_type)
        if "association" in rule and standard == "x12":
            ctx.add(p + ("association",), "an association code applies to EDIFACT only",
                    "remove it", at_key=True)
        if "changes" in rule and doc_type != "order_response":
            ctx.add(p + ("changes",), "`changes` applies to order_response only",
                    "move it under documents.order_response", at_key=True)
        if "receipt" in rule and doc_type != "ship_notice":
            ctx.add(p + ("receipt",), "`receipt` applies to ship_notice only",
                    "move it under documents.ship_notice", at_key=True)
        if "respond_within" in rule and rule["direction"] != "send":
            ctx.add(p + ("respond_within",), "`respond_within` applies to documents we send",
                    "remove it, or set direction: send", WARNING, at_key=True)


def _check_envelope(data: dict[str, Any], ctx: _Ctx, ok: Any) -> None:
    env = data.get("envelope") or {}
    used: dict[str, str] = {}
    for key in ("element_separator", "component_separator", "repetition_separator",
                "segment_terminator", "release_character"):
        char = env.get(key)
        if char is None or not ok(("envelope", key)):
            continue
        if char in used:
            ctx.add(("envelope", key), f"{char!r} is already the {used[char]}",
                    "every delimiter must be a different character")
        elif char.isalnum() or char == " ":
            ctx.add(("envelope", key), f"{char!r} can appear in data",
                    "choose a character that never occurs in data, such as * ~ ^ > + : '")
        used.setdefault(char, key.replace("_", " "))


def _check_acks(data: dict[str, Any], ctx: _Ctx, standard: str) -> None:
    acks = data.get("acknowledgments") or {}
    if standard != "x12":
        return
    versions = {str(r["version"]) for r in data["documents"].values()}
    for key in ("send", "expect"):
        if str(acks.get(key)) == "999" and versions == {"004010"}:
            ctx.add(("acknowledgments", key), "999 belongs to 005010 and every document is 004010",
                    "use 997 for 004010 partners", WARNING)


def _check_host_key(value: str, path: NodePath, ctx: _Ctx) -> None:
    parts = value.split()
    fix = ("pin the server's host key (ssh-keyscan -t ed25519 HOST) as \"ssh-ed25519 AAAA...\", "
           "without the host name ssh-keyscan prints first")
    if len(parts) < 2:
        ctx.add(path, "not an SSH public key", fix)
        return
    try:
        serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode("ascii"))
    except (ValueError, UnicodeEncodeError, UnsupportedAlgorithm):
        ctx.add(path, f"not an SSH public key of type {parts[0]!r}", fix)


def _load_cert(path: Path) -> x509.Certificate:
    raw = path.read_bytes()
    if b"-----BEGIN" in raw:
        return x509.load_pem_x509_certificate(raw)
    return x509.load_der_x509_certificate(raw)


def _cert_name(cert: x509.Certificate) -> str:
    try:
        cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        if cns:
            return f"'{cns[0].value}'"
    except ValueError:
        pass
    return f"serial {cert.serial_number:x}"


def _check_cert(value: str, path: NodePath, ctx: _Ctx, base: Path, now: _dt.datetime,
                renew: str) -> Optional[x509.Certificate]:
    cert_path = Path(value).expanduser()
    cert_path = cert_path if cert_path.is_absolute() else base / cert_path
    try:
        cert = _load_cert(cert_path)
    except FileNotFoundError:
        ctx.add(path, f"certificate file {cert_path} does not exist",
                "correct the path (relative paths start at the profile's folder)")
        return None
    except OSError as exc:
        ctx.add(path, f"certificate file {cert_path} is not readable ({exc.strerror})",
                "give the gateway's user read access to it")
        return None
    except ValueError:
        ctx.add(path, f"{cert_path} is not a PEM or DER X.509 certificate",
                "export the certificate (not the key or a PKCS#12 bundle) in PEM or DER form")
        return None
    after = cert.not_valid_after_utc
    before = cert.not_valid_before_utc
    if after <= now:
        ctx.add(path, f"certificate {_cert_name(cert)} expired on {after:%Y-%m-%d}", renew)
    elif before > now:
        ctx.add(path, f"certificate {_cert_name(cert)} is not valid before {before:%Y-%m-%d}",
                "it is accepted from that date; keep the current one listed until then",
                WARNING)
    elif after - now < _dt.timedelta(days=CERT_WARNING_DAYS):
        ctx.add(path, f"certificate {_cert_name(cert)} expires on {after:%Y-%m-%d}",
                renew, WARNING)
    return cert


def _check_as2(as2: dict[str, Any], ctx: _Ctx, base: Path, env: Mapping[str, str],
               now: _dt.datetime, ok: Any) -> None:
    p = ("transport", "as2")
    for i, value in enumerate(as2["partner_certificates"]):
        if ok(p + ("partner_certificates", i)):
            _check_cert(value, p + ("partner_certificates", i), ctx, base, now,
                        "ask the partner for its current certificate and list it here (two may "
                        "be listed during a rollover), then remove the expired one")
    ours = None
    if ok(p + ("our_certificate",)):
        ours = _check_cert(as2["our_certificate"], p + ("our_certificate",), ctx, base, now,
                           "renew our certificate, send the new one to the partner and "
                           "replace it here")
    if ours is not None and ok(p + ("our_key",)):
        _check_key_matches(as2, ours, ctx, base, env)
    if str(as2["url"]).startswith("http://") and as2.get("encryption", "aes256-cbc") == "none":
        ctx.add(p + ("url",), "plain http without encryption exposes the documents",
                "use an https URL or set encryption", WARNING)
    mdn = as2.get("mdn") or {}
    if mdn.get("mode") == "async" and "async_url" not in mdn:
        ctx.add(p + ("mdn",), "async MDNs need our receipt URL",
                "add `async_url:` (where the partner posts MDNs to us)")


def _check_key_matches(as2: dict[str, Any], cert: x509.Certificate, ctx: _Ctx, base: Path,
                       env: Mapping[str, str]) -> None:
    try:
        ref = parse_ref(as2["our_key"])
        if check_ref(ref, env, base) is not None:
            return  # reported as unresolvable already
        raw = (env[ref.target].encode() if ref.kind == "env"
               else file_path(ref, base).read_bytes())
        password = None
        if "our_key_passphrase" in as2:
            pref = parse_ref(as2["our_key_passphrase"])
            if check_ref(pref, env, base) is not None:
                return
            password = (env[pref.target].encode() if pref.kind == "env"
                        else file_path(pref, base).read_bytes().strip())
    except (SecretError, OSError):
        return
    path = ("transport", "as2", "our_key")
    try:
        if b"-----BEGIN" in raw:
            key = serialization.load_pem_private_key(raw, password=password)
        else:
            key = serialization.load_der_private_key(raw, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        ctx.add(path, f"{ref} is not a readable private key (or the passphrase is wrong)",
                "point it at our PEM/DER private key and set our_key_passphrase if it is "
                "encrypted")
        return
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    if key.public_key().public_bytes(enc, fmt) != cert.public_key().public_bytes(enc, fmt):
        ctx.add(path, f"{ref} does not belong to our_certificate",
                "use the private key the certificate was issued for")


def _check_units(units: dict[str, Any], ctx: _Ctx, ok: Any) -> None:
    for code, target in units.items():
        p = ("code_maps", "units", code)
        if str(code) not in vocab.UNIT_CODES:
            best = _suggest(str(code), vocab.UNIT_CODES)
            hint = f"did you mean '{best}'? " if best else ""
            ctx.add(p, f"unknown unit code '{code}'",
                    f"{hint}use a UN/ECE Rec. 20 or X12 unit code (EA, PCE, CA, KGM...)",
                    at_key=True)
        if not ok(p) or not isinstance(target, str):
            continue
        if target.startswith("uom.") and target not in vocab.ODOO_UOM_XML_IDS:
            best = _suggest(target, vocab.ODOO_UOM_XML_IDS)
            hint = f"did you mean '{best}'? " if best else ""
            ctx.add(p, f"unknown Odoo unit '{target}'",
                    f"{hint}use an XML ID Odoo defines (Settings > Technical > External "
                    "Identifiers) or the unit's name")


def _check_products(rules: list[dict[str, Any]], ctx: _Ctx, ok: Any) -> None:
    seen: dict[tuple[str, str], int] = {}
    for i, rule in enumerate(rules):
        p = ("code_maps", "products", i)
        scheme, target = rule["scheme"], rule["odoo"]
        if ok(p + ("scheme",)) and scheme not in vocab.PRODUCT_SCHEMES and \
                not re.match(r"^(x12|edifact):\S+$", scheme):
            best = _suggest(scheme, vocab.PRODUCT_SCHEMES)
            hint = f"did you mean '{best}'? " if best else ""
            ctx.add(p + ("scheme",), f"unknown product identification scheme '{scheme}'",
                    f"{hint}use {', '.join(vocab.PRODUCT_SCHEMES)} (or a raw qualifier as "
                    "x12:XX / edifact:XX)")
        if ok(p + ("odoo",)) and target not in vocab.PRODUCT_TARGETS:
            best = _suggest(target, vocab.PRODUCT_TARGETS)
            hint = f"did you mean '{best}'? " if best else ""
            ctx.add(p + ("odoo",), f"unknown product strategy '{target}'",
                    f"{hint}use default_code (Internal Reference), barcode, or supplierinfo "
                    "(the vendor's product code on the product's Purchase tab)")
        if (scheme, target) in seen:
            ctx.add(p, f"same rule as code_maps.products[{seen[(scheme, target)]}]",
                    "remove one of them", WARNING)
        seen.setdefault((scheme, target), i)


def gln_check_digit(digits: str) -> int:
    """GS1 check digit of the first 12 digits of a GLN (or the first n-1 of a GTIN)."""
    body = digits[:-1]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _check_locations(locations: dict[Any, Any], ctx: _Ctx, ok: Any) -> None:
    for code in locations:
        text = str(code)
        p = ("code_maps", "locations", code)
        if isinstance(code, NumKey):
            ctx.add(p, f"location code {text} is written as a number",
                    f"quote it (\"{text}\") so leading zeros survive", at_key=True)
            continue
        if re.fullmatch(r"[0-9]{13}", text):
            expected = gln_check_digit(text)
            if int(text[-1]) != expected:
                ctx.add(p, f"'{text}' is not a valid GLN (check digit should be {expected})",
                        "copy the GLN again from the partner's documents", at_key=True)


def _check_statuses(statuses: dict[Any, Any], ctx: _Ctx, standard: str, ok: Any) -> None:
    for code, status in statuses.items():
        p = ("code_maps", "statuses", code)
        if not str(code).startswith(f"{standard}:"):
            ctx.add(p, f"status code '{code}' lacks the '{standard}:' prefix",
                    f"write the partner's raw code as {standard}:{code} (canonical statuses "
                    "need no mapping)", at_key=True)
        if ok(p) and status not in vocab.STATUSES:
            best = _suggest(str(status), vocab.STATUSES)
            hint = f"did you mean '{best}'? " if best else ""
            ctx.add(p, f"unknown status '{status}'",
                    f"{hint}use one of {', '.join(vocab.STATUSES)}")


def _check_schedule(schedule: dict[str, Any], ctx: _Ctx) -> None:
    if not schedule:
        return
    if schedule["tier"] == "realtime" and "times" in schedule:
        ctx.add(("schedule", "times"), "times are ignored for tier realtime",
                "remove them or set tier: batch", WARNING, at_key=True)
    if schedule["tier"] == "batch" and "poll_interval" in schedule:
        ctx.add(("schedule", "poll_interval"), "poll_interval is ignored for tier batch",
                "remove it or set tier: realtime", WARNING, at_key=True)
    tz = schedule.get("timezone")
    if tz is not None:
        import zoneinfo
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            best = _suggest(tz, zoneinfo.available_timezones())
            hint = f"did you mean '{best}'? " if best else ""
            ctx.add(("schedule", "timezone"), f"unknown time zone '{tz}'",
                    f"{hint}use an IANA name such as Europe/Berlin or America/Chicago")


# --------------------------------------------------------------------------- across profiles

def _identity_keys(result: CheckResult) -> list[tuple[str, tuple[Any, ...], NodePath, str]]:
    """(kind, key, path, label) for every identity the profile claims."""
    profile = result.profile
    assert profile is not None
    out: list[tuple[str, tuple[Any, ...], NodePath, str]] = []
    ids = profile.identities
    partner, ours = ids.partner, ids.ours
    if profile.standard == "x12":
        out.append(("x12", (partner.isa_qualifier, partner.isa_id, ours.isa_qualifier,  # type: ignore[union-attr]
                            ours.isa_id, partner.gs_id, ours.gs_id),  # type: ignore[union-attr]
                    ("identities", "partner"),
                    f"X12 identity {partner.label()} (to us as {ours.label()})"))
    else:
        out.append(("edifact", (partner.id, partner.qualifier, ours.id, ours.qualifier),  # type: ignore[union-attr]
                    ("identities", "partner"),
                    f"EDIFACT identity {partner.label()} (to us as {ours.label()})"))
    if ids.as2 is not None:
        out.append(("as2", (ids.as2.partner, ids.as2.ours), ("identities", "as2", "partner"),
                    f"AS2 ID {ids.as2.partner!r} (to us as {ids.as2.ours!r})"))
    kind, account = profile.channel
    out.append(("channel", (kind, account), ("transport", profile.transport.type),
                f"{kind} channel {account}"))
    return out


def _overlap(kind: str, a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if kind == "x12":
        if a[:4] != b[:4]:
            return False
        return all(x is None or y is None or x == y for x, y in zip(a[4:], b[4:]))
    if kind == "edifact":
        return a[0] == b[0] and a[2] == b[2] and all(
            x is None or y is None or x == y for x, y in ((a[1], b[1]), (a[3], b[3])))
    return a == b


def check_set(results: Sequence[CheckResult]) -> list[Problem]:
    """Problems between profiles: same name twice, overlapping identities or channels.

    Each conflict is reported in both files, naming the other one.
    """
    problems: list[Problem] = []
    good = [r for r in results if r.profile is not None and r.positions is not None]
    names: dict[str, CheckResult] = {}
    for r in good:
        assert r.profile is not None and r.positions is not None
        first = names.get(r.profile.name)
        if first is not None:
            line, col = r.positions.of(("name",))
            problems.append(Problem(r.file, line, col, "name",
                                    f"profile name '{r.profile.name}' is also used by {first.file}",
                                    "give each partner its own name"))
        names.setdefault(r.profile.name, r)
    # claims can only overlap inside a bucket: compare pairwise there, not across everything
    buckets: dict[tuple[Any, ...], list[tuple[CheckResult, str, tuple[Any, ...], NodePath, str]]]
    buckets = {}
    for r in good:
        for kind, key, path, label in _identity_keys(r):
            bucket = (kind,) + (key[:4] if kind == "x12" else (key[0], key[2])
                                if kind == "edifact" else key)
            buckets.setdefault(bucket, []).append((r, kind, key, path, label))
    pairs = [(a, b) for claims in buckets.values() if len(claims) > 1
             for i, a in enumerate(claims) for b in claims[i + 1:]]
    for (ra, kind, ka, pa, label), (rb, _, kb, pb, _) in pairs:
        if rb is ra or not _overlap(kind, ka, kb):
            continue
        for (me, mp), (other, op) in (((ra, pa), (rb, pb)), ((rb, pb), (ra, pa))):
            assert me.positions is not None and other.positions is not None
            line, col = me.positions.of(mp)
            oline, ocol = other.positions.of(op)
            what = "channel" if kind == "channel" else "identity"
            fix = ("each partner needs its own identity: correct one of them, or tell them "
                   "apart by GS application IDs (gs_id)" if kind == "x12" else
                   "each partner needs its own identity: correct one of them"
                   if kind != "channel" else
                   "each partner needs its own channel (account, AS2 ID or folder), or the "
                   "gateway cannot tell who sent a file")
            problems.append(Problem(
                me.file, line, col, dotted(mp),
                f"duplicate {what}: {label} is also claimed by profile "
                f"'{other.profile.name}' ({other.file}:{oline}:{ocol})",  # type: ignore[union-attr]
                fix))
    return sort_problems(problems)
