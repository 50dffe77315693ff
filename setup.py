"""Package list and optional native speed-ups: everything else is in setup.cfg.

The transports live in the folder ``mailbox/`` (the layout the project keeps) but install
as the package ``edi_mailbox``: the standard library already has a module named
``mailbox``, which would win over ours whenever the checkout is not first on sys.path.

Every ``translators/**/_c_*.c`` file is built as an optional C extension of the same
dotted name.  Optional means a machine without a compiler still installs: each such module
has a pure-Python twin that the code falls back to, and the tests check both give the
same results.
"""
from pathlib import Path

from setuptools import Extension, find_packages, setup

packages = find_packages(include=["gateway", "gateway.*", "translators", "translators.*"])
packages += ["edi_mailbox"] + ["edi_mailbox." + name for name in find_packages("mailbox")]

here = Path(__file__).parent
extensions = [
    Extension(".".join(path.relative_to(here).with_suffix("").parts), [str(path.relative_to(here))],
              optional=True, extra_compile_args=["-O2"])
    for path in sorted((here / "translators").rglob("_c_*.c"))
]

setup(packages=packages, package_dir={"edi_mailbox": "mailbox"}, ext_modules=extensions)
