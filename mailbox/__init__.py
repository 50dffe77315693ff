"""Transports (installed as ``edi_mailbox``): move bytes, know nothing of EDI syntax.

``build_mailbox(profile, ...)`` gives the partner's channel as a ``Mailbox``
(edi_mailbox.base): a local folder, an SFTP account or an AS2 partner.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

from edi_mailbox.base import Mailbox, SecurityHook


def build_mailbox(profile: Any, *, env: Mapping[str, str], base_dir: Optional[Path] = None,
                  security: Optional[SecurityHook] = None) -> Mailbox:
    kind = profile.transport.type
    settings = profile.transport.settings
    base = Path(base_dir) if base_dir is not None else Path(profile.source).parent
    if kind == "folder":
        from edi_mailbox.folder import FolderMailbox
        return FolderMailbox(profile.name, settings, security=security)
    if kind == "sftp":
        from edi_mailbox.sftp import SftpMailbox
        return SftpMailbox(profile.name, settings, env=env, base_dir=base, security=security)
    if kind == "as2":
        from edi_mailbox.as2.client import As2Mailbox
        return As2Mailbox(profile, env=env, base_dir=base)
    raise ValueError(f"profile {profile.name}: unknown transport type {kind!r}")
