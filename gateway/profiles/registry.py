"""A directory of partner profiles that follows edits while the gateway runs.

``ProfileRegistry(directory).refresh()`` is cheap enough to call on every
poll: it stats each ``*.yaml`` file and only reads files whose size, mtime or
inode changed, and only re-checks files whose content hash changed.  A changed
file that fails its checks (alone or against the other profiles in force) is
refused: the last good version stays in force and the problems are reported in
the returned ``RefreshReport`` and in ``problems`` until the file is fixed.
A deleted file removes its profile.  Readers get immutable snapshots, so a
refresh never changes a mapping someone is iterating.
"""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping, Optional

from gateway.profiles.checks import CheckResult, check_bytes, check_set
from gateway.profiles.identity import Channel, InboundEnvelope, Resolution, resolve
from gateway.profiles.model import Profile
from gateway.profiles.problems import Problem

PROFILE_SUFFIXES = (".yaml", ".yml")


def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


@dataclass(frozen=True)
class RefreshReport:
    loaded: tuple[str, ...] = ()  # new profiles now in force
    reloaded: tuple[str, ...] = ()  # changed profiles now in force
    removed: tuple[str, ...] = ()  # profiles whose file disappeared
    refused: tuple[tuple[str, tuple[Problem, ...]], ...] = ()  # (file, problems); old version kept
    warnings: tuple[Problem, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.reloaded or self.removed or self.refused)


@dataclass(frozen=True)
class _Entry:
    signature: tuple[int, int, int]  # (mtime_ns, size, inode)
    digest: str  # of the content last checked
    good: Optional[CheckResult]  # version in force (None if never good)
    refused: tuple[Problem, ...] = ()  # problems of the current content when refused


class ProfileRegistry:
    def __init__(self, directory: Path, *, env: Optional[Mapping[str, str]] = None,
                 clock: Callable[[], _dt.datetime] = _utcnow) -> None:
        self.directory = Path(directory)
        self._env = env if env is not None else os.environ
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._profiles: Mapping[str, Profile] = MappingProxyType({})

    # ----------------------------------------------------------------- reading

    @property
    def profiles(self) -> Mapping[str, Profile]:
        """Profiles in force, by name (an immutable snapshot)."""
        return self._profiles

    def get(self, name: str) -> Optional[Profile]:
        return self._profiles.get(name)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Outstanding problems of refused files (their last good version is in force)."""
        out: list[Problem] = []
        for entry in self._entries.values():
            out.extend(entry.refused)
        return tuple(out)

    def resolve(self, envelope: InboundEnvelope, channel: Optional[Channel] = None) -> Resolution:
        return resolve(self._profiles.values(), envelope, channel)

    # ----------------------------------------------------------------- refreshing

    def _scan(self) -> dict[str, tuple[int, int, int]]:
        found: dict[str, tuple[int, int, int]] = {}
        try:
            with os.scandir(self.directory) as it:
                for item in it:
                    if not item.name.endswith(PROFILE_SUFFIXES) or item.name.startswith("."):
                        continue
                    try:
                        st = item.stat()
                    except OSError:
                        continue
                    if not os.path.isfile(item.path):
                        continue
                    found[item.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            pass
        return found

    def refresh(self) -> RefreshReport:
        now = self._clock()
        found = self._scan()
        entries = dict(self._entries)
        loaded: list[str] = []
        reloaded: list[str] = []
        removed: list[str] = []
        refused: list[tuple[str, tuple[Problem, ...]]] = []
        warnings: list[Problem] = []

        for path in sorted(set(entries) - set(found)):
            old = entries.pop(path)
            if old.good is not None and old.good.profile is not None:
                removed.append(old.good.profile.name)

        for path in sorted(found):
            sig = found[path]
            old = entries.get(path)
            if old is not None and old.signature == sig:
                continue
            try:
                raw = Path(path).read_bytes()
            except OSError as exc:
                problem = Problem(path, 1, 1, "", f"cannot read the profile ({exc.strerror})",
                                  "check the file's permissions")
                entries[path] = _Entry(sig, "", old.good if old else None, (problem,))
                refused.append((path, (problem,)))
                continue
            result = check_bytes(raw, Path(path), env=self._env, now=now, display=path)
            if old is not None and old.digest == result.digest:
                entries[path] = _Entry(sig, old.digest, old.good, old.refused)
                continue
            problems: tuple[Problem, ...] = result.problems
            if result.ok:
                others = [e.good for p, e in entries.items()
                          if p != path and e.good is not None]
                cross = [p for p in check_set(others + [result]) if p.file == path]
                problems = problems + tuple(cross)
            errors = tuple(p for p in problems if p.is_error)
            if errors:
                entries[path] = _Entry(sig, result.digest, old.good if old else None, problems)
                refused.append((path, problems))
                continue
            warnings.extend(problems)
            entries[path] = _Entry(sig, result.digest, result)
            assert result.profile is not None
            (reloaded if old is not None and old.good is not None else loaded).append(
                result.profile.name)

        self._entries = entries
        self._profiles = MappingProxyType({
            e.good.profile.name: e.good.profile for e in entries.values()
            if e.good is not None and e.good.profile is not None})
        return RefreshReport(tuple(loaded), tuple(reloaded), tuple(removed), tuple(refused),
                             tuple(warnings))
