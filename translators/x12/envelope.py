"""X12 envelope validation: a filter over the reader's event stream.

``validate_envelope(events, registry)`` passes every event through unchanged
and inserts ``Finding`` events for ISA/IEA, GS/GE and ST/SE defects:

* right after ``InterchangeStart`` (after the reader's own ISA findings, so a
  field the reader already reported is not reported twice) for ISA field
  values; right after ``GroupStart`` / ``TransactionStart`` for their header
  fields and duplicate control numbers;
* right before ``TransactionEnd`` / ``GroupEnd`` / ``InterchangeEnd`` for the
  trailer checks (count, control number, missing trailer).

Every finding's ``Position`` carries the interchange, group and transaction
control numbers, so an acknowledgment builder can attribute it.
``validate_envelope_batches(batches, registry)`` is the same filter over lists
of events (the reader's ``iter_batches``), one list out per list in.

Duplicate interchange control numbers are checked through a
``ControlNumberRegistry`` keyed by (ISA05, ISA06, ISA13); without one, a
fresh ``MemoryControlNumberRegistry`` covers the stream being validated.
Duplicate GS06 (per interchange) and ST02 (per group) are kept in sets that
live only as long as their interchange / group.

ISA16 and the other delimiters are the reader's business (it reports
TA105=004/026/027); this module does not check them again.

Code tables
-----------
All acknowledgment codes used here are in the tables below, with their
meanings as published for X12 data elements I18 (TA105), 716 (AK905) and
718 (AK502; 618 is IK502 in the 999 and has the same values plus 'I5'/'I6').
``AK905_CODES`` / ``AK502_CODES`` are keyed by the release whose code list
they reproduce; ``table_for(version)`` picks 005010's list for GS08 >=
004050 (the release that added AK905=19) and 004010's otherwise.
"""
from __future__ import annotations

import calendar
import re
from itertools import chain
from typing import Final, Iterable, Iterator, Optional, Protocol

from translators.findings import ERROR, WARNING, Finding, Position
from translators.runs import run_end
from translators.x12.events import (
    Event, GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, Segment, TransactionEnd,
    TransactionStart, in_batches,
)

__all__ = [
    "TA105_CODES", "AK905_CODES", "AK502_CODES", "ISA_FIELD_NOTE", "GROUP_ERRORS",
    "TRANSACTION_ERRORS", "ControlNumberRegistry", "MemoryControlNumberRegistry",
    "validate_envelope", "validate_envelope_batches", "table_for",
]

#: I18 Interchange Note Code (TA105), identical from 003050 to 008050.
TA105_CODES: Final[dict[str, str]] = {
    "000": "No error",
    "001": "The Interchange Control Number in the Header and Trailer Do Not Match. "
           "The Value From the Header is Used in the Acknowledgment.",
    "002": "This Standard as Noted in the Control Standards Identifier is Not Supported.",
    "003": "This Version of the Controls is Not Supported",
    "004": "The Segment Terminator is Invalid",
    "005": "Invalid Interchange ID Qualifier for Sender",
    "006": "Invalid Interchange Sender ID",
    "007": "Invalid Interchange ID Qualifier for Receiver",
    "008": "Invalid Interchange Receiver ID",
    "009": "Unknown Interchange Receiver ID",
    "010": "Invalid Authorization Information Qualifier Value",
    "011": "Invalid Authorization Information Value",
    "012": "Invalid Security Information Qualifier Value",
    "013": "Invalid Security Information Value",
    "014": "Invalid Interchange Date Value",
    "015": "Invalid Interchange Time Value",
    "016": "Invalid Interchange Standards Identifier Value",
    "017": "Invalid Interchange Version ID Value",
    "018": "Invalid Interchange Control Number Value",
    "019": "Invalid Acknowledgment Requested Value",
    "020": "Invalid Test Indicator Value",
    "021": "Invalid Number of Included Groups Value",
    "022": "Invalid Control Structure",
    "023": "Improper (Premature) End-of-File (Transmission)",
    "024": "Invalid Interchange Content (e.g., Invalid GS Segment)",
    "025": "Duplicate Interchange Control Number",
    "026": "Invalid Data Element Separator",
    "027": "Invalid Component Element Separator",
    "028": "Invalid Delivery Date in Deferred Delivery Request",
    "029": "Invalid Delivery Time in Deferred Delivery Request",
    "030": "Invalid Delivery Time Code in Deferred Delivery Request",
    "031": "Invalid Grade of Service Code",
}

#: TA105 code for a bad value in ISAnn (used by the reader for broken ISAs too).
ISA_FIELD_NOTE: Final[dict[int, str]] = {
    1: "010", 2: "011", 3: "012", 4: "013", 5: "005", 6: "006", 7: "007", 8: "008",
    9: "014", 10: "015", 11: "016", 12: "017", 13: "018", 14: "019", 15: "020", 16: "027",
}

_SECURITY_716: Final = {
    "10": "Authentication Key Name Unknown",
    "11": "Encryption Key Name Unknown",
    "12": "Requested Service (Authentication or Encryption) Not Available",
    "13": "Unknown Security Recipient",
    "14": "Unknown Security Originator",
    "15": "Syntax Error in Decrypted Text",
    "16": "Security Not Supported",
    "17": "Incorrect Message Length (Encryption Only)",
    "18": "Message Authentication Code Failed",
}

#: 716 Functional Group Syntax Error Code (997 AK905..AK909 / 999 AK905..).
AK905_CODES: Final[dict[str, dict[str, str]]] = {
    "004010": {
        "1": "Functional Group Not Supported",
        "2": "Functional Group Version Not Supported",
        "3": "Functional Group Trailer Missing",
        "4": "Group Control Number in the Functional Group Header and Trailer Do Not Agree",
        "5": "Number of Included Transaction Sets Does Not Match Actual Count",
        "6": "Group Control Number Violates Syntax",
        **_SECURITY_716,
        "19": "S1E Security End Segment Missing for S1S Security Start Segment",
        "20": "S1S Security Start Segment Missing for S1E End Segment",
        "21": "S2E Security End Segment Missing for S2S Security Start Segment",
        "22": "S2S Security Start Segment Missing for S2E Security End Segment",
        "23": "S3E Security End Segment Missing for S3S Security Start Segment",
        "24": "S3S Security Start Segment Missing for S3E End Segment",
        "25": "S4E Security End Segment Missing for S4S Security Start Segment",
        "26": "S4S Security Start Segment Missing for S4E Security End Segment",
    },
    "005010": {
        "1": "Functional Group Not Supported",
        "2": "Functional Group Version Not Supported",
        "3": "Functional Group Trailer Missing",
        "4": "Group Control Number in the Functional Group Header and Trailer Do Not Agree",
        "5": "Number of Included Transaction Sets Does Not Match Actual Count",
        "6": "Group Control Number Violates Syntax",
        **_SECURITY_716,
        "19": "Functional Group Control Number not Unique within Interchange",
        "23": "S3E Security End Segment Missing for S3S Security Start Segment",
        "24": "S3S Security Start Segment Missing for S3E End Segment",
        "25": "S4E Security End Segment Missing for S4S Security Start Segment",
        "26": "S4S Security Start Segment Missing for S4E Security End Segment",
    },
}

_718_COMMON = {
    "1": "Transaction Set Not Supported",
    "2": "Transaction Set Trailer Missing",
    "3": "Transaction Set Control Number in Header and Trailer Do Not Match",
    "4": "Number of Included Segments Does Not Match Actual Count",
    "5": "One or More Segments in Error",
    "6": "Missing or Invalid Transaction Set Identifier",
    "7": "Missing or Invalid Transaction Set Control Number",
    "8": "Authentication Key Name Unknown",
    "9": "Encryption Key Name Unknown",
    "10": "Requested Service (Authentication or Encrypted) Not Available",
    "11": "Unknown Security Recipient",
    "12": "Incorrect Message Length (Encryption Only)",
    "13": "Message Authentication Code Failed",
    "15": "Unknown Security Originator",
    "16": "Syntax Error in Decrypted Text",
    "17": "Security Not Supported",
}
_718_S3S4 = {
    "23": "Transaction Set Control Number Not Unique within the Functional Group",
    "24": "S3E Security End Segment Missing for S3S Security Start Segment",
    "25": "S3S Security Start Segment Missing for S3E Security End Segment",
    "26": "S4E Security End Segment Missing for S4S Security Start Segment",
    "27": "S4S Security Start Segment Missing for S4E Security End Segment",
}

#: 718 Transaction Set Syntax Error Code (997 AK502..AK506); 005010 adds the
#: 618 values used by the 999 IK502.
AK502_CODES: Final[dict[str, dict[str, str]]] = {
    "004010": {
        **_718_COMMON,
        "19": "S1E Security End Segment Missing for S1S Security Start Segment",
        "20": "S1S Security Start Segment Missing for S1E Security End Segment",
        "21": "S2E Security End Segment Missing for S2S Security Start Segment",
        "22": "S2S Security Start Segment Missing for S2E Security End Segment",
        **_718_S3S4,
    },
    "005010": {
        **_718_COMMON,
        "18": "Transaction Set not in Functional Group",
        "19": "Invalid Transaction Set Implementation Convention Reference",
        **_718_S3S4,
        "I5": "Implementation One or More Segments in Error",
        "I6": "Implementation Convention Not Supported",
    },
}

#: Which code each envelope check uses, per code list.  None: that release
#: has no code for it; the check is then reported as a warning with
#: ``fallback`` (and never rejects).
GROUP_ERRORS: Final[dict[str, dict[str, Optional[str]]]] = {
    "004010": {"version": "2", "trailer_missing": "3", "control_mismatch": "4", "count": "5",
               "control_syntax": "6", "duplicate": None},
    "005010": {"version": "2", "trailer_missing": "3", "control_mismatch": "4", "count": "5",
               "control_syntax": "6", "duplicate": "19"},
}
GROUP_FALLBACK: Final = {"duplicate": "6"}
TRANSACTION_ERRORS: Final[dict[str, dict[str, Optional[str]]]] = {
    "004010": {"trailer_missing": "2", "control_mismatch": "3", "count": "4", "set_id": "6",
               "control_syntax": "7", "duplicate": "23"},
    "005010": {"trailer_missing": "2", "control_mismatch": "3", "count": "4", "set_id": "6",
               "control_syntax": "7", "duplicate": "23"},
}

# I05 Interchange ID Qualifier: union of the 003040..006050 code lists.
_I05: Final = frozenset([
    "01", "02", "03", "04", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17",
    "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
    "33", "34", "35", "36", "37", "38", "AM", "NR", "SA", "SN", "ZZ"])
_DIGITS: Final = re.compile(r"[0-9]+")
_ID2: Final = re.compile(r"[A-Z0-9]{2}")
_ST02: Final = re.compile(r"[^\s]{4,9}")


def table_for(version: str) -> str:
    """Code-list key for a GS08/ST03 version string ('004010VICS' -> '004010')."""
    digits = version[:6]
    if len(digits) == 6 and _num(digits) and digits >= "004050":
        return "005010"
    return "004010"


class ControlNumberRegistry(Protocol):
    """Remembers interchange control numbers per sender (across files)."""

    def check_and_record(self, sender_qualifier: str, sender_id: str,
                         control_number: str) -> bool:
        """Record the number; True when it had been seen before.

        Note: the opposite of translators.edifact.envelope.ReferenceRegistry, where False
        means a duplicate.
        """
        ...


class MemoryControlNumberRegistry:
    """A ControlNumberRegistry held in memory (one process, one run)."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()

    def check_and_record(self, sender_qualifier: str, sender_id: str,
                         control_number: str) -> bool:
        key = (sender_qualifier.strip(), sender_id.strip(), control_number.strip())
        if key in self._seen:
            return True
        self._seen.add(key)
        return False


def _num(value: str) -> bool:
    """ASCII digits only (str.isdigit accepts superscripts int() rejects)."""
    return value.isascii() and value.isdigit()


def _valid_date(value: str, century: bool) -> bool:
    size = 8 if century else 6
    if len(value) != size or not _num(value):
        return False
    year = int(value[:4]) if century else 2000 + int(value[:2])
    month, day = int(value[-4:-2]), int(value[-2:])
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _valid_time(value: str, sizes: tuple[int, ...]) -> bool:
    if len(value) not in sizes or not _num(value):
        return False
    if int(value[:2]) > 23 or int(value[2:4]) > 59:
        return False
    return len(value) < 6 or int(value[4:6]) <= 59


class _Envelope:
    """State of one validation pass (a generator's locals, made explicit)."""

    def __init__(self, registry: ControlNumberRegistry) -> None:
        self.registry = registry
        self.isa: Optional[InterchangeStart] = None
        self.isa_reported: set[str] = set()
        self.gs: Optional[GroupStart] = None
        self.st: Optional[TransactionStart] = None
        self.groups: set[str] = set()
        self.sets: set[str] = set()
        self.pending = False  # ISA checks wait for the reader's own ISA findings

    # ----------------------------------------------------------- positions
    def position(self, offset: int, level: str, **extra) -> Position:
        isa = self.isa.control_number if self.isa else None
        gs = self.gs.control_number if self.gs and level != "interchange" else None
        st = self.st if level == "transaction" else None
        return Position(offset=offset, interchange=isa, group=gs,
                        transaction=st.control_number if st else None,
                        transaction_set=st.set_id if st else None, **extra)

    # ------------------------------------------------------------ one batch
    def process(self, batch: list[Event]) -> list[Event]:
        """The events of batch with this pass's findings inserted (a plain method, not the
        generator's loop: its locals are C locals when compiled).  Until a finding is
        inserted the events are not copied: a batch without findings comes back as it is,
        and runs of ordinary segments are passed over with ``run_end``."""
        pending = self.pending
        # the event classes as locals: a module global is a dict lookup per use when compiled
        seg_t: type = Segment
        finding_t: type = Finding
        out: Optional[list[Event]] = None  # made at the first finding inserted
        n = len(batch)
        i = 0
        while i < n:
            if not pending:
                j = run_end(batch, i, seg_t)
                if j > i:
                    if out is not None:
                        out += batch[i:j]
                    i = j
                    if i >= n:
                        break
            ev = batch[i]
            kind = type(ev)
            if kind is seg_t and not pending:
                if out is not None:
                    out.append(ev)
                i += 1
                continue
            if (kind is finding_t and pending and ev.field == "TA105"  # type: ignore[union-attr]
                    and ev.position.segment_tag == "ISA"):  # type: ignore[union-attr]
                self.isa_reported.add(ev.code)  # type: ignore[union-attr]
                if out is not None:
                    out.append(ev)
                i += 1
                continue
            if pending:
                pending = False
                out = _insert(out, batch, i, self.isa_checks())
            # findings of a start go after it, those of an end before it
            if kind is InterchangeStart:
                self.isa = ev  # type: ignore[assignment]
                self.isa_reported = set()
                pending = True
                self.groups = set()
                self.gs = self.st = None
            elif kind is GroupStart:
                self.gs = ev  # type: ignore[assignment]
                self.sets = set()
                self.st = None
                if out is not None:
                    out.append(ev)
                out = _insert(out, batch, i + 1, self.gs_checks(ev))  # type: ignore[arg-type]
                i += 1
                continue
            elif kind is TransactionStart:
                self.st = ev  # type: ignore[assignment]
                if out is not None:
                    out.append(ev)
                out = _insert(out, batch, i + 1, self.st_checks(ev))  # type: ignore[arg-type]
                i += 1
                continue
            elif kind is TransactionEnd:
                out = _insert(out, batch, i, self.se_checks(ev))  # type: ignore[arg-type]
                self.st = None
            elif kind is GroupEnd:
                out = _insert(out, batch, i, self.ge_checks(ev))  # type: ignore[arg-type]
                self.gs = None
                self.sets = set()
            elif kind is InterchangeEnd:
                out = _insert(out, batch, i, self.iea_checks(ev))  # type: ignore[arg-type]
                self.isa = None
                self.groups = set()
            if out is not None:
                out.append(ev)
            i += 1
        self.pending = pending
        return out if out is not None else batch

    # ------------------------------------------------------------ ISA/IEA
    def isa_checks(self) -> list[Finding]:
        ev = self.isa
        assert ev is not None
        e = ev.isa.elements
        off = ev.offset
        out: list[Finding] = []
        reported = self.isa_reported
        if reported & {"004", "022", "023"}:
            return out  # the reader could not make sense of this ISA: nothing to add

        def add(no: int, message: str, severity: str = ERROR) -> None:
            code = ISA_FIELD_NOTE[no]
            if code in reported:
                return
            reported.add(code)
            out.append(Finding("TA105", code, message,
                               self.position(off, "interchange", segment_tag="ISA",
                                             element_position=no, bad_value=e[no][:40]),
                               severity))

        for no, width in ((1, 2), (3, 2)):
            if not (len(e[no]) == width and _num(e[no])):
                add(no, f"ISA{no:02d} must be a 2-digit code, got {e[no]!r}")
        for no in (2, 4):
            if len(e[no]) != 10:
                add(no, f"ISA{no:02d} is {len(e[no])} characters wide, 10 required", WARNING)
        for no in (5, 7):
            if e[no] not in _I05:
                if _ID2.fullmatch(e[no]):
                    add(no, f"ISA{no:02d} qualifier {e[no]!r} is not a known I05 code", WARNING)
                else:
                    add(no, f"ISA{no:02d} qualifier {e[no]!r} is not a 2-character code")
        for no in (6, 8):
            if not e[no].strip():
                add(no, f"ISA{no:02d} is empty")
            elif len(e[no]) != 15:
                add(no, f"ISA{no:02d} is {len(e[no])} characters wide, 15 required", WARNING)
        if not _valid_date(e[9], False):
            add(9, f"ISA09 {e[9]!r} is not a valid YYMMDD date")
        if not _valid_time(e[10], (4,)):
            add(10, f"ISA10 {e[10]!r} is not a valid HHMM time")
        version = e[12]
        if not (len(version) == 5 and _num(version) and "00200" <= version <= "00899"):
            add(12, f"ISA12 version {version!r} is not a known interchange control version")
        if version >= "00402" and len(version) == 5 and _num(version):
            d = ev.delimiters
            if (len(e[11]) != 1 or e[11].isalnum() or e[11] == " "
                    or e[11] in (d.element, d.segment, d.component)):
                add(11, f"ISA11 repetition separator {e[11]!r} is not a usable separator")
        elif e[11] != "U":
            add(11, f"ISA11 standards identifier {e[11]!r} is not 'U'")
        if not (len(e[13]) == 9 and _num(e[13])):
            add(13, f"ISA13 control number {e[13]!r} is not 9 digits")
        if e[14] not in ("0", "1"):
            add(14, f"ISA14 acknowledgment requested {e[14]!r} is not 0 or 1")
        if e[15] not in ("P", "T", "I"):
            add(15, f"ISA15 usage indicator {e[15]!r} is not P, T or I")
        if "025" not in reported and self.registry.check_and_record(
                ev.sender_qualifier, ev.sender_id, ev.control_number):
            reported.add("025")
            out.append(Finding("TA105", "025",
                               f"duplicate interchange control number {ev.control_number!r} "
                               f"from {ev.sender_qualifier}/{ev.sender_id}",
                               self.position(off, "interchange", segment_tag="ISA",
                                             element_position=13,
                                             bad_value=ev.control_number)))
        return out

    def iea_checks(self, ev: InterchangeEnd) -> list[Finding]:
        out: list[Finding] = []
        t = ev.trailer
        if t is None:
            out.append(Finding("TA105", "023", "interchange trailer IEA missing",
                               self.position(ev.offset, "interchange")))
            return out
        e = t.elements
        count = e[1] if len(e) > 1 else ""
        if not (_DIGITS.fullmatch(count) and int(count) == ev.group_count):
            out.append(Finding("TA105", "021",
                               f"IEA01 says {count!r} groups, {ev.group_count} read",
                               self.position(t.offset, "interchange", segment_tag="IEA",
                                             element_position=1, bad_value=count[:40])))
        ctl = e[2] if len(e) > 2 else ""
        if ctl != ev.control_number:
            out.append(Finding("TA105", "001",
                               f"IEA02 {ctl!r} does not match ISA13 {ev.control_number!r}",
                               self.position(t.offset, "interchange", segment_tag="IEA",
                                             element_position=2, bad_value=ctl[:40])))
        return out

    # ------------------------------------------------------------- GS/GE
    def group_code(self, check: str) -> tuple[str, str]:
        table = GROUP_ERRORS[table_for(self.gs.version if self.gs else "")]
        code = table[check]
        if code is None:
            return GROUP_FALLBACK[check], WARNING
        return code, ERROR

    def gs_checks(self, ev: GroupStart) -> list[Finding]:
        out: list[Finding] = []
        e = ev.gs.elements
        off = ev.offset

        def get(no: int) -> str:
            return e[no] if len(e) > no else ""

        def add(field: str, code: str, no: int, message: str, severity: str = ERROR) -> None:
            out.append(Finding(field, code, message,
                               self.position(off, "group", segment_tag="GS", element_position=no,
                                             bad_value=get(no)[:40]),
                               severity))

        old = table_for(ev.version) == "004010" and _num(ev.version[:3]) \
            and ev.version[:3] < "004"
        date = get(4)
        if not (_valid_date(date, True) or (old and _valid_date(date, False))):
            add("TA105", "024", 4, f"GS04 {date!r} is not a valid CCYYMMDD date")
        if not _valid_time(get(5), (4, 6, 7, 8)):
            add("TA105", "024", 5, f"GS05 {get(5)!r} is not a valid HHMM[SS[dd]] time")
        if not (_DIGITS.fullmatch(ev.control_number) and len(ev.control_number) <= 9):
            code, sev = self.group_code("control_syntax")
            add("AK905", code, 6, f"GS06 control number {ev.control_number!r} is not 1-9 digits",
                sev)
        if not ev.version or len(ev.version) > 12:
            code, sev = self.group_code("version")
            add("AK905", code, 8, f"GS08 version {ev.version!r} is missing or invalid", sev)
        if ev.control_number in self.groups:
            code, sev = self.group_code("duplicate")
            add("AK905", code, 6, f"GS06 {ev.control_number!r} is not unique within the "
                                  "interchange", sev)
        else:
            self.groups.add(ev.control_number)
        return out

    def ge_checks(self, ev: GroupEnd) -> list[Finding]:
        out: list[Finding] = []
        t = ev.trailer
        if t is None:
            code, sev = self.group_code("trailer_missing")
            out.append(Finding("AK905", code, "group trailer GE missing",
                               self.position(ev.offset, "group"), sev))
            return out
        e = t.elements
        count = e[1] if len(e) > 1 else ""
        if not (_DIGITS.fullmatch(count) and int(count) == ev.transaction_count):
            code, sev = self.group_code("count")
            out.append(Finding("AK905", code,
                               f"GE01 says {count!r} transaction sets, {ev.transaction_count} read",
                               self.position(t.offset, "group", segment_tag="GE",
                                             element_position=1, bad_value=count[:40]), sev))
        ctl = e[2] if len(e) > 2 else ""
        if ctl != ev.control_number:
            code, sev = self.group_code("control_mismatch")
            out.append(Finding("AK905", code,
                               f"GE02 {ctl!r} does not match GS06 {ev.control_number!r}",
                               self.position(t.offset, "group", segment_tag="GE",
                                             element_position=2, bad_value=ctl[:40]), sev))
        return out

    # ------------------------------------------------------------- ST/SE
    def tx_code(self, check: str) -> str:
        version = (self.st.version if self.st else "") or (self.gs.version if self.gs else "")
        code = TRANSACTION_ERRORS[table_for(version)][check]
        assert code is not None
        return code

    def st_checks(self, ev: TransactionStart) -> list[Finding]:
        out: list[Finding] = []
        off = ev.offset
        if not (len(ev.set_id) == 3 and ev.set_id.isalnum()):
            out.append(Finding("AK502", self.tx_code("set_id"),
                               f"ST01 transaction set identifier {ev.set_id!r} is invalid",
                               self.position(off, "transaction", segment_tag="ST",
                                             segment_position=1, element_position=1,
                                             bad_value=ev.set_id[:40])))
        if not _ST02.fullmatch(ev.control_number):
            out.append(Finding("AK502", self.tx_code("control_syntax"),
                               f"ST02 control number {ev.control_number!r} is not 4-9 characters",
                               self.position(off, "transaction", segment_tag="ST",
                                             segment_position=1, element_position=2,
                                             bad_value=ev.control_number[:40])))
        if ev.control_number in self.sets:
            out.append(Finding("AK502", self.tx_code("duplicate"),
                               f"ST02 {ev.control_number!r} is not unique within the group",
                               self.position(off, "transaction", segment_tag="ST",
                                             segment_position=1, element_position=2,
                                             bad_value=ev.control_number[:40])))
        elif self.gs is not None:
            self.sets.add(ev.control_number)
        return out

    def se_checks(self, ev: TransactionEnd) -> list[Finding]:
        out: list[Finding] = []
        t = ev.trailer
        if t is None:
            out.append(Finding("AK502", self.tx_code("trailer_missing"),
                               "transaction set trailer SE missing",
                               self.position(ev.offset, "transaction")))
            return out
        e = t.elements
        count = e[1] if len(e) > 1 else ""
        if not (_DIGITS.fullmatch(count) and int(count) == ev.segment_count):
            out.append(Finding("AK502", self.tx_code("count"),
                               f"SE01 says {count!r} segments, {ev.segment_count} read",
                               self.position(t.offset, "transaction", segment_tag="SE",
                                             segment_position=t.position, element_position=1,
                                             bad_value=count[:40])))
        ctl = e[2] if len(e) > 2 else ""
        if ctl != ev.control_number:
            out.append(Finding("AK502", self.tx_code("control_mismatch"),
                               f"SE02 {ctl!r} does not match ST02 {ev.control_number!r}",
                               self.position(t.offset, "transaction", segment_tag="SE",
                                             segment_position=t.position, element_position=2,
                                             bad_value=ctl[:40])))
        return out


def _insert(out: Optional[list[Event]], batch: list[Event], done: int,
            found: list[Finding]) -> Optional[list[Event]]:
    """``out`` with ``found`` appended; ``done``: how many events of batch have been passed
    so far (the copy of them that ``out`` starts as when it is not made yet)."""
    if not found:
        return out
    if out is None:
        out = batch[:done]
    out.extend(found)
    return out


def validate_envelope(events: Iterable[Event],
                      registry: Optional[ControlNumberRegistry] = None) -> Iterator[Event]:
    """Pass events through, inserting envelope findings (see module doc)."""
    return chain.from_iterable(validate_envelope_batches(in_batches(events), registry))


def validate_envelope_batches(batches: Iterable[list[Event]],
                              registry: Optional[ControlNumberRegistry] = None
                              ) -> Iterator[list[Event]]:
    """``validate_envelope`` over lists of events (the reader's ``iter_batches``): one list
    out per list in, so no generator is resumed per event."""
    st = _Envelope(registry if registry is not None else MemoryControlNumberRegistry())
    for batch in batches:
        yield st.process(batch)
    if st.pending:
        tail: list[Event] = []
        tail.extend(st.isa_checks())
        yield tail
