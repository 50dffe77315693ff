"""The example profiles in partner_profiles/ and the `profile new` template."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from gateway.profiles.checks import check_bytes, check_file, check_set, load_schema
from gateway.profiles.template import render_profile

from profile_samples import NOW, key_pem, make_cert

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "partner_profiles"
PLACEHOLDER = re.compile(r'(?<=: |- )"<fill in: [^"]*>"')
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICxnPZFMWj8bMuhJgzvKYXV4KqnLYc3rO31hlqJit0LL"


def test_published_schema_is_the_packaged_one():
    assert json.loads((EXAMPLES / "schema.json").read_text()) == load_schema()


def test_committed_examples_fail_only_for_unset_environment_variables():
    results = [check_file(p, env={}, now=NOW) for p in sorted(EXAMPLES.glob("*.yaml"))]
    assert [r.path.name for r in results] == ["acme-parts.yaml", "corner-shop.yaml",
                                              "nordwerk.yaml"]
    problems = [p for r in results for p in r.problems]
    assert [(Path(p.file).name, p.field) for p in problems] == [
        ("acme-parts.yaml", "transport.sftp.key"), ("nordwerk.yaml", "transport.as2.our_key")]
    assert all("environment variable" in p.message for p in problems)


def test_examples_pass_with_their_secrets(tmp_path, rsa_keys):
    folder = tmp_path / "partner_profiles"
    shutil.copytree(EXAMPLES, folder)
    # our example certificate has no committed key: issue a fresh pair for the test
    cert, key = make_cert("OURCO-AS2", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                          dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc), rsa_keys[1])
    (folder / "certs" / "our-as2.pem").write_bytes(cert)
    env = {"ACME_SFTP_KEY": "ssh key text", "OURCO_AS2_KEY": key_pem(key).decode()}
    results = [check_file(p, env=env, now=NOW) for p in sorted(folder.glob("*.yaml"))]
    assert [str(p) for r in results for p in r.problems] == []
    assert check_set(results) == []
    kinds = {r.profile.name: (r.profile.standard, r.profile.transport.type) for r in results}
    assert kinds == {"acme-parts": ("x12", "sftp"), "nordwerk": ("edifact", "as2"),
                     "corner-shop": ("x12", "folder")}


COMBOS = [(s, t) for s in ("x12", "edifact") for t in ("sftp", "as2", "folder")]


@pytest.mark.parametrize("standard,transport", COMBOS)
def test_template_problems_are_exactly_its_placeholders(standard, transport):
    text = render_profile("acme", standard, transport)
    result = check_bytes(text.encode(), Path("/p/acme.yaml"), env={}, now=NOW)
    placeholders = PLACEHOLDER.findall(text)
    assert placeholders
    assert len(result.problems) == len(placeholders)
    assert all(p.message == "placeholder not filled in" for p in result.problems)


def _explained_keys(standard: str, transport: str) -> set[str]:
    schema = load_schema()
    defs = schema["$defs"]
    keys = set(schema["properties"])
    keys |= set(defs["document"]["properties"])
    keys |= set(defs[f"{standard}Envelope"]["properties"])
    keys |= set(defs[f"{standard}Acks"]["properties"])
    keys |= set(defs[f"{standard}Identity"]["properties"])
    keys |= set(defs[transport]["properties"])
    if transport == "as2":
        keys |= set(defs["as2"]["properties"]["mdn"]["properties"])
    keys |= set(schema["properties"]["code_maps"]["properties"])
    keys |= set(schema["properties"]["schedule"]["properties"])
    keys |= set(schema["properties"]["erp"]["properties"])
    if standard == "x12":
        keys.discard("association")  # EDIFACT only; the check refuses it for X12
    return keys


@pytest.mark.parametrize("standard,transport", COMBOS)
def test_template_explains_every_option(standard, transport):
    text = render_profile("acme", standard, transport)
    missing = [k for k in sorted(_explained_keys(standard, transport))
               if not re.search(rf"^\s*#?\s*(- )?{k}:", text, re.M)]
    assert missing == []
    assert text.count("#") > 60  # it is a commented file


def _fill(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        hint = match.group(0)
        for needle, value in values.items():
            if needle in hint:
                return value
        raise AssertionError(f"no value for {hint}")
    return PLACEHOLDER.sub(one, text)


def test_filled_template_passes_check_for_sftp_and_as2(tmp_path, rsa_keys):
    common = {"Reference": "ACME", "ISA05": '"ZZ"', "ISA06": "ACMEPARTS", "ISA07": '"ZZ"',
              "ISA08": "OURCO", "UNB 0004": '"4001234000008"', "UNB 0010": '"4001234000015"'}
    sftp = render_profile("acme", "x12", "sftp")
    sftp = _fill(sftp, {**common, "SFTP server": "sftp.acme.example", "our account": "ourco",
                        "private key": "env:ACME_KEY", "ssh-keyscan": f'"{HOST_KEY}"'})
    result = check_bytes(sftp.encode(), tmp_path / "acme.yaml", env={"ACME_KEY": "k"}, now=NOW)
    assert [str(p) for p in result.problems] == []

    (tmp_path / "certs").mkdir()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    end = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    (tmp_path / "certs" / "acme.pem").write_bytes(make_cert("P", start, end, rsa_keys[0])[0])
    ours, key = make_cert("O", start, end, rsa_keys[1])
    (tmp_path / "certs" / "our-as2.pem").write_bytes(ours)
    as2 = render_profile("acme", "edifact", "as2")
    as2 = _fill(as2, {**common, "partner's AS2 ID": "ACME-AS2", "our AS2 ID": "OURCO-AS2",
                      "AS2 URL": "https://as2.acme.example/as2",
                      "partner's certificate": "certs/acme.pem",
                      "our certificate": "certs/our-as2.pem", "private key": "env:AS2_KEY"})
    result = check_bytes(as2.encode(), tmp_path / "acme.yaml",
                         env={"AS2_KEY": key_pem(key).decode()}, now=NOW)
    assert [str(p) for p in result.problems] == []
    assert yaml.safe_load(as2)["transport"]["as2"]["mdn"]["mode"] == "sync"
