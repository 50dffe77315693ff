"""The edi-gateway command line: exit statuses, messages, JSON shape, round trips."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli

SAMPLES = Path(cli.__file__).resolve().parent / "translators" / "samples"
X12_850 = SAMPLES / "850-004010.x12"
ORDERS = SAMPLES / "orders-d96a.edi"


def run(*args: str, input: bytes | None = None):
    result = CliRunner().invoke(cli.main, list(args), input=input, catch_exceptions=False)
    return result


def test_validate_valid_x12_exits_0():
    r = run("validate", str(X12_850))
    assert r.exit_code == 0, r.output
    assert "valid: 1 interchange(s), 1 transaction(s), 0 error(s)" in r.output


def test_validate_ack_prints_997_accepting_the_group():
    r = run("validate", str(X12_850), "--ack")
    assert r.exit_code == 0
    assert "AK1*PO*101~" in r.output and "AK2*850*0001~" in r.output
    assert "AK9*A*1*1*1~" in r.output
    assert "TA1*000000101*261127*0930*A*000~" in r.output  # ISA14 = 1 asks for a TA1


def test_validate_ack_type_999_forced():
    r = run("validate", str(X12_850), "--ack", "--ack-type", "999")
    assert "ST*999*" in r.output and "IK5*A~" in r.output


def test_validate_reports_precise_position_and_exit_1(tmp_path):
    bad = tmp_path / "bad.x12"
    bad.write_bytes(X12_850.read_bytes().replace(b"PO1*2*40*CA*86.50", b"PO1*2*4X0*CA*86.50")
                    .replace(b"SE*20*0001~", b"SE*19*0001~"))
    r = run("validate", str(bad), "--ack")
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if line.startswith("error:")]
    element = next(line for line in lines if "[AK403=" in line)
    assert str(bad) in element
    assert "interchange 000000101" in element and "group 101" in element
    assert "transaction 0001 (850)" in element and "segment 14 PO1" in element
    assert "element 02" in element and "[AK403=6]" in element
    assert any("[AK502=4]" in line for line in lines)
    assert "AK3*PO1*14*PO1*8~" in r.output  # AK303: the PO1 loop
    ak4 = next(seg for seg in r.output.split("~\n") if seg.startswith("AK4*"))
    assert ak4.startswith("AK4*2*") and ak4.endswith("*6*4X0")  # PO102, invalid character
    assert "AK5*R*4*5~" in r.output or "AK5*R*5*4~" in r.output


@pytest.mark.parametrize("payload", [
    b"",
    b"\x00\x01\x02\xff" * 100,
    b"hello world, not edi at all",
    b"ISA*00*short~",
    b"UNB+UNOC:3+X+Y+26",
])
def test_bad_input_is_rejected_cleanly(tmp_path, payload):
    f = tmp_path / "in.edi"
    f.write_bytes(payload)
    for command in (["validate", str(f), "--ack"], ["translate", str(f)]):
        r = run(*command)
        assert r.exit_code == 1, (command, r.output)
        assert "Traceback" not in r.output


def test_translate_x12_json_shape():
    r = run("translate", str(X12_850))
    assert r.exit_code == 0
    docs = json.loads(r.output)
    assert len(docs) == 1
    doc = docs[0]
    assert doc["type"] == "purchase_order" and doc["standard"] == "x12"
    assert doc["version"] == "004010" and doc["transaction_set"] == "850"
    assert doc["sender"] == {"qualifier": "ZZ", "id": "ACMEMFG"}
    assert doc["receiver"] == {"qualifier": "ZZ", "id": "GLOBEXSUPPLY"}
    assert doc["control_numbers"] == {"interchange": "000000101", "group": "101",
                                      "transaction": "0001"}
    content = doc["content"]
    assert content["number"] == "PO-2026-0042"
    assert [line["quantity"] for line in content["lines"]] == ["250", "40", "12.5"]
    assert content["lines"][1]["unit_price"] == "86.50"  # Decimal text, never a float
    assert doc["errors"] == [] and doc["warnings"] == []


def test_translate_reads_stdin():
    r = run("translate", "-", input=X12_850.read_bytes())
    assert r.exit_code == 0
    assert json.loads(r.output)[0]["content"]["number"] == "PO-2026-0042"


def test_translate_missing_file_is_a_usage_error():
    r = CliRunner().invoke(cli.main, ["translate", "/nonexistent/file.edi"])
    assert r.exit_code == 2
    assert "does not exist" in r.output


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_render_x12_round_trip(tmp_path, version):
    first = json.loads(run("translate", str(X12_850)).output)
    src = tmp_path / "po.json"
    src.write_text(json.dumps(first))
    r = run("render", str(src), "--standard", "x12", "--version", version)
    assert r.exit_code == 0, r.output
    x12 = tmp_path / "po.x12"
    x12.write_text(r.output)
    assert run("validate", str(x12)).exit_code == 0
    second = json.loads(run("translate", str(x12)).output)
    assert second[0]["version"] == version
    assert second[0]["content"] == first[0]["content"]
    assert second[0]["sender"]["id"] == "ACMEMFG"


@pytest.mark.parametrize("version", ["D96A", "D01B"])
def test_render_x12_order_as_edifact_keeps_the_content(tmp_path, version):
    first = json.loads(run("translate", str(X12_850)).output)
    src = tmp_path / "po.json"
    src.write_text(json.dumps(first))
    r = run("render", str(src), "--standard", "edifact", "--version", version,
            "--sender", "4012345000009", "--receiver", "5412345000013")
    assert r.exit_code == 0, r.output
    edi = tmp_path / "po.edi"
    edi.write_text(r.output, encoding="latin-1")
    v = run("validate", str(edi))
    assert v.exit_code == 0, v.output
    second = json.loads(run("translate", str(edi)).output)
    assert second[0]["standard"] == "edifact" and second[0]["transaction_set"] == "ORDERS"
    assert second[0]["content"] == first[0]["content"]


def test_validate_edifact_and_contrl():
    r = run("validate", str(ORDERS), "--ack")
    assert r.exit_code == 0, r.output
    assert "UNH+1+CONTRL:D:3:UN'" in r.output
    assert "UCM+1+ORDERS:D:96A:UN:EAN008+7'" in r.output


def test_translate_edifact_decodes_latin1():
    docs = json.loads(run("translate", str(ORDERS)).output)
    content = docs[0]["content"]
    assert docs[0]["version"] == "D96A:EAN008"
    assert content["parties"][0]["name"] == "Müller Maschinenbau GmbH"
    assert content["notes"] == ["Deliver to gate 4: ramp B"]


@pytest.mark.parametrize("text,message", [
    ("{not json", "not JSON"),
    ('{"type": "purchase_order", "content": {"number": "1"}}', "date: required field missing"),
    ('{"type": "invoice", "content": {}}', "unknown document type"),
    ('[{"type": "purchase_order", "content": {"number": "1", "date": "2026-13-01"}}]',
     "is not a date"),
])
def test_render_malformed_json_is_a_usage_error(tmp_path, text, message):
    f = tmp_path / "doc.json"
    f.write_text(text)
    r = CliRunner().invoke(cli.main, ["render", str(f), "--standard", "x12", "--version",
                                      "004010", "--sender", "A", "--receiver", "B"])
    assert r.exit_code == 2
    assert message in r.output
    assert "Traceback" not in r.output


def test_validate_json_output():
    r = run("validate", str(X12_850), "--json", "--ack")
    data = json.loads(r.output)
    assert data["valid"] is True and data["transactions"] == 1
    assert [a["kind"] for a in data["acks"]] == ["TA1", "997"]


def test_demo_runs():
    r = run("demo")
    assert r.exit_code == 0
    assert "== 850-004010.x12" in r.output and "== orders-d96a.edi" in r.output
    assert '"number": "PO-4711"' in r.output


def test_console_script_is_installed():
    exe = shutil.which("edi-gateway")
    assert exe, "pip install -e . installs the edi-gateway command"
    out = subprocess.run([exe, "validate", str(X12_850)], capture_output=True, text=True)
    assert out.returncode == 0 and "valid" in out.stdout
    out = subprocess.run([sys.executable, "-m", "cli", "--help"], capture_output=True, text=True,
                         cwd=Path(cli.__file__).parent)
    assert "translate" in out.stdout


def test_render_with_chosen_separators_and_one_line(tmp_path):
    src = tmp_path / "po.json"
    src.write_text(run("translate", str(X12_850)).output)
    r = run("render", str(src), "--standard", "x12", "--version", "005010",
            "--separators", "|<!\n", "--no-newline")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("ISA|00|") and "|!|00501|" in r.output and "\nGS|PO|" in r.output
    out = tmp_path / "po.x12"
    out.write_text(r.output)
    assert json.loads(run("translate", str(out)).output)[0]["content"]["number"] == "PO-2026-0042"
    e = run("render", str(src), "--standard", "edifact", "--version", "D01B", "--syntax", "4",
            "--separators", "^*,!~\"", "--sender", "A1", "--receiver", "B2", "--no-newline")
    assert e.exit_code == 0, e.output
    assert e.output.startswith('UNA^*,!~"UNB*UNOC^4*A1^14*B2^14*') and "\n" not in e.output
    edi = tmp_path / "po.edi"
    edi.write_text(e.output, encoding="latin-1")
    back = json.loads(run("translate", str(edi)).output)[0]
    assert back["content"] == json.loads(src.read_text())[0]["content"]


@pytest.mark.parametrize("standard,separators,message", [
    ("x12", "**>~", "4 different characters"),
    ("x12", "*A^~", "none a letter"),
    ("edifact", ":+.?'", "6 UNA characters"),
    ("edifact", "::.? '", "must differ"),
])
def test_render_rejects_bad_separators(tmp_path, standard, separators, message):
    src = tmp_path / "po.json"
    src.write_text(run("translate", str(X12_850)).output)
    version = "004010" if standard == "x12" else "D96A"
    r = CliRunner().invoke(cli.main, ["render", str(src), "--standard", standard, "--version",
                                      version, "--separators", separators])
    assert r.exit_code == 2 and message in r.output


def test_validate_and_translate_several_files(tmp_path):
    bad = tmp_path / "bad.x12"
    bad.write_bytes(X12_850.read_bytes().replace(b"SE*20*0001~", b"SE*19*0001~"))
    r = run("validate", str(X12_850), str(ORDERS))
    assert r.exit_code == 0
    assert f"{X12_850}: valid" in r.output and f"{ORDERS}: valid" in r.output
    r = run("validate", str(X12_850), str(bad), "--json")
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert [d["valid"] for d in data] == [True, False]
    assert data[1]["errors"][0]["field"] == "AK502" and data[1]["file"] == str(bad)
    docs = json.loads(run("translate", str(X12_850), str(ORDERS)).output)
    assert [(d["file"], d["standard"]) for d in docs] == [(str(X12_850), "x12"),
                                                          (str(ORDERS), "edifact")]
