"""Package list: everything else is in setup.cfg.

The transports live in the folder ``mailbox/`` (the layout the project keeps) but install
as the package ``edi_mailbox``: the standard library already has a module named
``mailbox``, which would win over ours whenever the checkout is not first on sys.path.
"""
from setuptools import find_packages, setup

packages = find_packages(include=["gateway", "gateway.*", "translators", "translators.*"])
packages += ["edi_mailbox"] + ["edi_mailbox." + name for name in find_packages("mailbox")]

setup(packages=packages, package_dir={"edi_mailbox": "mailbox"})
