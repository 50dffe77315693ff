"""The mypyc-compiled translator modules (translators/_native.py).

* ``decide()`` uses the compiled modules only when every listed source still has the hash it
  was compiled from and every extension exists; anything else falls back to the sources.
* Compiled and pure translators give identical translate JSON, findings and acknowledgments on
  the whole corpus and on generated interchanges of every type (run in two child processes,
  one with ``EDI_GATEWAY_PURE=1``).
* With ``EDI_GATEWAY_REQUIRE_NATIVE=1`` (set by .ci/run) a build that silently fell back to
  pure Python fails the suite instead of only being slower.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import pathlib
import subprocess
import sys

import pytest

from translators import _native

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _fake_tree(tmp_path: pathlib.Path, compiled: bool = True) -> pathlib.Path:
    root = tmp_path / "translators"
    hashes = {}
    for name in _native.MODULES:  # packages first: source_path() looks for their folder
        if any(other.startswith(name + ".") for other in _native.MODULES):
            root.joinpath(*name.split(".")[1:]).mkdir(parents=True, exist_ok=True)
    for name in _native.MODULES:
        src = _native.source_path(name, root)
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(f"# {name}\n", encoding="utf-8")
        hashes[name] = hashlib.sha256(src.read_bytes()).hexdigest()
        if compiled:
            stem = "__init__" if src.name == "__init__.py" else src.stem
            (src.parent / (stem + importlib.machinery.EXTENSION_SUFFIXES[0])).write_bytes(b"")
    (root / _native.BUILD_FILE).write_text(json.dumps({"sources": hashes}), encoding="utf-8")
    return root


def test_decide_uses_a_matching_build(tmp_path: pathlib.Path) -> None:
    root = _fake_tree(tmp_path)
    assert _native.decide(root, {}) == (True, "compiled modules match their sources")


def test_decide_pure_when_forced(tmp_path: pathlib.Path) -> None:
    root = _fake_tree(tmp_path)
    use, why = _native.decide(root, {"EDI_GATEWAY_PURE": "1"})
    assert not use and "EDI_GATEWAY_PURE" in why
    assert _native.decide(root, {"EDI_GATEWAY_PURE": "0"})[0]


def test_decide_pure_when_a_source_changed(tmp_path: pathlib.Path) -> None:
    root = _fake_tree(tmp_path)
    src = _native.source_path("translators.x12.validator", root)
    src.write_text("# edited after the build\n", encoding="utf-8")
    use, why = _native.decide(root, {})
    assert not use and "validator.py changed since it was compiled" in why


def test_decide_pure_when_an_extension_is_missing(tmp_path: pathlib.Path) -> None:
    root = _fake_tree(tmp_path)
    src = _native.source_path("translators.x12.mapping", root)  # a package: __init__.<ext>
    ext = src.parent / ("__init__" + importlib.machinery.EXTENSION_SUFFIXES[0])
    ext.unlink()
    use, why = _native.decide(root, {})
    assert not use and "translators.x12.mapping was not compiled" in why


def test_decide_pure_without_or_with_a_broken_build_file(tmp_path: pathlib.Path) -> None:
    root = _fake_tree(tmp_path)
    build = root / _native.BUILD_FILE
    build.write_text("{not json", encoding="utf-8")
    assert _native.decide(root, {})[0] is False
    build.write_text(json.dumps({"sources": {"translators.canonical": "0" * 64}}),
                     encoding="utf-8")
    use, why = _native.decide(root, {})
    assert not use and "differs from MODULES" in why
    build.unlink()
    assert _native.decide(root, {}) == (False, "not compiled (no mypyc at install time)")
    assert _native.decide(_fake_tree(tmp_path / "b", compiled=False), {})[0] is False


def test_sources_finder_imports_py_files(tmp_path: pathlib.Path) -> None:
    root = _fake_tree(tmp_path, compiled=False)
    finder = _native._SourceFinder(_native.MODULES, root)
    spec = finder.find_spec("translators.x12.mapping")
    assert spec is not None and spec.origin == str(root / "x12" / "mapping" / "__init__.py")
    assert spec.submodule_search_locations == [str(root / "x12" / "mapping")]
    spec = finder.find_spec("translators.x12.reader")
    assert spec is not None and spec.origin == str(root / "x12" / "reader.py")
    assert finder.find_spec("translators.x12.schema") is None  # not listed: normal import


def test_required_native_build_is_in_use() -> None:
    if os.environ.get("EDI_GATEWAY_REQUIRE_NATIVE", "") in ("", "0"):
        pytest.skip("EDI_GATEWAY_REQUIRE_NATIVE not set (.ci/run sets it)")
    if os.environ.get("EDI_GATEWAY_PURE", "") not in ("", "0"):
        pytest.skip("EDI_GATEWAY_PURE is set")
    assert _native.STATE[0], f"compiled translators not in use: {_native.STATE[1]}"


# --------------------------------------------------------------------------- compiled == pure

_CHILD = r"""
import io, json, sys, os
sys.path.insert(0, sys.argv[1])
from translators import _native, pipeline
from bench import data
import datetime, types
from translators.x12 import acks, serialize as x12_serialize
from translators.edifact import serialize as edifact_serialize

# Acknowledgments carry the time they are made: the two children must not straddle a minute.
class _Fixed(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(2026, 12, 4, 9, 30, tzinfo=tz)

_clock = types.SimpleNamespace(**{k: getattr(datetime, k) for k in dir(datetime) if not k.startswith("__")})
_clock.datetime = _Fixed
for module in (acks, x12_serialize, edifact_serialize):
    module._dt = _clock

def run(name, raw):
    out = {"translate": [], "validate": []}
    for item in pipeline.translate(io.BytesIO(raw)):
        d = item.to_json()
        d["errors"] = [(f.field, f.code, f.message, repr(f.position), f.severity)
                       for f in item.findings]
        out["translate"].append(d)
    report = pipeline.ValidationReport()
    for r in pipeline.validate(io.BytesIO(raw), acks=True, report=report):
        out["validate"].append(r.to_json() if isinstance(r, pipeline.Ack) else
                               [(f.field, f.code, f.message) for f in r.findings])
    out["valid"] = report.valid
    return out

results = {"state": _native.STATE[0]}
for path in sys.argv[3:]:
    with open(path, "rb") as fh:
        results[path] = run(path, fh.read())
for kind, gen in sorted(data.GENERATORS.items()):
    buf = io.BytesIO()
    gen(buf, int(sys.argv[2]))
    raw = buf.getvalue()
    results[kind] = run(kind, raw)
    # the same interchange with damage in the middle: findings and acks must agree too
    mid = len(raw) // 2
    results[kind + "-damaged"] = run(kind, raw[:mid] + b"X*\xff" + raw[mid + 7:])
print(json.dumps(results, sort_keys=True, default=str))
"""


def _child(env_extra: dict[str, str], files: list[str]) -> dict:
    env = dict(os.environ)
    env.pop("EDI_GATEWAY_PURE", None)
    env.update(env_extra)
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(60_000), *files],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_compiled_and_pure_translators_agree(corpus_dir: pathlib.Path) -> None:
    if not _native.STATE[0] and os.environ.get("EDI_GATEWAY_PURE", "") in ("", "0"):
        if os.environ.get("EDI_GATEWAY_REQUIRE_NATIVE", "") not in ("", "0"):
            pytest.fail(f"compiled translators not in use: {_native.STATE[1]}")
        pytest.skip(f"compiled translators not in use: {_native.STATE[1]}")
    files = sorted(str(p) for p in corpus_dir.rglob("*") if p.is_file()
                   and p.name not in ("MANIFEST.tsv", "README.md"))
    assert len(files) > 20
    compiled = _child({}, files)
    pure = _child({"EDI_GATEWAY_PURE": "1"}, files)
    assert compiled.pop("state") is True and pure.pop("state") is False
    assert compiled.keys() == pure.keys()
    for key in compiled:
        assert compiled[key] == pure[key], key
    texts = json.dumps(compiled)
    assert "261204:0930" in texts and "*261204*0930*" in texts  # the pinned clock made the acks
    # the comparison is not vacuous: documents were translated and damage was found
    assert any(d.get("content") for d in compiled["x12-856"]["translate"])
    assert compiled["x12-850-damaged"]["valid"] is False


# --------------------------------------------------------------------------- operators are told

def _cli(args: list[str], env_extra: dict[str, str], cwd: pathlib.Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("EDI_GATEWAY_PURE", None)
    env.update(env_extra)
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


def test_version_and_run_say_when_translators_are_not_compiled(tmp_path: pathlib.Path) -> None:
    out = _cli(["--version"], {"EDI_GATEWAY_PURE": "1"}, tmp_path)
    assert out.returncode == 0
    assert "(translators: Python sources, EDI_GATEWAY_PURE is set)" in out.stdout
    run = _cli(["run", "--until-idle", "--home", str(tmp_path / "home")],
               {"EDI_GATEWAY_PURE": "1"}, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "note: translators run as Python sources, about half as fast: EDI_GATEWAY_PURE is set" \
        in run.stderr
    if _native.STATE[0]:
        out = _cli(["--version"], {}, tmp_path)
        assert "(translators: compiled)" in out.stdout


def _canonical_from_source(name: str = "translators.canonical"):  # type: ignore[no-untyped-def]
    import importlib.util
    spec = importlib.util.spec_from_file_location("_" + name.replace(".", "_") + "_as_source",
                                                  _native.source_path(name))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_canonical_field_types_survive_compilation() -> None:
    """The JSON reader and writer need the model's field types; compiled classes keep only
    erased annotations, so canonical._hints reads them from the source.  They must equal
    what Python itself gives for the pure module."""
    import dataclasses
    import typing

    from translators import canonical
    pure = _canonical_from_source()
    classes = [c for c in vars(canonical).values()
               if isinstance(c, type) and dataclasses.is_dataclass(c)
               and c.__module__ == canonical.__name__]
    assert len(classes) >= 15
    for cls in classes:
        ours = {k: repr(v).replace("translators.canonical.", "")
                for k, v in canonical._hints(cls).items()}
        python = {k: repr(v).replace("_translators_canonical_as_source.", "")
                  for k, v in typing.get_type_hints(getattr(pure, cls.__name__),
                                                    globalns=vars(pure)).items()}
        assert ours == python, cls.__name__


@pytest.mark.parametrize("name, expected", [
    ("translators.canonical", {"ProductId", "ShipItem", "Pack", "OrderLine", "Party", "PurchaseOrder",
                               "OrderResponse", "ShipNotice"}),
    ("translators.pipeline", {"Item"}),
])
def test_spelled_out_inits_match_the_fields(name: str, expected: set[str]) -> None:
    """canonical.py and pipeline.py write out __init__ for their hot classes (native when
    compiled): each must take exactly the dataclass fields, in order, with the same defaults,
    and give every list field a fresh list (checked on the source, whichever build is in use)."""
    import dataclasses
    import inspect

    import ast
    tree = ast.parse(_native.source_path(name).read_text(encoding="utf-8"))
    spelled = {node.name for node in tree.body if isinstance(node, ast.ClassDef)
               and any(isinstance(f, ast.FunctionDef) and f.name == "__init__" for f in node.body)}
    source = _canonical_from_source(name)
    checked = []
    for cls in [getattr(source, name) for name in sorted(spelled)]:
        if not dataclasses.is_dataclass(cls):
            continue  # e.g. the JSON reader's _Bad exception
        fields = dataclasses.fields(cls)
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        assert [p.name for p in params] == [f.name for f in fields], cls.__name__
        required = {}
        for p, f in zip(params, fields):
            if f.default_factory is not dataclasses.MISSING:
                assert p.default is None, (cls.__name__, f.name)
            elif f.default is not dataclasses.MISSING:
                assert p.default == f.default, (cls.__name__, f.name)
            else:
                assert p.default is inspect.Parameter.empty, (cls.__name__, f.name)
                required[f.name] = "x"
        a, b = cls(**required), cls(**required)
        for f in fields:
            value = getattr(a, f.name)
            if f.default_factory is not dataclasses.MISSING:
                assert value == [] and value is not getattr(b, f.name), (cls.__name__, f.name)
            else:
                assert value == required.get(f.name, f.default), (cls.__name__, f.name)
        checked.append(cls.__name__)
    assert expected <= set(checked), checked


def test_model_objects_copy_deepcopy_and_pickle() -> None:
    """The default protocol cannot recreate compiled classes (their __new__ runs the native
    __init__ without arguments): canonical._Model copies through the fields instead."""
    import copy
    import datetime
    import pickle
    from decimal import Decimal

    from translators import canonical
    item = canonical.ShipItem("1", Decimal("2.50"), "EA", [canonical.ProductId("gtin", "1")],
                              expiry_date=datetime.date(2027, 1, 1), serials=["S1"])
    pack = canonical.Pack("SSCC1", "CT", [item], [canonical.Pack("SSCC2")])
    twin = copy.deepcopy(pack)
    assert twin == pack and twin is not pack
    assert twin.items[0] is not item and twin.items[0].product_ids[0] is not item.product_ids[0]
    twin.items[0].serials.append("S2")
    twin.packs[0].sscc = "OTHER"
    assert item.serials == ["S1"] and pack.packs[0].sscc == "SSCC2"
    shallow = copy.copy(pack)
    assert shallow == pack and shallow.items is pack.items
    notice = canonical.ShipNotice("ASN1", datetime.date(2026, 12, 4), orders=[
        canonical.ShipmentOrder("PO1", packs=[pack])])
    assert pickle.loads(pickle.dumps(notice)) == notice
    assert canonical.to_dict(copy.deepcopy(notice)) == canonical.to_dict(notice)
