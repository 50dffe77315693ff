"""The same business document written as X12 and as UN/EDIFACT maps to equal
canonical content (850 / ORDERS, 855 / ORDRSP, 856 / DESADV).

Both inputs are literal text written by hand from the same paper order, not
generated from one canonical object, so a vocabulary mismatch between the two
mappings (party roles, id schemes, product schemes, units, statuses...) fails
here.  The canonical documents are compared whole, after ``to_dict``.
"""
from __future__ import annotations

from translators.canonical import to_dict
from translators.edifact import events as ee
from translators.edifact.mapping import MappingContext as EdiContext
from translators.edifact.mapping import map_message
from translators.edifact.reader import iter_events as edifact_events
from translators.x12 import events as xe
from translators.x12.mapping import MappingContext as X12Context
from translators.x12.mapping import map_transaction
from translators.x12.reader import iter_events as x12_events

ISA = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
       "*260501*1200*U*00401*000000001*0*P*>~\n")


def x12_documents(text: str) -> list:
    docs = []
    start = None
    segs: list = []
    for ev in x12_events(text.encode("ascii")):
        if isinstance(ev, xe.TransactionStart):
            start, segs = ev, []
        elif isinstance(ev, xe.Segment) and start is not None:
            segs.append(ev)
        elif isinstance(ev, xe.TransactionEnd) and start is not None:
            ctx = X12Context(set_id=start.set_id, control_number=start.control_number,
                             version=start.version)
            docs.append(map_transaction(start.set_id, segs, ctx))
            start = None
    return docs


def edifact_documents(text: str) -> list:
    docs = []
    ic = None
    ms = None
    segs: list = []
    for ev in edifact_events(text.encode("latin-1")):
        if isinstance(ev, ee.InterchangeStart):
            ic = ev
        elif isinstance(ev, ee.MessageStart):
            ms, segs = ev, []
        elif isinstance(ev, ee.Segment) and ms is not None:
            segs.append(ev)
        elif isinstance(ev, ee.MessageEnd) and ms is not None:
            docs.append(map_message(ms.message_type, segs, EdiContext.from_events(ms, ic)))
            ms = None
    return docs


def same(x12_text: str, edifact_text: str) -> dict:
    (x,) = x12_documents(x12_text)
    (e,) = edifact_documents(edifact_text)
    assert type(x) is type(e)
    dx, de = to_dict(x), to_dict(e)
    assert dx == de
    return dx


def test_isa_is_fixed_width():
    assert len(ISA.rstrip("\n")) == 106


# --------------------------------------------------------------------------- 850 / ORDERS

X12_850 = ISA + """GS*PO*SENDER*RECEIVER*20260501*1200*1*X*004010~
ST*850*0001~
BEG*00*SA*PO-100**20260501~
CUR*BY*EUR~
REF*CT*K-1~
DTM*002*20260510~
N9*L1*NOTES~
MSG*Handle with care~
N1*BY*Buyer GmbH*UL*4012345000016~
N3*Main 1~
N4*Berlin*BE*10115*DE~
PER*IC*Jane Doe*TE*030 1234*EM*jane@example.com~
N1*ST*Dock 7*92*SHIP-1~
PO1*1*12*EA*19.99**EN*4012345000009*BP*B-1*VP*V-1~
PID*F****Blue widget~
DTM*002*20260511~
PO1*2*3*KG*5**VP*V-2~
CTT*2~
SE*18*0001~
GE*1*1~
IEA*1*000000001~
"""

EDIFACT_ORDERS = """UNA:+.? '
UNB+UNOC:3+SENDER:ZZZ+RECEIVER:ZZZ+260501:1200+1'
UNH+1+ORDERS:D:96A:UN:EAN008'
BGM+220+PO-100+9'
DTM+137:20260501:102'
DTM+2:20260510:102'
FTX+AAI+++Handle with care'
RFF+CT:K-1'
NAD+BY+4012345000016::9++Buyer GmbH+Main 1+Berlin+BE+10115+DE'
CTA+IC+:Jane Doe'
COM+030 1234:TE'
COM+jane@example.com:EM'
NAD+DP+SHIP-1::92++Dock 7'
CUX+2:EUR:9'
LIN+1++4012345000009:EN'
PIA+1+B-1:IN+V-1:SA'
IMD+F++:::Blue widget'
QTY+21:12:EA'
DTM+2:20260511:102'
PRI+AAA:19.99'
LIN+2'
PIA+5+V-2:SA'
QTY+21:3:KGM'
PRI+AAA:5'
UNS+S'
CNT+2:2'
UNT+26+1'
UNZ+1+1'
"""


def test_850_and_orders_give_the_same_purchase_order():
    doc = same(X12_850, EDIFACT_ORDERS)
    assert doc["number"] == "PO-100" and doc["currency"] == "EUR"
    assert [p["role"] for p in doc["parties"]] == ["buyer", "ship_to"]
    assert doc["parties"][0]["contact"]["email"] == "jane@example.com"
    assert [pid["scheme"] for pid in doc["lines"][0]["product_ids"]] == ["gtin", "buyer", "vendor"]
    assert doc["lines"][1]["unit"] == "KGM"
    assert doc["notes"] == ["Handle with care"]


# --------------------------------------------------------------------------- 855 / ORDRSP

X12_855 = ISA + """GS*PR*SENDER*RECEIVER*20260502*1200*2*X*004010~
ST*855*0001~
BAK*00*AC*PO-100*20260501****R-7*20260502~
CUR*SE*EUR~
N1*SE*Seller AG*UL*4012345000023~
PO1*1*12*EA*19.99**EN*4012345000009*BP*B-1~
ACK*IA*12*EA*068*20260515~
PO1*2*3*KG*5**VP*V-2~
ACK*IQ*2*KG~
PO1*3*1*EA*7**VP*V-3~
ACK*IR*0*EA~
PO1*4*5*EA*1.5**VP*V-4~
ACK*DR*5*EA*068*20260601~
CTT*4~
SE*14*0001~
GE*1*2~
IEA*1*000000001~
"""

EDIFACT_ORDRSP = """UNA:+.? '
UNB+UNOC:3+SENDER:ZZZ+RECEIVER:ZZZ+260502:1200+2'
UNH+1+ORDRSP:D:01B:UN:EAN010'
BGM+231+R-7+4'
DTM+137:20260502:102'
RFF+ON:PO-100'
DTM+171:20260501:102'
NAD+SE+4012345000023::9++Seller AG'
CUX+2:EUR:9'
LIN+1+5+4012345000009:SRV'
PIA+1+B-1:IN'
QTY+21:12:EA'
QTY+113:12:EA'
DTM+69:20260515:102'
PRI+AAA:19.99'
LIN+2+3'
PIA+5+V-2:SA'
QTY+21:3:KGM'
QTY+113:2:KGM'
PRI+AAA:5'
LIN+3+7'
PIA+5+V-3:SA'
QTY+21:1:EA'
QTY+113:0:EA'
PRI+AAA:7'
LIN+4+3'
PIA+5+V-4:SA'
QTY+21:5:EA'
QTY+113:5:EA'
DTM+67:20260601:102'
PRI+AAA:1.5'
UNS+S'
CNT+2:4'
UNT+34+1'
UNZ+1+2'
"""


def test_855_and_ordrsp_give_the_same_order_response():
    doc = same(X12_855, EDIFACT_ORDRSP)
    assert doc["status"] == "accepted_with_changes" and doc["order_number"] == "PO-100"
    assert [line["status"] for line in doc["lines"]] == [
        "accepted", "quantity_changed", "rejected", "date_changed"]
    assert doc["lines"][0]["scheduled_date"] == "2026-05-15"


# --------------------------------------------------------------------------- 856 / DESADV

X12_856 = ISA + """GS*SH*SENDER*RECEIVER*20260503*1200*3*X*004010~
ST*856*0001~
BSN*00*DN-1*20260503*1200~
DTM*011*20260503~
DTM*017*20260506~
HL*1**S~
TD1*CTN25*3****G*250.5*KG~
TD5*B*2*DHLD*M*DHL Freight~
REF*BM*BOL-1~
REF*CN*TRACK-1~
N1*SF*Ship From Co*UL*4012345000016~
HL*2*1*O~
PRF*PO-A***20260401~
HL*3*2*I~
LIN*9*EN*4012345000009~
SN1**2*EA~
HL*4*2*T~
TD1*PLT94*1~
MAN*GM*340123450000000017~
HL*5*4*P~
TD1*CTN25*1~
MAN*GM*340123450000000024~
HL*6*5*I~
LIN*1*EN*4012345000023*LT*LOT-7*SN*SN1*SN*SN3~
SN1**5*EA**10*EA~
DTM*036*20270101~
CTT*6~
SE*27*0001~
GE*1*3~
IEA*1*000000001~
"""

EDIFACT_DESADV = """UNA:+.? '
UNB+UNOC:3+SENDER:ZZZ+RECEIVER:ZZZ+260503:1200+3'
UNH+1+DESADV:D:96A:UN:EAN005'
BGM+351+DN-1+9'
DTM+137:20260503:102'
DTM+11:20260503:102'
DTM+17:20260506:102'
MEA+WT+AAD+KGM:250.5'
RFF+ON:PO-A'
DTM+171:20260401:102'
RFF+BM:BOL-1'
RFF+CN:TRACK-1'
NAD+SF+4012345000016::9++Ship From Co'
TDT+20++30++DHLD:::DHL Freight'
CPS+1'
PAC+3'
LIN+9++4012345000009:EN'
QTY+12:2:EA'
CPS+2+1'
PAC+1++PX'
PCI+33E'
GIN+BJ+340123450000000017'
CPS+3+2'
PAC+1++CT'
PCI+33E'
GIN+BJ+340123450000000024'
LIN+1++4012345000023:EN'
QTY+12:5:EA'
QTY+21:10:EA'
GIN+BN+SN1+SN3'
PCI+36E'
DTM+36:20270101:102'
GIN+BX+LOT-7'
CNT+2:2'
UNT+33+1'
UNZ+1+3'
"""


def test_856_and_desadv_give_the_same_ship_notice():
    doc = same(X12_856, EDIFACT_DESADV)
    (order,) = doc["orders"]
    assert order["order_number"] == "PO-A" and order["order_date"] == "2026-04-01"
    (pallet,) = order["packs"]
    assert pallet["package_type"] == "PX"
    item = pallet["packs"][0]["items"][0]
    assert item["lot"] == "LOT-7" and item["serials"] == ["SN1", "SN3"]
    assert doc["transport_mode"] == "road" and doc["weight_unit"] == "KGM"


# ----------------------------------------------- 855 / ORDRSP: one line per status part

X12_855_SPLIT = ISA + """GS*PR*SENDER*RECEIVER*20261120*1200*4*X*004010~
ST*855*0001~
BAK*00*AC*PO-200*20261119****R-9*20261120~
PO1*1*100*EA*2.5**VP*V-1~
PID*F****Widget~
ACK*IA*60*EA*068*20261201~
ACK*IB*40*EA*068*20261215~
PO1*2*5*EA*1**VP*V-2~
ACK*IA*5*EA~
CTT*2~
SE*10*0001~
GE*1*4~
IEA*1*000000001~
"""

EDIFACT_ORDRSP_SPLIT = """UNA:+.? '
UNB+UNOC:3+SENDER:ZZZ+RECEIVER:ZZZ+261120:1200+4'
UNH+1+ORDRSP:D:96A:UN:EAN005'
BGM+231+R-9+4'
DTM+137:20261120:102'
RFF+ON:PO-200'
DTM+171:20261119:102'
LIN+1+5'
PIA+5+V-1:SA'
IMD+F++:::Widget'
QTY+21:100:EA'
QTY+113:60:EA'
QTY+83:40:EA'
DTM+69:20261201:102'
DTM+191:20261215:102'
PRI+AAA:2.5'
LIN+2+5'
PIA+5+V-2:SA'
QTY+21:5:EA'
QTY+113:5:EA'
PRI+AAA:1'
UNS+S'
CNT+2:2'
UNT+22+1'
UNZ+1+4'
"""


def test_855_two_acks_and_ordrsp_backorder_quantity_give_the_same_parts():
    doc = same(X12_855_SPLIT, EDIFACT_ORDRSP_SPLIT)
    assert [(ln["line_number"], ln["status"], ln["quantity"], ln.get("scheduled_date"))
            for ln in doc["lines"]] == [
        ("1", "accepted", "60", "2026-12-01"), ("1", "backordered", "40", "2026-12-15"),
        ("2", "accepted", "5", None)]
    assert all(ln["ordered_quantity"] == "100" and ln["description"] == "Widget"
               for ln in doc["lines"][:2])
