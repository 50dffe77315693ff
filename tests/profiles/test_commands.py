"""The `profile` click group: new, check, list, show, try."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from translators.canonical import OrderResponse, ResponseLine, document_to_dict
from gateway.profiles.commands import make_profile_group, profile

from profile_samples import BASE, SFTP

FILLED = {
    '"<fill in: the Odoo contact\'s Reference, e.g. ACME>"': "ACME",
    '"<fill in: ISA05 qualifier, e.g. ZZ or 01>"': '"ZZ"',
    '"<fill in: ISA06 sender ID, up to 15 characters>"': "ACMEPARTS",
    '"<fill in: ISA07 qualifier, e.g. ZZ or 01>"': '"ZZ"',
    '"<fill in: ISA08 receiver ID (our ID at this partner)>"': "OURCO",
    '"<fill in: local folder the partner\'s files arrive in, e.g. /srv/edi/acme/in>"': "/srv/in",
    '"<fill in: local folder we write the partner\'s files to, e.g. /srv/edi/acme/out>"':
        "/srv/out",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner, args, env=None):
    return runner.invoke(profile, args, env=env or {}, catch_exceptions=False)


def test_new_then_check_names_only_placeholders(runner, tmp_path):
    result = run(runner, ["new", "acme", "--standard", "x12", "--transport", "folder",
                          "--dir", str(tmp_path)])
    assert result.exit_code == 0
    path = tmp_path / "acme.yaml"
    assert path.read_text().startswith("# yaml-language-server: $schema=schema.json\n")
    check = run(runner, ["check", str(path)])
    assert check.exit_code == 1
    out = check.output.splitlines()
    assert all("placeholder not filled in" in line for line in out[:-1])
    assert len(out) - 1 == len(FILLED)
    assert out[-1] == "checked 1 profile: 7 errors, 0 warnings"
    assert out[0].endswith("acme.yaml:25:16: erp.partner_ref: placeholder not filled in: the "
                           "Odoo contact's Reference, e.g. ACME")
    # filling in the placeholders makes it pass as written
    text = path.read_text()
    for placeholder, value in FILLED.items():
        assert placeholder in text
        text = text.replace(placeholder, value)
    path.write_text(text)
    check = run(runner, ["check", str(path)])
    assert check.output == "checked 1 profile: 0 errors, 0 warnings\n"
    assert check.exit_code == 0
    again = runner.invoke(profile, ["new", "acme", "--standard", "x12", "--transport", "folder",
                                    "--dir", str(tmp_path)])
    assert again.exit_code == 1 and "exists (use --force to overwrite)" in again.output


def test_new_refuses_bad_names(runner, tmp_path):
    result = runner.invoke(profile, ["new", "Acme Parts", "--standard", "x12", "--transport",
                                     "sftp", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "'Acme Parts' is not a valid profile name" in result.output


def test_check_reports_duplicates_against_siblings(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(BASE)
    (tmp_path / "acme2.yaml").write_text(BASE.replace("name: acme", "name: acme2")
                                         .replace("/srv/edi/acme/", "/srv/edi/acme2/"))
    result = run(runner, ["check", str(tmp_path / "acme2.yaml")])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert "acme2.yaml:7:5: identities.partner: duplicate identity: X12 identity ISA " \
           "ZZ/ACMEPARTS (to us as ISA ZZ/OURCO) is also claimed by profile 'acme' (" in lines[0]
    assert lines[0].endswith("acme.yaml:7:5): each partner needs its own identity: correct one "
                             "of them, or tell them apart by GS application IDs (gs_id)")
    assert lines[1] == "checked 1 profile: 1 error, 0 warnings"


def test_check_directory_and_missing_path(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(BASE)
    ok = run(runner, ["check", "--dir", str(tmp_path)])
    assert ok.exit_code == 0 and ok.output == "checked 1 profile: 0 errors, 0 warnings\n"
    missing = run(runner, ["check", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1
    assert missing.output.splitlines()[0].endswith(
        "nope.yaml:1:1: no such file or folder: check the path")


def test_list_table_and_json(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(SFTP)
    (tmp_path / "broken.yaml").write_text("name: broken\nstandard: x12\n")
    table = run(runner, ["list", "--dir", str(tmp_path)], env={"ACME_KEY": "k"})
    assert table.exit_code == 0
    assert table.output.splitlines() == [
        "NAME    STANDARD  TRANSPORT  IDENTITY          ERP PARTNER  SCHEDULE  STATUS",
        "acme    x12       sftp       ISA ZZ/ACMEPARTS  ACME         realtime  ok",
        "broken  x12       ?                                                   4 errors",
    ]
    data = json.loads(run(runner, ["list", "--json", "--dir", str(tmp_path)]).output)
    assert [(r["name"], r["errors"]) for r in data] == [("acme", 1), ("broken", 4)]


def test_show_prints_secrets_only_as_references(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(SFTP)
    result = runner.invoke(profile, ["show", "acme", "--dir", str(tmp_path)],
                           env={"ACME_KEY": "-----BEGIN OPENSSH PRIVATE KEY-----supersecret"})
    assert result.exit_code == 0
    assert "    key: env:ACME_KEY\n" in result.output
    assert "supersecret" not in result.output
    assert "poll_interval: 1m" in result.output  # defaults are filled in
    data = json.loads(runner.invoke(profile, ["show", "acme", "--json", "--dir", str(tmp_path)],
                                    env={"ACME_KEY": "x"}).output)
    assert data["transport"]["settings"]["key"] == "env:ACME_KEY"
    assert data["transport"]["settings"]["port"] == 22


def test_show_masks_a_literal_secret(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(SFTP.replace("env:ACME_KEY", "hunter2"))
    result = runner.invoke(profile, ["show", "acme", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "hunter2" not in result.output
    assert "key: <literal secret hidden>" in result.output
    assert "transport.sftp.key: a literal secret is not allowed" in result.output


def test_show_unknown_profile(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(BASE)
    result = runner.invoke(profile, ["show", "zeta", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "no profile 'zeta' in " in result.output
    assert "(profiles: acme)" in result.output


def _response_json(tmp_path: Path) -> Path:
    doc = OrderResponse(number="SO-77", date=dt.date(2026, 11, 28), order_number="P00042",
                        status="accepted", lines=[ResponseLine("1", "rejected", unit="EA")])
    path = tmp_path / "855.json"
    path.write_text(json.dumps([document_to_dict(doc)]))
    return path


def test_try_with_canonical_json(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(BASE)
    doc = _response_json(tmp_path)
    result = run(runner, ["try", "acme", str(doc), "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("1 document under profile acme (dry run: nothing is written)\n")
    assert '"order_number": "P00042"' in out
    assert "[1] search purchase.order  our order 'P00042'" in out
    assert "[1] create mail.activity  line 1: ask a planner to act" in out
    js = json.loads(run(runner, ["try", "acme", str(doc), "--json", "--dir",
                                 str(tmp_path)]).output)
    assert js["documents"][0]["type"] == "order_response"
    assert js["operations"][0]["model"] == "res.partner"


def test_try_edi_file_needs_the_pipeline_glue(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(BASE)
    edi = tmp_path / "in.x12"
    edi.write_bytes(b"ISA*00*...~")
    result = runner.invoke(make_profile_group(), ["try", "acme", str(edi), "--dir",
                                                  str(tmp_path)])
    assert result.exit_code == 1
    assert "reads canonical JSON only" in result.output

    seen = []

    def to_documents(data: bytes):
        seen.append(data)
        return [OrderResponse(number="SO-1", date=dt.date(2026, 11, 28), order_number="P1",
                              status="accepted",
                              lines=[ResponseLine("1", "accepted", quantity=Decimal(1))])]

    group = make_profile_group(to_documents=to_documents)
    result = runner.invoke(group, ["try", "acme", str(edi), "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen == [b"ISA*00*...~"]
    assert "[1] search purchase.order  our order 'P1'" in result.output


def test_try_refuses_a_broken_profile_and_reports_unusable_documents(runner, tmp_path):
    (tmp_path / "acme.yaml").write_text(BASE.replace("version: \"004010\"", "version: 4010"))
    doc = _response_json(tmp_path)
    result = runner.invoke(profile, ["try", "acme", str(doc), "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "profile acme has errors; fix them first" in result.output
    (tmp_path / "acme.yaml").write_text(BASE.replace("EA: uom", "PCE: uom"))
    result = runner.invoke(profile, ["try", "acme", str(doc), "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "[1] error: line 1: unit 'EA' has no entry in code_maps.units" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "invoice", "content": {}}')
    result = runner.invoke(profile, ["try", "acme", str(bad), "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "unknown document type 'invoice'" in result.output


def test_try_an_x12_file_through_the_pipeline(runner, tmp_path, corpus_dir):
    text = (BASE.replace('isa_qualifier: "ZZ"\n    isa_id: ACMEPARTS',
                         'isa_qualifier: "01"\n    isa_id: TMMC')
            .replace('isa_qualifier: "ZZ"\n    isa_id: OURCO',
                     'isa_qualifier: "ZZ"\n    isa_id: 208781609-SHRAA'))
    (tmp_path / "acme.yaml").write_text(text)
    sample = corpus_dir / "x12/stupidedi/004010_PR855_pass_1.edi"
    result = runner.invoke(profile, ["try", "acme", str(sample), "--json", "--dir",
                                     str(tmp_path)])
    data = json.loads(result.output)
    assert data["documents"][0]["type"] == "order_response"
    assert data["documents"][0]["content"]["order_number"] == "1D711419"
    assert any(op["model"] == "purchase.order" for op in data["operations"])
