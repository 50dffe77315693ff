"""Deterministic generators of large, valid interchanges for the benchmarks.

Each generator writes to a binary file object in blocks, so a 200 MB file
costs no memory to make.  Documents are realistic: an 850 with 50 lines (PO1
with buyer/vendor/UPC pairs, PID, some DTM), an 856 with S/O/P/I levels, lots
and SSCC, an ORDERS and a DESADV with UNA and released characters.
"""
from __future__ import annotations

from typing import BinaryIO, Callable, Iterator

ISA = ("ISA*00*          *00*          *ZZ*ACMEMFG        *ZZ*GLOBEXSUPPLY   *261127*0930*"
       "{rep}*{ver}*{ctl:09d}*0*P*>~\n")


def _x12_envelope(out: BinaryIO, target: int, version: str, functional_id: str,
                  body: Callable[[int], list[str]]) -> int:
    """Write one interchange of ~target bytes of sets made by body(n)."""
    isa_ver, rep = ("00501", "^") if version.startswith("005") else ("00401", "U")
    head = ISA.format(rep=rep, ver=isa_ver, ctl=1)
    head += f"GS*{functional_id}*ACMEMFG*GLOBEXSUPPLY*20261127*0930*1*X*{version}~\n"
    out.write(head.encode())
    written = len(head)
    n = 0
    while written < target:
        n += 1
        segs = body(n)
        st = f"ST*{segs[0]}*{n:04d}~\n"
        text = st + "".join(s + "~\n" for s in segs[1:]) + f"SE*{len(segs) + 1}*{n:04d}~\n"
        data = text.encode()
        out.write(data)
        written += len(data)
    tail = f"GE*{n}*1~\nIEA*1*000000001~\n"
    out.write(tail.encode())
    return n


def _po850(n: int, lines: int = 50) -> list[str]:
    segs = ["850", f"BEG*00*SA*PO{n:08d}**20261127", "CUR*BY*USD", "REF*CT*FRAME-2026-07",
            "DTM*002*20261215", "N1*BY*ACME MANUFACTURING*UL*0614141000012",
            "N1*ST*ACME PLANT 3*UL*0614141000036", "N3*100 INDUSTRIAL WAY",
            "N4*SPRINGFIELD*IL*62701*US"]
    for i in range(1, lines + 1):
        segs.append(f"PO1*{i}*{(i * 7) % 400 + 1}*EA*{i % 90 + 1}.{i % 100:02d}**BP*BR-{n % 1000:03d}-{i:03d}"
                    f"*VP*GX-{i * 13:06d}*UP*0123456{i:05d}")
        segs.append(f"PID*F****Bracket, zinc plated, size {i} mm")
        if i % 10 == 0:
            segs.append("DTM*002*20261220")
    segs.append(f"CTT*{lines}")
    return segs


def _sh856(n: int, packs: int = 10, items: int = 3) -> list[str]:
    segs = ["856", f"BSN*00*ASN{n:08d}*20261127*1015", "DTM*011*20261127",
            "HL*1**S", "TD1*CTN25*10****G*120.5*LB", "TD5*B*2*UPSN*M*UPS GROUND",
            f"REF*BM*BOL{n:08d}", f"REF*CN*1Z999AA1{n:010d}",
            "N1*ST*ACME PLANT 3*UL*0614141000036", "N1*SF*GLOBEX SUPPLY*UL*0614141999996",
            "HL*2*1*O", f"PRF*PO{n:08d}***20261120"]
    hl = 2
    for p in range(packs):
        hl += 1
        pack_hl = hl
        segs.append(f"HL*{pack_hl}*2*P")
        segs.append(f"MAN*GM*0000614141{n % 1000000:06d}{p:02d}")
        for i in range(items):
            hl += 1
            segs.append(f"HL*{hl}*{pack_hl}*I")
            segs.append(f"LIN*{p * items + i + 1}*BP*BR-{i:03d}*VP*GX-{i * 13:06d}*LT*LOT{n % 997}-{p}")
            segs.append(f"SN1**{(i + 1) * 12}*EA")
            segs.append("DTM*036*20281231")
    segs.append(f"CTT*{hl}")
    return segs


def write_x12_850(out: BinaryIO, size: int, version: str = "004010") -> int:
    return _x12_envelope(out, size, version, "PO", _po850)


def write_x12_856(out: BinaryIO, size: int, version: str = "004010") -> int:
    return _x12_envelope(out, size, version, "SH", _sh856)


UNB = ("UNA:+.? '\nUNB+UNOC:3+4012345000009:14+5412345000013:14+261127:1015+{ref}++ORDERS'\n")


def _edifact_envelope(out: BinaryIO, target: int, mtype: str, assoc: str,
                      body: Callable[[int], list[str]]) -> int:
    head = UNB.format(ref="IC0001").replace("++ORDERS'", f"++{mtype}'")
    out.write(head.encode("latin-1"))
    written = len(head)
    n = 0
    while written < target:
        n += 1
        segs = body(n)
        text = f"UNH+{n}+{mtype}:D:96A:UN:{assoc}'\n" + "".join(s + "'\n" for s in segs)
        text += f"UNT+{len(segs) + 2}+{n}'\n"
        data = text.encode("latin-1")
        out.write(data)
        written += len(data)
    tail = f"UNZ+{n}+IC0001'\n"
    out.write(tail.encode())
    return n


def _orders(n: int, lines: int = 50) -> list[str]:
    segs = [f"BGM+220+PO{n:08d}+9", "DTM+137:20261127:102", "DTM+2:20261215:102",
            "FTX+AAI+++Deliver to gate 4?: ramp B?+C", "RFF+CT:FRAME-2026-07",
            "NAD+BY+4012345000009::9++Müller Maschinenbau GmbH+Hauptstraße 5+Stuttgart++70173+DE",
            "NAD+SU+5412345000013::9++Globex Europe NV",
            "NAD+DP+4012345000016::9++Werk 2+Industriering 12+Esslingen++73728+DE",
            "CUX+2:EUR:9"]
    for i in range(1, lines + 1):
        segs += [f"LIN+{i}++40008621{i:05d}:EN", f"PIA+1+BR-{i:03d}:BP+GX-{i * 13:06d}:SA",
                 f"IMD+F++:::Winkel verzinkt {i} mm?+Mutter", f"QTY+21:{(i * 7) % 400 + 1}:PCE",
                 f"PRI+AAA:{i % 90 + 1},{i % 100:02d}"]
    segs += ["UNS+S", f"CNT+2:{lines}"]
    return segs


def _desadv(n: int, packs: int = 10, items: int = 3) -> list[str]:
    segs = [f"BGM+351+DES{n:08d}+9", "DTM+137:20261127:102", "DTM+11:20261127:102",
            "DTM+132:20261129:102", f"RFF+ON:PO{n:08d}", "NAD+SU+5412345000013::9",
            "NAD+DP+4012345000016::9", "TDT+20++30+31+UPSN::182:UPS?'s ground",
            "CPS+1", "PAC+10++CT"]
    for p in range(packs):
        segs += [f"CPS+{p + 2}+1", "PAC+1++CT", "PCI+33E",
                 f"GIN+BJ+3400614141{n % 1000000:06d}{p:02d}"]
        for i in range(items):
            segs += [f"LIN+{p * items + i + 1}++40008621{i:05d}:EN", f"PIA+1+BR-{i:03d}:BP",
                     f"QTY+12:{(i + 1) * 12}:PCE", "PCI+10", f"GIN+BX+LOT{n % 997}-{p}"]
    segs.append(f"CNT+2:{packs * items}")
    return segs


def write_orders(out: BinaryIO, size: int) -> int:
    return _edifact_envelope(out, size, "ORDERS", "EAN008", _orders)


def write_desadv(out: BinaryIO, size: int) -> int:
    return _edifact_envelope(out, size, "DESADV", "EAN005", _desadv)


GENERATORS: dict[str, Callable[[BinaryIO, int], int]] = {
    "x12-850": write_x12_850,
    "x12-856": write_x12_856,
    "edifact-orders": write_orders,
    "edifact-desadv": write_desadv,
}


def chunks(path: str, size: int = 1 << 16) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while True:
            block = fh.read(size)
            if not block:
                return
            yield block
