#!/usr/bin/env python3
"""Generate the gateway's EDIFACT schema files from the UN/EDIFACT directory XML.

Usage::

    python tools/build_edifact_schemas.py /work/shared/directories/edifact [--out DIR]

The source directory holds ``D96A/``, ``D01B/``, ``Service_V3/`` and ``Service_V4/``
(php-edifact/edifact-mapping layout).  The output (default: the package's
``translators/edifact/schemas``) is committed; rerun this script only when the
source or the selection below changes.  Only facts are taken from the source
(structure, mandatory flags, repeats, element formats and code values), never
description texts.

Written files (see translators/edifact/schema.py for the format)::

    index.xml                       (message type, version, release) -> files
    D96A/ORDERS.xml ORDRSP.xml DESADV.xml segments.xml codes.xml
    D01B/...                        the same for D01B
    S3/CONTRL.xml segments.xml codes.xml   CONTRL for syntax version 3 (UNH D:3)
    S4/CONTRL.xml segments.xml codes.xml   CONTRL for syntax version 4 (UNH 4:1)
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Iterable

from lxml import etree

MESSAGES = ("ORDERS", "ORDRSP", "DESADV")
DIRECTORIES = ("D96A", "D01B")

#: Coded data elements whose code lists are shipped and checked (the values the
#: mappings rely on and the common qualifiers).  Elements not listed here are
#: checked for format only.  7065 (package type) is not listed: the UN list is
#: a reference to UN/ECE Recommendation 21 and partners use the full list.
CODE_LISTS = (
    "0081",  # UNS section identification
    "1001",  # BGM document name code
    "1225",  # BGM message function
    "4343",  # BGM response type
    "2005",  # DTM qualifier
    "2379",  # DTM format qualifier
    "3035",  # NAD party qualifier
    "3055",  # code list responsible agency
    "1153",  # RFF reference qualifier
    "6063",  # QTY quantity qualifier
    "1229",  # LIN action request/notification
    "7143",  # item number type
    "4347",  # PIA product id function qualifier
    "7405",  # GIN identity number qualifier
    "6311",  # MEA measurement purpose qualifier
    "6313",  # MEA property measured
    "6347",  # CUX currency details qualifier
    "6343",  # CUX currency qualifier
    "5125",  # PRI price qualifier
    "5387",  # PRI price type qualifier
    "3227",  # LOC place qualifier
    "4451",  # FTX text subject qualifier
    "7077",  # IMD item description type
    "5025",  # MOA monetary amount type qualifier
    "6069",  # CNT control qualifier
    "3139",  # CTA contact function
    "3155",  # COM communication channel qualifier
)

#: CONTRL code lists (syntax 3 uses the D96A-era service list which still has
#: the old codes 1-11; syntax 4 the D01B-era list).
CONTRL_CODE_LISTS = ("0083", "0085")

#: Corrections to the source, checked against the UNTDID D.01B texts and the
#: Bots grammars generated from them (recordsD01BUN, ORDERSD01BUN ...): the
#: source D01B file drops some composite components (and keeps the rest at the
#: wrong positions), records fixed lengths as maxima and gives the ORDERS and
#: ORDRSP line-item group (LIN) 20000 repeats instead of 200000.
COMPONENT_FIXES: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "D01B": {
        "C819": (("3229", "an..9"), ("1131", "an..17"), ("3055", "an..3"), ("3228", "an..70")),
        "C502": (("6313", "an..3"), ("6321", "an..3"), ("6155", "an..17"), ("6154", "an..70")),
        "C829": (("5495", "an..3"), ("1082", "an..6")),
        "C701": (("1049", "an..3"), ("1052", "an..35"), ("1054", "n..6")),
    },
}
FIXED_LENGTHS: dict[str, dict[str, int]] = {
    "D01B": {"7124": 4, "7106": 3, "8186": 4},  # DGS UN number n4, flashpoint n3, EMS an4
}
GROUP_REPEAT_FIXES: dict[tuple[str, str, str], int] = {
    ("D01B", "ORDERS", "SG28"): 200000,
    ("D01B", "ORDRSP", "SG26"): 200000,
}

#: 2380 (date/time/period value) pictures are derived from the 2379 code list:
#: a code whose definition is a pure picture such as CCYYMMDD or CCYYMM-CCYYMM
#: fixes the value's length and its digit positions.
PICTURE = re.compile(r"[CYMDHSW]+(?:-[CYMDHSW]+)?")


def _bool(value: object) -> str:
    return "true" if value else "false"


def _format(el: etree._Element, fixed: dict[str, int]) -> str:
    kind = el.get("type", "an")
    if el.get("id") in fixed:
        return f"{kind}{fixed[el.get('id')]}"
    if el.get("length"):
        return f"{kind}{int(el.get('length'))}"
    return f"{kind}..{int(el.get('maxlength', '35'))}"


def load_segments(path: Path) -> dict[str, etree._Element]:
    root = etree.parse(str(path)).getroot()
    return {seg.get("id"): seg for seg in root.iter("segment")}


def load_codes(path: Path) -> dict[str, list[str]]:
    """Union of the code values per element (the source repeats some lists)."""
    out: dict[str, list[str]] = {}
    for el in etree.parse(str(path)).getroot().iter("data_element"):
        values = out.setdefault(el.get("id"), [])
        seen = set(values)
        for code in el.iter("code"):
            value = code.get("id")
            if value is not None and value not in seen:
                values.append(value)
                seen.add(value)
    return out


def load_pictures(path: Path) -> dict[str, str]:
    pictures: dict[str, str] = {}
    for el in etree.parse(str(path)).getroot().iter("data_element"):
        if el.get("id") != "2379":
            continue
        for code in el.iter("code"):
            desc = (code.get("desc") or "").strip()
            if PICTURE.fullmatch(desc):
                pictures[code.get("id")] = desc
    return pictures


def message_tags(node: etree._Element) -> Iterable[str]:
    for child in node:
        if child.tag == "segment":
            yield child.get("id")
        elif child.tag == "group":
            yield from message_tags(child)


def write_message(src: Path, dst: Path, message: str, directory: str) -> list[str]:
    root = etree.parse(str(src)).getroot()
    out = etree.Element("message", id=message, directory=directory)

    def copy(node: etree._Element, parent: etree._Element) -> None:
        for child in node:
            if child.tag not in ("segment", "group"):
                continue
            repeat = int(child.get("maxrepeat", "1"))
            if child.tag == "group":
                repeat = GROUP_REPEAT_FIXES.get((directory, message, child.get("id")), repeat)
            attrs = {
                "id": child.get("id"),
                "mandatory": _bool(child.get("required") == "true"),
                "repeat": str(repeat),
            }
            made = etree.SubElement(parent, child.tag, attrs)
            if child.tag == "group":
                copy(child, made)

    copy(root, out)
    _write(out, dst)
    return list(message_tags(root))


def write_segments(tags: list[str], sources: list[dict[str, etree._Element]], dst: Path,
                   directory: str, coded: set[str], pictures: dict[str, str]) -> set[str]:
    """Write the segment definitions; return the element ids that carry a code list."""
    out = etree.Element("segments", directory=directory)
    used: set[str] = set()
    fixes = COMPONENT_FIXES.get(directory, {})
    fixed = FIXED_LENGTHS.get(directory, {})
    for tag in sorted(set(tags)):
        seg = next((s[tag] for s in sources if tag in s), None)
        if seg is None:
            raise SystemExit(f"segment {tag} used by a {directory} message is not defined")
        s_out = etree.SubElement(out, "segment", id=tag)
        for pos, child in enumerate(seg, start=1):
            if child.tag == "data_element":
                _element(s_out, child, pos, coded, used, pictures, fixed)
            elif child.tag == "composite_data_element":
                c_out = etree.SubElement(s_out, "composite", id=child.get("id"), position=str(pos),
                                         mandatory=_bool(child.get("required") == "true"))
                components = list(child)
                if child.get("id") in fixes:
                    components = _restore(components, fixes[child.get("id")])
                for cpos, comp in enumerate(components, start=1):
                    _element(c_out, comp, cpos, coded, used, pictures, fixed)
    _write(out, dst)
    return used


def _restore(components: list[etree._Element],
             full: tuple[tuple[str, str], ...]) -> list[etree._Element]:
    """The complete component list of a composite the source truncated."""
    known = {c.get("id"): c for c in components}
    out = []
    for ident, fmt in full:
        if ident in known:
            out.append(known[ident])
            continue
        kind, size = fmt.split("..")
        out.append(etree.Element("data_element", id=ident, type=kind, maxlength=size))
    return out


def _element(parent: etree._Element, el: etree._Element, pos: int, coded: set[str],
             used: set[str], pictures: dict[str, str], fixed: dict[str, int]) -> None:
    ident = el.get("id")
    attrs = {"id": ident, "position": str(pos),
             "mandatory": _bool(el.get("required") == "true"), "format": _format(el, fixed)}
    if ident in coded:
        attrs["codes"] = ident
        used.add(ident)
    made = etree.SubElement(parent, "element", attrs)
    if ident == "2380" and pictures:
        for code, picture in sorted(pictures.items(), key=lambda kv: int(kv[0])):
            etree.SubElement(made, "picture", when="2379", value=code, picture=picture)


def write_codes(codes: dict[str, list[str]], ids: Iterable[str], dst: Path, directory: str) -> None:
    out = etree.Element("codes", directory=directory)
    for ident in sorted(ids):
        values = codes.get(ident)
        if not values:
            raise SystemExit(f"no code list for {ident} in {directory}")
        lst = etree.SubElement(out, "list", element=ident)
        for value in values:
            etree.SubElement(lst, "code", value=value)
    _write(out, dst)


def _write(root: etree._Element, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    etree.indent(root, space="  ")
    dst.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8") + b"\n")


def build(source: Path, out: Path) -> list[Path]:
    index = etree.Element("index")
    written: list[Path] = []
    service_v3 = load_segments(source / "Service_V3" / "segments.xml")
    for directory in DIRECTORIES:
        base = source / directory
        tags: list[str] = []
        for message in MESSAGES:
            dst = out / directory / f"{message}.xml"
            tags += write_message(base / "messages" / f"{message.lower()}.xml", dst, message,
                                  directory)
            written.append(dst)
            etree.SubElement(index, "message", type=message, version="D", release=directory[1:],
                             directory=directory, structure=f"{directory}/{message}.xml",
                             segments=f"{directory}/segments.xml", codes=f"{directory}/codes.xml")
        codes = load_codes(base / "codes.xml")
        for ident, values in load_codes(base / "service_codes_v3.xml").items():
            codes.setdefault(ident, values)
        pictures = load_pictures(base / "codes.xml")
        used = write_segments(tags, [load_segments(base / "segments.xml"), service_v3],
                              out / directory / "segments.xml", directory, set(CODE_LISTS), pictures)
        write_codes(codes, used, out / directory / "codes.xml", directory)
        written += [out / directory / "segments.xml", out / directory / "codes.xml"]

    # CONTRL: syntax 3 is identified as CONTRL:D:3:UN, syntax 4 as CONTRL:4:1:UN.
    for label, service, version, release, code_source in (
        ("S3", "Service_V3", "D", "3", "D96A"),
        ("S4", "Service_V4", "4", "1", "D01B"),
    ):
        dst = out / label / "CONTRL.xml"
        tags = write_message(source / service / "messages" / "contrl.xml", dst, "CONTRL", label)
        used = write_segments(tags, [load_segments(source / service / "segments.xml")],
                              out / label / "segments.xml", label, set(CONTRL_CODE_LISTS), {})
        write_codes(load_codes(source / code_source / "service_codes_v3.xml"), used,
                    out / label / "codes.xml", label)
        etree.SubElement(index, "message", type="CONTRL", version=version, release=release,
                         directory=label, structure=f"{label}/CONTRL.xml",
                         segments=f"{label}/segments.xml", codes=f"{label}/codes.xml")
        written += [dst, out / label / "segments.xml", out / label / "codes.xml"]
    _write(index, out / "index.xml")
    written.append(out / "index.xml")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="directory holding D96A/, D01B/, Service_V3/, Service_V4/")
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "translators" / "edifact" / "schemas")
    args = parser.parse_args(argv)
    if not (args.source / "D96A" / "segments.xml").is_file():
        parser.error(f"{args.source} does not look like the EDIFACT directory source")
    for path in build(args.source, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
