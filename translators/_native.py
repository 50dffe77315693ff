"""Compiled translator modules (mypyc), used only when they match their sources.

The hot modules listed in ``MODULES`` are plain, type-annotated Python.  When
``pip install`` finds mypyc (it is a build requirement in pyproject.toml),
setup.py compiles them into C extensions that sit beside the sources and
writes ``_native_build.json``: the sha256 of every source it compiled.

Python's import system prefers an extension module over a ``.py`` file of the
same name, so a compiled module that no longer matches its edited source would
silently shadow it.  ``install()`` (called by ``translators/__init__.py``)
prevents that: unless every listed source still has the hash it was compiled
from and every extension is present, all of them are imported from their
``.py`` sources.  It is all or nothing because compiled modules call each
other directly, not through the import system.

``EDI_GATEWAY_PURE=1`` forces the Python sources (and the Python tokenizer,
see translators/x12/reader.py).  ``STATE`` says what was decided and why.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

#: The modules setup.py compiles (dotted names).  setup.py loads this file by path, before
#: the package can be imported: keep it to the standard library.
MODULES = (
    "translators.canonical",
    "translators.pipeline",
    "translators.x12.reader",
    "translators.x12.envelope",
    "translators.x12.validator",
    "translators.x12.mapping",
    "translators.x12.mapping.common",
    "translators.x12.mapping.po850",
    "translators.x12.mapping.po855",
    "translators.x12.mapping.sh856",
    "translators.x12.mapping.fa997",
    "translators.x12.adapter",
    "translators.edifact.reader",
    "translators.edifact.envelope",
    "translators.edifact.validator",
    "translators.edifact.mapping",
    "translators.edifact.mapping.common",
    "translators.edifact.mapping.orders",
    "translators.edifact.mapping.ordrsp",
    "translators.edifact.mapping.desadv",
)

BUILD_FILE = "_native_build.json"
ROOT = Path(__file__).resolve().parent  # translators/


def source_path(name: str, root: Path = ROOT) -> Path:
    """translators.x12.mapping -> <root>/x12/mapping/__init__.py; others -> .../name.py"""
    parts = name.split(".")[1:]
    base = root.joinpath(*parts)
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _extension(path: Path) -> Optional[Path]:
    stem = path.parent / path.stem if path.name != "__init__.py" else path.parent / "__init__"
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = stem.with_name(stem.name + suffix)
        if candidate.exists():
            return candidate
    return None


def decide(root: Path = ROOT, environ: Optional[dict[str, str]] = None) -> tuple[bool, str]:
    """(use the compiled modules?, why)."""
    env = os.environ if environ is None else environ
    if env.get("EDI_GATEWAY_PURE", "") not in ("", "0"):
        return False, "EDI_GATEWAY_PURE is set"
    build = root / BUILD_FILE
    if not build.exists():
        return False, "not compiled (no mypyc at install time)"
    try:
        recorded = json.loads(build.read_text(encoding="utf-8"))["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return False, f"{build.name} is unreadable: reinstall to rebuild"
    if sorted(recorded) != sorted(MODULES):
        return False, "the compiled module list differs from MODULES: reinstall to rebuild"
    for name in MODULES:
        path = source_path(name, root)
        if _extension(path) is None:
            return False, f"{name} was not compiled (build failed or was skipped)"
        try:
            if digest(path) != recorded[name]:
                return False, (f"{path.name} changed since it was compiled: using the Python "
                               "sources (pip install -e . rebuilds)")
        except OSError:
            return False, f"{path} is unreadable"
    return True, "compiled modules match their sources"


class _SourceFinder:
    """Meta-path finder that imports the listed modules from their .py files."""

    def __init__(self, names: Sequence[str], root: Path) -> None:
        self._paths = {name: source_path(name, root) for name in names}

    def find_spec(self, fullname: str, path: object = None, target: object = None
                  ) -> Optional[importlib.machinery.ModuleSpec]:
        src = self._paths.get(fullname)
        if src is None:
            return None
        if src.name == "__init__.py":
            return importlib.util.spec_from_file_location(
                fullname, src, submodule_search_locations=[str(src.parent)])
        return importlib.util.spec_from_file_location(fullname, src)


#: (compiled modules in use, reason); set by install().
STATE: tuple[bool, str] = (False, "not decided yet")


def install() -> tuple[bool, str]:
    global STATE  # set once at package import; read-only afterwards
    use, why = decide()
    if not use and not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder(MODULES, ROOT))
    STATE = (use, why)
    return STATE
