"""Secret references: ``env:NAME`` or ``file:PATH``; a literal secret is refused.

A profile never holds a password or key itself, only where to find it.
``parse_ref`` reads the reference; ``resolve`` fetches the value (from the
environment mapping it is given, or from the file, relative paths taken from
the profile's folder); ``check_ref`` returns why a reference cannot be
resolved, for ``profile check``.  Nothing here prints a secret value.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SecretError(ValueError):
    """A secret reference is malformed or cannot be resolved."""


@dataclass(frozen=True, slots=True)
class SecretRef:
    kind: str  # env | file
    target: str  # variable name or path as written

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"


def is_reference(value: object) -> bool:
    return isinstance(value, str) and (value.startswith("env:") or value.startswith("file:"))


def parse_ref(value: str) -> SecretRef:
    """``env:NAME`` / ``file:PATH`` -> SecretRef; anything else raises SecretError."""
    if value.startswith("env:"):
        name = value[4:]
        if not _ENV_NAME.match(name):
            raise SecretError(f"{name!r} is not an environment variable name")
        return SecretRef("env", name)
    if value.startswith("file:"):
        path = value[5:]
        if not path:
            raise SecretError("file: needs a path")
        return SecretRef("file", path)
    raise SecretError("a literal secret is not allowed")


def file_path(ref: SecretRef, base_dir: Path) -> Path:
    path = Path(os.path.expanduser(ref.target))
    return path if path.is_absolute() else base_dir / path


def check_ref(ref: SecretRef, env: Mapping[str, str], base_dir: Path) -> Optional[tuple[str, str]]:
    """None when the reference resolves; otherwise ``(problem, fix)``."""
    if ref.kind == "env":
        if ref.target not in env:
            return (f"environment variable {ref.target} is not set",
                    f"set {ref.target} in the gateway's environment (e.g. in its systemd unit), "
                    "or use file:PATH")
        if env[ref.target] == "":
            return (f"environment variable {ref.target} is empty",
                    f"put the secret into {ref.target}")
        return None
    path = file_path(ref, base_dir)
    if path.is_dir():
        return (f"{path} is a directory, not a file",
                "point file: at the file that holds the secret")
    if not path.is_file():
        return (f"file {path} does not exist",
                "create it or correct the path (relative paths start at the profile's folder)")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        return (f"file {path} is not readable ({exc.strerror})",
                "give the gateway's user read access to it (chmod 600, owned by that user)")
    return None


def resolve(ref: SecretRef, env: Mapping[str, str], base_dir: Path) -> bytes:
    """The secret's bytes; raises SecretError naming the reference, never the value."""
    problem = check_ref(ref, env, base_dir)
    if problem is not None:
        raise SecretError(f"{ref}: {problem[0]}")
    if ref.kind == "env":
        return env[ref.target].encode("utf-8")
    try:
        return file_path(ref, base_dir).read_bytes()
    except OSError as exc:
        raise SecretError(f"{ref}: {exc.strerror}") from None
