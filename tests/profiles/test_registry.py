"""ProfileRegistry: loading, reloading on change, refusing broken edits."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from gateway.profiles import registry as registry_module
from gateway.profiles.identity import InboundEnvelope, Resolved
from gateway.profiles.registry import ProfileRegistry

from profile_samples import BASE, NOW

_clock = itertools.count(1_700_000_000)


def put(path: Path, text: str) -> None:
    """Write and give the file a new mtime (same-second edits must still be noticed)."""
    path.write_text(text)
    t = next(_clock)
    os.utime(path, ns=(t * 10**9, t * 10**9))


def beta_text() -> str:
    return (BASE.replace("name: acme", "name: beta").replace("ACMEPARTS", "BETA")
            .replace("/srv/edi/acme/", "/srv/edi/beta/"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    put(tmp_path / "acme.yaml", BASE)
    put(tmp_path / "beta.yaml", beta_text())
    (tmp_path / "schema.json").write_text("{}")  # not a profile
    return tmp_path


def make(folder: Path) -> ProfileRegistry:
    return ProfileRegistry(folder, env={}, clock=lambda: NOW)


def test_initial_load(folder):
    reg = make(folder)
    report = reg.refresh()
    assert report.loaded == ("acme", "beta")
    assert sorted(reg.profiles) == ["acme", "beta"]
    assert reg.problems == ()
    assert isinstance(reg.resolve(InboundEnvelope("x12", "BETA", "OURCO", "ZZ", "ZZ")), Resolved)


def test_refresh_without_changes_reads_nothing(folder, monkeypatch):
    reg = make(folder)
    reg.refresh()
    calls = []
    real = registry_module.check_bytes
    monkeypatch.setattr(registry_module, "check_bytes",
                        lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    report = reg.refresh()
    assert not report.changed and calls == []
    # touching a file without changing it re-reads but does not reload
    os.utime(folder / "acme.yaml", ns=(next(_clock) * 10**9,) * 2)
    report = reg.refresh()
    assert not report.changed and len(calls) == 1


def test_good_edit_is_picked_up(folder):
    reg = make(folder)
    reg.refresh()
    before = reg.profiles
    put(folder / "acme.yaml", BASE.replace("partner_ref: ACME", "partner_ref: ACME-NEW"))
    report = reg.refresh()
    assert report.reloaded == ("acme",)
    assert reg.get("acme").erp.partner_ref == "ACME-NEW"
    assert before["acme"].erp.partner_ref == "ACME"  # old snapshots never change


def test_broken_edit_is_refused_and_last_good_version_stays(folder):
    reg = make(folder)
    reg.refresh()
    put(folder / "acme.yaml", BASE.replace("    direction: receive", "    direction: recieve"))
    report = reg.refresh()
    assert report.reloaded == () and len(report.refused) == 1
    path, problems = report.refused[0]
    assert path == str(folder / "acme.yaml")
    assert [str(p) for p in problems] == [
        f"{folder}/acme.yaml:14:16: documents.order_response.direction: unknown value 'recieve': "
        "did you mean 'receive'? (one of send, receive)"]
    assert reg.get("acme").documents["order_response"].direction == "receive"
    assert [str(p) for p in reg.problems] == [str(p) for p in problems]
    # polling again reports nothing new, the problem stays outstanding
    assert not reg.refresh().changed and len(reg.problems) == 1
    # the fix is picked up
    put(folder / "acme.yaml", BASE.replace("changes: apply", "changes: flag"))
    report = reg.refresh()
    assert report.reloaded == ("acme",) and reg.problems == ()
    assert reg.get("acme").documents["order_response"].changes == "flag"


def test_yaml_syntax_error_is_refused(folder):
    reg = make(folder)
    reg.refresh()
    put(folder / "acme.yaml", BASE + "  oops: [\n")
    report = reg.refresh()
    assert len(report.refused) == 1
    assert "YAML syntax error" in str(report.refused[0][1][0])
    assert reg.get("acme") is not None


def test_edit_creating_a_duplicate_identity_is_refused(folder):
    reg = make(folder)
    reg.refresh()
    put(folder / "beta.yaml", beta_text().replace("BETA", "ACMEPARTS"))
    report = reg.refresh()
    (path, problems), = report.refused
    assert path == str(folder / "beta.yaml")
    assert problems[0].message.startswith("duplicate identity: X12 identity ISA ZZ/ACMEPARTS")
    assert reg.get("beta").identities.partner.isa_id == "BETA"


def test_new_broken_file_is_not_in_force(folder):
    reg = make(folder)
    reg.refresh()
    put(folder / "gamma.yaml", "name: gamma\n")
    report = reg.refresh()
    assert [p for p, _ in report.refused] == [str(folder / "gamma.yaml")]
    assert "gamma" not in reg.profiles


def test_deleted_file_removes_profile(folder):
    reg = make(folder)
    reg.refresh()
    (folder / "beta.yaml").unlink()
    report = reg.refresh()
    assert report.removed == ("beta",)
    assert sorted(reg.profiles) == ["acme"]


def test_missing_directory_is_empty(tmp_path):
    reg = ProfileRegistry(tmp_path / "nope", env={}, clock=lambda: NOW)
    assert not reg.refresh().changed and reg.profiles == {}
