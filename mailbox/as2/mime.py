"""MIME entities with exact byte handling (RFC 2045/2046, RFC 1847 multipart/signed).

A parsed ``Entity`` keeps the raw bytes it came from, so a signature or MIC can be
checked over exactly what the sender signed.  Bodies are never re-encoded: binary
content stays byte-exact; CRLF is written only where MIME syntax itself needs a line
break (header lines, the blank line, boundary delimiters).
"""
from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import Iterable, Optional

from edi_mailbox.as2.errors import As2Error

CRLF = b"\r\n"
MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Entity:
    headers: tuple[tuple[str, str], ...]  # (name as written, unfolded value), in order
    raw: bytes  # the whole entity: header block + blank line + body
    body_offset: int

    @property
    def body(self) -> bytes:
        return self.raw[self.body_offset:]

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return default

    @property
    def content_type(self) -> tuple[str, dict[str, str]]:
        return parse_header_value(self.get("Content-Type") or "text/plain")

    def decoded_body(self) -> bytes:
        return decode_transfer(self.body, self.get("Content-Transfer-Encoding"))


def _header_end(data: bytes) -> tuple[int, int]:
    """(end of header lines, start of body)."""
    if data.startswith(CRLF):
        return 0, 2
    if data.startswith(b"\n"):
        return 0, 1
    crlf = data.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES)
    lf = data.find(b"\n\n", 0, MAX_HEADER_BYTES)
    if crlf < 0 and lf < 0:
        raise As2Error("MIME entity has no blank line after its headers (truncated or not MIME)")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf, crlf + 4
    return lf, lf + 2


def parse_headers(block: bytes) -> tuple[tuple[str, str], ...]:
    text = block.decode("latin-1")
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[list[str]] = []
    for line in lines:
        if not line:
            continue
        if line[0] in " \t":
            if not out:
                raise As2Error("MIME headers start with a continuation line")
            out[-1][1] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or any(c in name for c in " \t\x00") or not name.isprintable():
            raise As2Error(f"malformed MIME header line {line[:60]!r}")
        out.append([name, value.strip()])
    return tuple((n, v) for n, v in out)


def parse_entity(data: bytes) -> Entity:
    end, start = _header_end(data)
    return Entity(parse_headers(data[:end]), data, start)


def entity_from_parts(headers: Iterable[tuple[str, str]], body: bytes) -> Entity:
    """An entity whose header lines come from elsewhere (HTTP headers) and its body."""
    hdrs = tuple(headers)
    block = build_headers(hdrs)
    return Entity(hdrs, block + body, len(block))


def build_headers(headers: Iterable[tuple[str, str]]) -> bytes:
    parts = []
    for name, value in headers:
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise As2Error(f"header {name!r} contains a line break")
        parts.append(f"{name}: {value}\r\n")
    try:
        return ("".join(parts) + "\r\n").encode("latin-1")
    except UnicodeEncodeError:
        raise As2Error("a header holds characters outside Latin-1") from None


def build_entity(headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    return build_headers(headers) + body


def parse_header_value(value: str) -> tuple[str, dict[str, str]]:
    """``type/sub; a=1; b="x;y"`` -> ("type/sub", {"a": "1", "b": "x;y"}); names lowercased."""
    main, rest = _take_token(value, 0, ";")
    params: dict[str, str] = {}
    pos = rest
    while pos < len(value):
        pos += 1  # the ';'
        item, pos2 = _take_token(value, pos, ";")
        pos = pos2
        key, sep, val = item.partition("=")
        if not sep:
            continue
        val = val.strip()
        if len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val = val[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[key.strip().lower()] = val
    return main.strip().lower(), params


def _take_token(value: str, pos: int, stop: str) -> tuple[str, int]:
    start, quoted, i = pos, False, pos
    while i < len(value):
        c = value[i]
        if quoted and c == "\\":
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == stop and not quoted:
            break
        i += 1
    return value[start:i], i


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_transfer(body: bytes, encoding: Optional[str]) -> bytes:
    enc = (encoding or "binary").strip().lower()
    if enc in ("binary", "8bit", "7bit"):
        return body
    if enc == "base64":
        try:
            return base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise As2Error(f"invalid base64 body: {exc}") from None
    if enc == "quoted-printable":
        return binascii.a2b_qp(body)
    raise As2Error(f"unknown Content-Transfer-Encoding {encoding!r}")


def base64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF)


def new_boundary(*avoid: bytes) -> str:
    while True:
        boundary = "----=_Part_" + secrets.token_hex(12)
        marker = b"--" + boundary.encode()
        if not any(marker in data for data in avoid):
            return boundary


def split_multipart(body: bytes, boundary: str) -> list[bytes]:
    """The parts of a multipart body, each exactly as sent (RFC 2046 5.1.1).

    The line break before each delimiter belongs to the delimiter; a missing close
    delimiter means the body was truncated.
    """
    if not boundary or len(boundary) > 200:
        raise As2Error("multipart boundary missing or longer than 200 characters")
    try:
        marker = b"--" + boundary.encode("latin-1")
    except UnicodeEncodeError:
        raise As2Error("multipart boundary holds characters outside Latin-1") from None
    positions: list[tuple[int, int]] = []  # (start of the line break before, after the line)
    pos = 0
    closed = False
    while True:
        at = body.find(marker, pos)
        if at < 0:
            break
        if at == 0 or body[at - 1:at] == b"\n":
            before = at if at == 0 else (at - 2 if body[at - 2:at] == CRLF else at - 1)
            after = at + len(marker)
            is_close = body[after:after + 2] == b"--"
            eol = body.find(b"\n", after)
            line_end = len(body) if eol < 0 else eol + 1
            positions.append((before, line_end))
            if is_close:
                closed = True
                break
            pos = line_end
        else:
            pos = at + 1
    if not closed:
        raise As2Error(f"multipart body has no closing boundary --{boundary}-- (truncated?)")
    if len(positions) < 2:
        raise As2Error("multipart body has no parts")
    return [body[positions[i][1]:positions[i + 1][0]] for i in range(len(positions) - 1)]


def build_multipart(parts: Iterable[bytes], boundary: str) -> bytes:
    marker = b"--" + boundary.encode("latin-1")
    out = []
    for part in parts:
        out.append(marker + CRLF + part + CRLF)
    out.append(marker + b"--" + CRLF)
    return b"".join(out)


def safe_filename(name: str) -> str:
    """A plain base name; As2Error for path components, control characters or empty names."""
    if (not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name
            or any(ord(c) < 32 for c in name) or (len(name) > 1 and name[1] == ":")
            or len(name) > 255):
        raise As2Error(f"filename {name!r} is not a plain file name (path components, "
                       "control characters or too long)", kind="unsafe-filename")
    return name
