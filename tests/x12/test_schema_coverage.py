"""The 850/855/856 schemas hold the full base-standard structure (004010 and 005010).

Two kinds of checks per set and version:

* a hand-written document that uses segments outside the common retail subset (PAM, DIS,
  INC, LDT, SI, PCT, CTB, LM/LQ, SPI, ADV, CN1, PO3, IT3, LS/LE, hazardous-material and
  vessel segments of the 856, ...) in their standard positions validates without findings;
* a document generated from the schema itself, holding every segment position once (every
  loop entered once) with the smallest values its definition allows, validates without
  findings: each position is reachable in order and each new definition accepts data.
"""
from __future__ import annotations

import pytest

from translators.findings import Finding
from translators.x12 import schema as S
from translators.x12.reader import iter_events
from translators.x12.validator import validate_transactions

VERSIONS = ("004010", "005010")
SETS = ("850", "855", "856")
FID = {"850": "PO", "855": "PR", "856": "SH"}


def interchange(set_id: str, body: list[str], version: str) -> bytes:
    rep, isa_ver = ("^", "00501") if version == "005010" else ("U", "00401")
    out = [f"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240131*1200*"
           f"{rep}*{isa_ver}*000000101*0*P*:~\n",
           f"GS*{FID[set_id]}*SENDER*RECEIVER*20240131*1200*77*X*{version}~\n",
           f"ST*{set_id}*0001~\n"]
    out += [s + "~\n" for s in body]
    out.append(f"SE*{len(body) + 2}*0001~\nGE*1*77~\nIEA*1*000000101~\n")
    return "".join(out).encode()


def findings(set_id: str, body: list[str], version: str) -> list[Finding]:
    events = validate_transactions(iter_events(interchange(set_id, body, version)))
    return [e for e in events if isinstance(e, Finding) and e.field in ("AK304", "AK403", "AK502")]


def brief(fs: list[Finding]) -> list[tuple]:
    return [(f.field, f.code, f.position.segment_tag, f.position.segment_position,
             f.position.element_position, f.message) for f in fs]


# ---------------------------------------------------------------------------
# hand-written documents

PO850 = [
    "BEG*00*SA*PO-1001**20240128",
    "CUR*BY*USD",
    "REF*CT*CONTRACT-7",
    "PER*BD*JANE DOE*TE*5551234",
    "PAM****ZZ*1500.00",                      # period amount
    "SAC*C*D240***500",
    "ITD*01*3*2**10**30",
    "DIS*TRD*AG*1*QT*1",                      # discount detail
    "INC*01*MO*12*1",                         # installment information (C001 unit)
    "DTM*002*20240215",
    "LDT*AF*10*DA",                           # lead time
    "LIN**BP*B-001",
    "SI*VI*ZZ*PROGRAM-7",                     # service characteristic identification
    "PID*F****ASSORTMENT",
    "TD5*B*2*UPSN*M",
    "PCT*ZZ*0.5",                             # percent amounts
    "CTB*OR*ORDER RESTRICTION",               # restrictions/conditions
    "TXI*ST*12.50",
    "AMT*1*1500",
    "PCT*ZZ*0.1",                             # AMT loop: PCT
    "FA1*DN",                                 # FA1 loop
    "FA2*58*ACCT-1234",
    "N9*ZZ*NOTE-1",
    "MSG*FREE TEXT",
    "N1*BY*ACME MFG*92*0001",
    "N3*100 MAIN ST",
    "N4*SPRINGFIELD*IL*62701*US",
    "NX2*01*100 MAIN ST",                     # real estate property address
    "SI*VI*ZZ*DOCK-4",
    "LM*AG",                                  # code source information loop
    "LQ*0*CODE-1",
    "SPI*00",                                 # specification identifier loop
    "REF*ZZ*SPEC-1",
    "MSG*SPECIFICATION TEXT",
    "N1*ZZ*SPEC AUTHORITY",
    "G61*IC*JOHN SMITH",
    "CB1*AA",                                 # contract and cost accounting standards
    "ADV*AG*ZZ",                              # advertising demographic information loop
    "DTM*002*20240301",
    "PO1*1*10*EA*9.95**BP*B-001*VP*V-001",
    "LIN**UP*012345678905",
    "SI*VI*ZZ*COLOR-RED",
    "CN1*02",                                 # contract information
    "PO3*ZZ**PRP*9.50**5*EA",                 # additional item detail
    "CTP**PRP*9.95",
    "PAM****ZZ*99.50",
    "PID*F****WIDGET",
    "DIS*TRD*AG*1*QT*1",
    "INC*01*MO*12*1",
    "IT3*5*EA*CC",                            # additional item data
    "DTM*002*20240220",
    "PCT*ZZ*0.25",
    "SPI*00",
    "CTB*OR*LINE RESTRICTION",
    "QTY*01*5",
    "SI*VI*ZZ*STORE-1",                       # QTY loop: SI
    "PKG*F****GIFT BOX",
    "MEA*PD*WT*1.5*LB",                       # PKG loop: MEA
    "LS*LDT",                                 # LS/LE loop
    "LDT*AF*5*DA",
    "QTY*01*5",
    "LM*AG",
    "LQ*0*CODE-2",
    "LE*LDT",
    "N9*ZZ*LINE-NOTE",
    "N1*ST*ACME PLANT*92*0002",
    "NX2*01*200 PLANT RD",
    "SI*VI*ZZ*BAY-2",
    "LDT*AF*3*DA",                            # N1 loop: LDT loop
    "MAN*GM*00006141411234567890",
    "QTY*01*5",
    "SLN*1**I*5*EA",
    "SI*VI*ZZ*SUBLINE",
    "PO3*ZZ**PRP*1.00**5*EA",
    "ADV*AG*ZZ",
    "PAM****ZZ*5.00",
    "N9*ZZ*SUB-NOTE",
    "SAC*C*D240***100",
    "QTY*01*5",
    "SI*VI*ZZ*SUB-STORE",
    "N1*ST*SUB PLANT",
    "NX2*01*300 SUB RD",
    "AMT*1*99.50",
    "PCT*ZZ*0.2",
    "LM*AG",
    "LQ*0*CODE-3",
    "CTT*1",
    "AMT*TT*99.50",
]

PR855 = [
    "BAK*00*AC*PO-1001*20240128",
    "CUR*SE*USD",
    "REF*CO*SO-88",
    "PAM****ZZ*10.00",
    "DIS*TRD*AG*1*QT*1",
    "INC*01*MO*12*1",
    "DTM*068*20240210",
    "LDT*AF*10*DA",
    "SI*VI*ZZ*PROGRAM-7",
    "CTB*OR*RESTRICTION",
    "N9*ZZ*NOTE-1",
    "N1*ST*ACME PLANT*92*0002",
    "NX2*01*200 PLANT RD",
    "SI*VI*ZZ*DOCK-4",
    "ADV*AG*ZZ",
    "PO1*1*5*EA*2.5**BP*B-1",
    "SI*VI*ZZ*COLOR-RED",
    "PO3*ZZ**PRP*2.50**5*EA",
    "PAM****ZZ*12.50",
    "DIS*TRD*AG*1*QT*1",
    "INC*01*MO*12*1",
    "LDT*AF*5*DA",
    "ACK*IA*5*EA*068*20240210",
    "DTM*068*20240210",
    "MAN*GM*00006141411234567890",
    "AMT*1*12.50",
    "CTB*OR*LINE RESTRICTION",
    "QTY*01*5",
    "SI*VI*ZZ*STORE-1",
    "PKG*F****GIFT BOX",
    "MEA*PD*WT*1.5*LB",
    "N1*ST*ACME PLANT*92*0002",
    "NX2*01*200 PLANT RD",
    "SLN*1**I*5*EA",
    "SI*VI*ZZ*SUBLINE",
    "PO3*ZZ**PRP*2.50**5*EA",
    "PAM****ZZ*2.50",
    "ACK*IA*5*EA*068*20240210",
    "ADV*AG*ZZ",
    "CTT*1",
]

SH856 = [
    "BSN*00*SHIP-1*20240128*1200",
    "DTM*011*20240128",
    "HL*1**S",
    "TD1*CTN25*2****G*20.5*LB",
    "TD5*B*2*UPSN*M",
    "TSD*1*A",                                # trailer shipment details
    "REF*BM*BOL-1",
    "LH1*EA*1*UN1993",                        # hazardous material loop
    "LH2*3",
    "LH3*FLAMMABLE LIQUID*D",
    "LFH*ABC*FREE FORM HAZMAT",
    "LEP*F001",                               # EPA required data
    "LH4*ERP-7*5551234",                      # Canadian dangerous requirements
    "LHT*3",                                  # transborder hazardous requirements
    "LHR*ZZ*HAZ-REF",
    "PER*HM*HAZMAT DESK*TE*5551234",
    "LHE*GASOLINE*FLAMMABLE GAS 2.1*ZZ*HAZ-9",  # empty equipment hazardous material
    "CLD*2*10",
    "REF*ZZ*LOAD-1",
    "DTP*011*D8*20240128",                    # CLD loop: DTP
    "DTM*011*20240128",
    "PAL*4*5*6",                              # pallet information
    "N1*ST*ACME PLANT*92*0002",
    "ETD*ZZ*A",                               # excess transportation detail
    "CUR*SE*USD",
    "GF*ZZ*FURNISHED-1",                      # furnished goods and services
    "YNQ**Y",                                 # yes/no question (YNQ01 omitted, YNQ10 given below)
    "LM*AG",
    "LQ*0*CODE-1",
    "V1*VSL001*OCEAN STAR",                   # vessel identification loop
    "R4*L*UN*USNYC",                          # port or terminal
    "DTM*011*20240128",
    "HL*2*1*O",
    "PRF*PO-1001***20240120",
    "HL*3*2*I",
    "LIN*1*BP*B-001",
    "SN1**10*EA",
    "CTT*3",
]


def _fix_ynq(body: list[str]) -> list[str]:
    # YNQ: at least one of YNQ01/YNQ09/YNQ10 is needed in some releases; give the free-form question
    return [("YNQ**Y********IS THIS A TEST?" if s == "YNQ**Y" else s) for s in body]


HAND = {"850": PO850, "855": PR855, "856": _fix_ynq(SH856)}


def hand_document(set_id: str, version: str) -> list[str]:
    body = list(HAND[set_id])
    if version == "005010" and set_id == "850":
        # 005010 moved the heading LDT (now a loop) after TXI and uses MTX in the SPI loop
        body.remove("LDT*AF*10*DA")
        body.insert(body.index("TXI*ST*12.50") + 1, "LDT*AF*10*DA")
        body[body.index("MSG*SPECIFICATION TEXT")] = "MTX**SPECIFICATION TEXT"
    return body


NEW_TAGS = {
    "850": {"PAM", "DIS", "INC", "LDT", "SI", "PCT", "CTB", "FA1", "FA2", "NX2", "LM", "LQ", "SPI", "G61",
            "CB1", "ADV", "MTX", "CN1", "PO3", "IT3", "LS", "LE"},
    "855": {"PAM", "DIS", "INC", "LDT", "SI", "CTB", "NX2", "ADV", "MTX", "PO3"},
    "856": {"TSD", "LH1", "LH2", "LH3", "LFH", "LEP", "LH4", "LHT", "LHR", "LHE", "DTP", "PAL", "ETD", "GF",
            "YNQ", "LM", "LQ", "V1", "R4"},
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("set_id", SETS)
def test_base_standard_segments_are_in_the_set(version, set_id):
    sc = S.load(version, set_id)
    assert NEW_TAGS[set_id] <= sc.tags
    assert NEW_TAGS[set_id] <= S.dictionary(version).segment_ids


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("set_id", SETS)
def test_hand_written_document_with_added_segments_validates(version, set_id):
    body = hand_document(set_id, version)
    assert NEW_TAGS[set_id] - {"MTX"} <= {s.split("*")[0] for s in body}
    assert brief(findings(set_id, body, version)) == []


def test_added_segments_are_still_checked():
    # a new segment in the wrong place or with bad data is reported like any other
    body = [s for s in PO850]
    at = body.index("DIS*TRD*AG*1*QT*1")
    wrong_place = body[:3] + [body[at]] + body[3:at] + body[at + 1:]  # DIS before PER: out of sequence
    codes = [(f.field, f.code, f.position.segment_tag) for f in findings("850", wrong_place, "004010")]
    assert ("AK304", "7", "PER") in codes or ("AK304", "7", "DIS") in codes
    bad_value = [("PCT*ZZ*ABC" if s == "PCT*ZZ*0.5" else s) for s in PO850]
    codes = [(f.field, f.code, f.position.segment_tag, f.position.element_position)
             for f in findings("850", bad_value, "004010")]
    assert ("AK403", "6", "PCT", 2) in codes
    missing_lq = [s for s in PO850 if s != "LQ*0*CODE-1"]  # LQ is mandatory in the LM loop
    codes = [(f.field, f.code, f.position.segment_tag) for f in findings("850", missing_lq, "004010")]
    assert ("AK304", "3", "LQ") in codes


# ---------------------------------------------------------------------------
# every position once, generated from the schema


def _value(sd: S.SimpleDef, version: str) -> str:
    t, mn, mx = sd.type, sd.min, sd.max
    if sd.codes:
        return sorted(sd.codes)[0]
    if t == "DT":
        return "20240131" if mx >= 8 else "240131"
    if t == "TM":
        return "1200"
    if t == "R" or t.startswith("N"):
        return "1".rjust(max(mn, 1), "1")
    return "A" * max(mn, 1)


def _needed(notes, present: dict[int, bool], usage: dict[int, str]) -> set[int]:
    need = {p for p, u in usage.items() if u == "M"}
    changed = True
    while changed:
        changed = False
        have = need | {p for p, v in present.items() if v}
        for n in notes:
            ps = n.positions
            add: set[int] = set()
            if n.kind == "P" and have & set(ps):
                add = set(ps)
            elif n.kind == "R" and not have & set(ps):
                add = {ps[0]}
            elif n.kind == "C" and ps[0] in have:
                add = set(ps[1:])
            elif n.kind == "L" and ps[0] in have and not have & set(ps[1:]):
                add = {ps[1]}
            if add - need:
                need |= add
                changed = True
    return need


def minimal_segment(sd: S.SegmentDef, version: str) -> str:
    usage = {e.seq: e.usage for e in sd.elements}
    need = _needed(sd.notes, {}, usage)
    vals = [""] * (len(sd.elements) + 1)
    vals[0] = sd.tag
    for e in sd.elements:
        if e.seq not in need:
            continue
        if e.simple is not None:
            vals[e.seq] = _value(e.simple, version)
        else:
            cusage = {k: c.usage for k, c in enumerate(e.components, 1)}
            cneed = _needed(e.notes, {}, cusage) or {1}
            vals[e.seq] = ":".join(_value(c, version) if k in cneed else ""
                                   for k, c in enumerate(e.components, 1)).rstrip(":")
    while len(vals) > 1 and vals[-1] == "":
        vals.pop()
    return "*".join(vals)


def every_position(sc: S.TransactionSchema, version: str) -> list[str]:
    return [minimal_segment(n.segment, version) for n in sc.nodes[1:-1]]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("set_id", SETS)
def test_every_position_once_validates(version, set_id):
    sc = S.load(version, set_id)
    body = every_position(sc, version)
    assert len(body) == len(sc.nodes) - 2 and NEW_TAGS[set_id] <= {s.split("*")[0] for s in body}
    assert brief(findings(set_id, body, version)) == []
