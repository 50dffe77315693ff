"""Package list and optional native speed-ups: everything else is in setup.cfg.

The transports live in the folder ``mailbox/`` (the layout the project keeps) but install
as the package ``edi_mailbox``: the standard library already has a module named
``mailbox``, which would win over ours whenever the checkout is not first on sys.path.

Two kinds of optional native code, both with the pure Python they replace still in place:

* every ``translators/**/_c_*.c`` file is built as a C extension of the same dotted name
  (each has a pure-Python twin; the tests check both give the same results); the
  ``translators/**/_c_*.h`` headers hold what several of them share;
* the hot translator modules listed in ``translators/_native.py`` are compiled with mypyc
  (a build requirement in pyproject.toml).  The sha256 of each compiled source goes to
  ``translators/_native_build.json``; at import the package uses the compiled modules only
  while every source still has that hash, so an edited source is never shadowed by a stale
  build.  ``EDI_GATEWAY_NO_MYPYC=1`` at install time skips the compilation.

Optional means a machine without a compiler (or without mypyc) still installs and runs.
"""
import importlib.util
import json
import os
import sys
from pathlib import Path

from setuptools import Extension, find_packages, setup

packages = find_packages(include=["gateway", "gateway.*", "translators", "translators.*"])
packages += ["edi_mailbox"] + ["edi_mailbox." + name for name in find_packages("mailbox")]

here = Path(__file__).parent
headers = [str(path.relative_to(here)) for path in sorted((here / "translators").rglob("_c_*.h"))]
extensions = [
    Extension(".".join(path.relative_to(here).with_suffix("").parts), [str(path.relative_to(here))],
              optional=True, extra_compile_args=["-O2"], depends=headers)
    for path in sorted((here / "translators").rglob("_c_*.c"))
]


def load_native():  # type: ignore[no-untyped-def]
    """translators/_native.py (standard library only) loaded by path: the package itself is
    not importable before it is built."""
    spec = importlib.util.spec_from_file_location("_edi_native_for_setup",
                                                  here / "translators" / "_native.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mypyc_extensions() -> list:
    native = load_native()
    root = here / "translators"
    build_file = root / native.BUILD_FILE
    commands = set(sys.argv[1:])
    if not commands & {"build", "build_ext", "build_py", "install", "develop", "bdist_wheel",
                       "editable_wheel", "bdist"}:
        return []  # egg_info, sdist, --version ...: nothing built, the last build stands
    if build_file.exists():
        build_file.unlink()  # written again only if this build compiles
    if os.environ.get("EDI_GATEWAY_NO_MYPYC", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("setup.py: mypyc not available; translators stay pure Python", file=sys.stderr)
        return []
    names = native.MODULES
    sources = [str(native.source_path(n, root).relative_to(here)) for n in names]
    try:
        exts = mypycify(sources + ["--ignore-missing-imports", "--follow-imports=silent"], opt_level="3",
                        group_name="translators._native")
    except (Exception, SystemExit) as exc:  # a type error or mypyc failure: still install
        print(f"setup.py: mypyc failed ({exc}); translators stay pure Python", file=sys.stderr)
        return []
    for ext in exts:
        ext.optional = True
    build_file.write_text(json.dumps({"sources": {
        n: native.digest(native.source_path(n, root)) for n in names}},
        indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return exts


setup(packages=packages, package_dir={"edi_mailbox": "mailbox"},
      ext_modules=extensions + mypyc_extensions())
