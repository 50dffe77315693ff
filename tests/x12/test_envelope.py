"""translators.x12.envelope: ISA/GS/ST checks, code tables, registry, placement."""
from __future__ import annotations

from typing import Optional

import pytest

from translators.findings import ERROR, WARNING, Finding
from translators.x12.envelope import (
    AK502_CODES, AK905_CODES, GROUP_ERRORS, TA105_CODES, TRANSACTION_ERRORS,
    MemoryControlNumberRegistry, table_for, validate_envelope,
)
from translators.x12.events import (
    GroupEnd, InterchangeEnd, InterchangeStart, Segment, TransactionEnd,
)
from translators.x12.reader import X12Reader

ISA_FIELDS = ["00", "          ", "00", "          ", "ZZ", "SENDER         ", "ZZ",
              "RECEIVER       ", "261127", "0930", "U", "00401", "000000001", "0", "P", ">"]


def isa(**changes: str) -> str:
    fields = list(ISA_FIELDS)
    for key, value in changes.items():
        fields[int(key[1:]) - 1] = value
    return "ISA*" + "*".join(fields) + "~\n"


def group(gs06: str = "1", version: str = "004010", sets: Optional[list[str]] = None,
          ge: Optional[str] = None, date: str = "20261127", time: str = "0930") -> str:
    sets = sets if sets is not None else [tx()]
    text = f"GS*PO*S*R*{date}*{time}*{gs06}*X*{version}~\n" + "".join(sets)
    if ge is None:
        ge = f"GE*{len(sets)}*{gs06}~\n"
    return text + ge


def tx(st02: str = "0001", st01: str = "850", se: Optional[str] = None) -> str:
    text = f"ST*{st01}*{st02}~\nBEG*00*SA*PO1**20261127~\nPO1*1*2*EA*3.5**BP*X~\n"
    return text + (se if se is not None else f"SE*4*{st02}~\n")


def interchange(head: Optional[str] = None, groups: Optional[list[str]] = None,
                iea: Optional[str] = None, isa13: str = "000000001") -> str:
    groups = groups if groups is not None else [group()]
    head = head if head is not None else isa(i13=isa13)
    if iea is None:
        iea = f"IEA*{len(groups)}*{isa13}~\n"
    return head + "".join(groups) + iea


def check(text: str, registry=None) -> list:
    reader = X12Reader()
    events = reader.feed(text.encode("latin-1")) + reader.close()
    return list(validate_envelope(events, registry))


def codes(events: list, severity: Optional[str] = None) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in events
            if type(e) is Finding and (severity is None or e.severity == severity)]


# ------------------------------------------------------------ code tables
def test_code_tables_follow_the_published_lists() -> None:
    assert TA105_CODES["001"].startswith("The Interchange Control Number in the Header")
    assert TA105_CODES["023"] == "Improper (Premature) End-of-File (Transmission)"
    assert TA105_CODES["025"] == "Duplicate Interchange Control Number"
    assert sorted(TA105_CODES) == [f"{n:03d}" for n in range(32)]
    assert AK905_CODES["004010"]["3"] == "Functional Group Trailer Missing"
    assert AK905_CODES["004010"]["19"].startswith("S1E")
    assert AK905_CODES["005010"]["19"] == \
        "Functional Group Control Number not Unique within Interchange"
    assert AK502_CODES["004010"]["23"] == \
        "Transaction Set Control Number Not Unique within the Functional Group"
    assert AK502_CODES["005010"]["18"] == "Transaction Set not in Functional Group"
    assert "18" not in AK502_CODES["004010"] and "I5" in AK502_CODES["005010"]
    for version, table in GROUP_ERRORS.items():
        assert all(c is None or c in AK905_CODES[version] for c in table.values())
    for version, table in TRANSACTION_ERRORS.items():
        assert all(c in AK502_CODES[version] for c in table.values())


def test_table_for_versions() -> None:
    assert table_for("004010") == "004010" and table_for("004010VICS") == "004010"
    assert table_for("003010") == "004010" and table_for("") == "004010"
    assert table_for("005010X231A1") == "005010" and table_for("004060") == "005010"


# ------------------------------------------------------------------ clean
def test_clean_interchange_has_no_findings() -> None:
    events = check(interchange())
    assert codes(events) == []
    assert sum(type(e) is Segment for e in events) == 2


# -------------------------------------------------------------------- ISA
@pytest.mark.parametrize("changes, code, severity", [
    ({"i01": "X"}, "010", ERROR),
    ({"i02": "short"}, "011", WARNING),
    ({"i03": "0A"}, "012", ERROR),
    ({"i05": "Z"}, "005", ERROR),
    ({"i05": "QQ"}, "005", WARNING),
    ({"i06": "SHORT"}, "006", WARNING),
    ({"i06": "               "}, "006", ERROR),
    ({"i07": "??"}, "007", ERROR),
    ({"i08": "R"}, "008", WARNING),
    ({"i09": "261332"}, "014", ERROR),
    ({"i09": "260230"}, "014", ERROR),
    ({"i10": "2460"}, "015", ERROR),
    ({"i11": "^"}, "016", ERROR),
    ({"i12": "0040X"}, "017", ERROR),
    ({"i12": "00100"}, "017", ERROR),
    ({"i13": "12345"}, "018", ERROR),
    ({"i14": "2"}, "019", ERROR),
    ({"i15": "X"}, "020", ERROR),
])
def test_isa_fields(changes: dict, code: str, severity: str) -> None:
    ctl = changes.get("i13", "000000001")
    events = check(interchange(head=isa(**changes), isa13=ctl))
    assert codes(events) == [("TA105", code)]
    finding = next(e for e in events if type(e) is Finding)
    assert finding.severity == severity
    assert finding.position.segment_tag == "ISA"
    assert finding.position.element_position == {"010": 1, "011": 2, "012": 3, "005": 5,
                                                 "006": 6, "007": 7, "008": 8, "014": 9,
                                                 "015": 10, "016": 11, "017": 12, "018": 13,
                                                 "019": 14, "020": 15}[code]
    assert finding.position.interchange == ctl
    assert type(events[0]) is InterchangeStart and events[1] is finding


def test_isa11_repetition_separator_from_00402() -> None:
    assert codes(check(interchange(head=isa(i11="^", i12="00501")))) == []
    assert codes(check(interchange(head=isa(i11="^", i12="00403")))) == []
    assert codes(check(interchange(head=isa(i11="U", i12="00501")))) == [("TA105", "016")]
    assert codes(check(interchange(head=isa(i11=">", i12="00501")))) == [("TA105", "016")]


def test_leap_day_and_time_checks() -> None:
    assert codes(check(interchange(head=isa(i09="240229")))) == []
    assert codes(check(interchange(head=isa(i09="250229")))) == [("TA105", "014")]


# -------------------------------------------------------------------- IEA
def test_iea_checks() -> None:
    assert codes(check(interchange(iea="IEA*1*000000002~\n"))) == [("TA105", "001")]
    assert codes(check(interchange(iea="IEA*2*000000001~\n"))) == [("TA105", "021")]
    assert codes(check(interchange(iea="IEA*X*000000001~\n"))) == [("TA105", "021")]
    missing = check(interchange(iea=""))
    assert codes(missing) == [("TA105", "023")]
    # the finding comes before the InterchangeEnd it concerns
    assert type(missing[-1]) is InterchangeEnd and type(missing[-2]) is Finding
    assert missing[-2].position.interchange == "000000001"


def test_duplicate_interchange_in_file_and_across_files() -> None:
    twice = check(interchange() + interchange())
    assert codes(twice) == [("TA105", "025")]
    registry = MemoryControlNumberRegistry()
    assert codes(check(interchange(), registry)) == []
    assert codes(check(interchange(), registry)) == [("TA105", "025")]
    assert codes(check(interchange(isa13="000000002"), registry)) == []
    other_sender = interchange(head=isa(i06="OTHER          "))
    assert codes(check(other_sender, registry)) == []


def test_registry_protocol() -> None:
    reg = MemoryControlNumberRegistry()
    assert reg.check_and_record("ZZ", "A ", "1") is False
    assert reg.check_and_record("ZZ", "A", "1") is True
    assert reg.check_and_record("01", "A", "1") is False


# --------------------------------------------------------------------- GS
def test_gs_header_checks() -> None:
    bad_date = check(interchange(groups=[group(date="20261332")]))
    assert codes(bad_date) == [("TA105", "024")]
    assert bad_date[2].position.element_position == 4 and bad_date[2].position.group == "1"
    assert codes(check(interchange(groups=[group(time="2561")]))) == [("TA105", "024")]
    assert codes(check(interchange(groups=[group(time="093015")]))) == []
    assert codes(check(interchange(groups=[group(gs06="A1")]))) == [("AK905", "6")]
    assert codes(check(interchange(groups=[group(version="")]))) == [("AK905", "2")]
    old = check(interchange(groups=[group(version="003010", date="261127")]))
    assert codes(old) == []


def test_ge_checks_4010() -> None:
    assert codes(check(interchange(groups=[group(ge="GE*2*1~\n")]))) == [("AK905", "5")]
    assert codes(check(interchange(groups=[group(ge="GE*1*2~\n")]))) == [("AK905", "4")]
    missing = check(interchange(groups=[group(ge="")]))
    assert codes(missing) == [("AK905", "3")]
    end = next(i for i, e in enumerate(missing) if type(e) is GroupEnd)
    assert type(missing[end - 1]) is Finding and missing[end].trailer is None


def test_duplicate_group_number_per_version() -> None:
    v4 = check(interchange(groups=[group(), group()]))
    assert codes(v4) == [("AK905", "6")]
    assert codes(v4, WARNING) == [("AK905", "6")]  # 004010 has no code for it
    v5 = check(interchange(groups=[group(version="005010"), group(version="005010")]))
    assert codes(v5, ERROR) == [("AK905", "19")]


# --------------------------------------------------------------------- ST
def test_st_se_checks() -> None:
    def one(**kw: str) -> list:
        return codes(check(interchange(groups=[group(sets=[tx(**kw)])])))
    assert one(se="SE*5*0001~\n") == [("AK502", "4")]
    assert one(se="SE*4*0002~\n") == [("AK502", "3")]
    assert one(st01="85") == [("AK502", "6")]
    assert one(st02="01", se="SE*4*01~\n") == [("AK502", "7")]
    missing = check(interchange(groups=[group(sets=[tx(se="")])]))
    assert codes(missing) == [("AK502", "2")]
    finding = next(e for e in missing if type(e) is Finding)
    assert finding.position.transaction == "0001" and finding.position.transaction_set == "850"
    assert finding.position.group == "1" and finding.position.interchange == "000000001"
    end = next(i for i, e in enumerate(missing) if type(e) is TransactionEnd)
    assert missing[end - 1] is finding


def test_se_finding_position() -> None:
    events = check(interchange(groups=[group(sets=[tx(se="SE*9*0001~\n")])]))
    [f] = [e for e in events if type(e) is Finding]
    assert f.position.segment_tag == "SE" and f.position.segment_position == 4
    assert f.position.element_position == 1 and f.position.bad_value == "9"


def test_duplicate_transaction_number_in_group() -> None:
    events = check(interchange(groups=[group(sets=[tx(), tx()])]))
    assert codes(events) == [("AK502", "23")]
    # the same ST02 in another group is fine
    assert codes(check(interchange(groups=[group(), group(gs06="2")]))) == []


def test_reader_findings_are_not_repeated() -> None:
    broken = isa().replace("*0930*", "*09\n30*")
    events = check(interchange(head=broken).replace("~\n", "\n"))
    assert codes(events).count(("TA105", "015")) == 1


def test_passes_every_event_through() -> None:
    reader = X12Reader()
    raw = reader.feed(interchange().encode()) + reader.close()
    assert [e for e in validate_envelope(raw) if type(e) is not Finding] == raw
    assert list(validate_envelope([])) == []
