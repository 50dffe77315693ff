"""SFTP transport: poll a partner's inbox and upload to its outbox over paramiko.

* The server's host key is pinned by the profile (``host_key``: one or more OpenSSH public key
  lines).  Anything else refuses the connection, calls the security hook and raises
  ``SecurityError(kind="host_key_mismatch")``; keys are never added automatically.
* Inbound: list, select ready files (``edi_mailbox.pickup``), download one at a time with size
  checks, hand to ``accept``; only after it returns move the remote file to ``archive``
  (unique name on a clash) or delete it.  A crash in between re-offers the file, ``accept``
  answers ``duplicate=True`` and the file is then moved.
* Outbound: upload as NAME+temporary_suffix, flush it to the server's disk
  (``fsync@openssh.com`` where the server offers it), verify size, rename to NAME, verify again.
"""
from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import socket
import stat as _stat
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence

import paramiko
from paramiko.sftp import CMD_EXTENDED
from cryptography.hazmat.primitives import serialization

from edi_mailbox.base import (
    Accept, InboundFile, PollReport, SecurityHook, SendResult, SourceChanged,
)
from edi_mailbox.pickup import DEFAULT_TEMPORARY_SUFFIXES, Entry, PickupTracker, UnsafeName, safe_name
from gateway.errors import GatewayError, PermanentError, SecurityError, TransientError
from gateway.profiles.model import SftpTransport
from gateway.profiles.secrets import SecretError, resolve

log = logging.getLogger(__name__)

_RSA_TYPES = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
CHUNK = 32768


def fingerprint(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def parse_pinned(text: str) -> list[tuple[str, bytes]]:
    """``host_key`` -> [(key type, key blob)]; accepts several lines, known_hosts style too."""
    keys = []
    for line in text.splitlines():
        parts = line.split()
        for i, token in enumerate(parts[:-1]):
            if token.startswith(("ssh-", "ecdsa-")):
                try:
                    blob = base64.b64decode(parts[i + 1], validate=True)
                except ValueError:
                    continue
                keys.append((token, blob))
                break
    if not keys:
        raise PermanentError(f"host_key {text[:40]!r} is not an OpenSSH public key line; "
                             "pin it as \"ssh-ed25519 AAAA...\" (ssh-keyscan -t ed25519 HOST)")
    return keys


def load_private_key(data: bytes, passphrase: Optional[bytes]) -> paramiko.PKey:
    """PEM or OpenSSH private key (RSA, Ed25519, ECDSA) -> paramiko key."""
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=passphrase)
        except ValueError as first:
            if b"OPENSSH PRIVATE KEY" in data:
                raise first
            loaded = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as exc:
        raise PermanentError(f"private key: {exc} (set or correct the passphrase reference)") from None
    except ValueError as exc:
        raise PermanentError(f"private key cannot be read: {exc}") from None
    text = loaded.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise PermanentError("private key type not supported (use RSA, Ed25519 or ECDSA)")


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class _ConnectionLost(Exception):
    pass


class SftpMailbox:
    def __init__(self, partner: str, settings: SftpTransport, *, env: Mapping[str, str],
                 base_dir: Path, security: Optional[SecurityHook] = None,
                 connect_timeout: float = 15.0, io_timeout: float = 60.0,
                 settle_seconds: float = 5.0, retries: int = 2, backoff: float = 0.5,
                 max_size: int = 256 * 1024 * 1024, spool_dir: Optional[Path] = None) -> None:
        self.partner = partner
        self.settings = settings
        self.channel = "sftp:" + settings.channel
        self._env, self._base_dir, self._security = env, base_dir, security
        self.connect_timeout, self.io_timeout = connect_timeout, io_timeout
        self.retries, self.backoff, self.max_size = retries, backoff, max_size
        #: where downloads wait for the engine to archive them (default: the system's temp dir)
        self.spool_dir = str(spool_dir) if spool_dir is not None else None
        self._pinned = parse_pinned(settings.host_key)
        suffixes = set(DEFAULT_TEMPORARY_SUFFIXES) | {settings.temporary_suffix}
        self.tracker = PickupTracker(temporary_suffixes=sorted(suffixes),
                                     settle_seconds=settle_seconds)
        self._transport: Optional[paramiko.Transport] = None
        self._sftp: Optional[paramiko.SFTPClient] = None

    # ------------------------------------------------------------------ connection
    def _where(self) -> str:
        s = self.settings
        return f"partner {self.partner}: sftp {s.user}@{s.host}:{s.port}"

    def _key(self) -> paramiko.PKey:
        try:
            data = resolve(self.settings.key, self._env, self._base_dir)
            phrase = (resolve(self.settings.passphrase, self._env, self._base_dir).strip()
                      if self.settings.passphrase else None)
        except SecretError as exc:
            raise PermanentError(f"{self._where()}: {exc}") from None
        try:
            return load_private_key(data, phrase)
        except PermanentError as exc:
            raise PermanentError(f"{self._where()}: {self.settings.key}: {exc}") from None

    def _mismatch(self, message: str) -> SecurityError:
        message = f"{self._where()}: {message}"
        log.error(message)
        if self._security is not None:
            self._security(self.partner, self.channel, message)
        return SecurityError(message, partner=self.partner, channel=self.channel,
                             kind="host_key_mismatch")

    def connect(self) -> paramiko.SFTPClient:
        if self._sftp is not None and self._transport is not None and self._transport.is_active():
            return self._sftp
        self.close()
        s = self.settings
        pkey = self._key()
        try:
            sock = socket.create_connection((s.host, s.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise TransientError(f"{self._where()}: cannot connect: {exc}") from None
        transport = paramiko.Transport(sock)
        try:
            transport.banner_timeout = transport.handshake_timeout = self.connect_timeout
            transport.auth_timeout = self.connect_timeout
            types: list[str] = []
            for kind, _ in self._pinned:
                types += _RSA_TYPES if kind == "ssh-rsa" else [kind]
            transport.get_security_options().key_types = [t for t in dict.fromkeys(types)
                                                          if t in transport.get_security_options().key_types]
            try:
                transport.start_client(timeout=self.connect_timeout)
            except paramiko.SSHException as exc:
                if "no acceptable host key" in str(exc):
                    raise self._mismatch("the server offers none of the pinned host key types "
                                         f"({', '.join(k for k, _ in self._pinned)})") from None
                raise TransientError(f"{self._where()}: SSH handshake failed: {exc}") from None
            server = transport.get_remote_server_key()
            blob = server.asbytes()
            if not any(blob == pinned for _, pinned in self._pinned):
                raise self._mismatch(
                    f"host key mismatch: server presented {server.get_name()} {fingerprint(blob)}, "
                    f"pinned {', '.join(k + ' ' + fingerprint(b) for k, b in self._pinned)}; "
                    "connection refused (update transport.sftp.host_key only if the partner "
                    "confirms a new key)")
            try:
                transport.auth_publickey(s.user, pkey)
            except paramiko.AuthenticationException as exc:
                raise PermanentError(
                    f"{self._where()}: the server refused our key {pkey.get_name()} "
                    f"{pkey.fingerprint} for user {s.user} ({exc}); give the partner our "
                    "public key or correct transport.sftp.key/user") from None
            sftp = paramiko.SFTPClient.from_transport(transport)
            sftp.get_channel().settimeout(self.io_timeout)
            transport.set_keepalive(30)
        except GatewayError:
            transport.close()
            raise
        except (paramiko.SSHException, OSError, EOFError) as exc:
            transport.close()
            raise TransientError(f"{self._where()}: connection failed: {exc}") from None
        self._transport, self._sftp = transport, sftp
        return sftp

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport = self._sftp = None

    def _lost(self, exc: BaseException) -> bool:
        if isinstance(exc, (EOFError, paramiko.SSHException, socket.timeout, ConnectionError)):
            return True
        return self._transport is None or not self._transport.is_active()

    def _with_retries(self, step):
        for attempt in range(self.retries + 1):
            sftp = self.connect()
            try:
                return step(sftp)
            except (OSError, EOFError, paramiko.SSHException) as exc:
                if not self._lost(exc):
                    raise
                self.close()
                if attempt == self.retries:
                    raise TransientError(f"{self._where()}: connection lost: {exc!r}") from None
                time.sleep(self.backoff * (2 ** attempt))

    # ------------------------------------------------------------------ inbound
    def poll(self, accept: Accept) -> PollReport:
        state = {"received": 0, "skipped": 0, "errors": []}
        self._with_retries(lambda sftp: self._poll_once(sftp, accept, state))
        return PollReport(self.partner, state["received"], state["skipped"],
                          tuple(dict.fromkeys(state["errors"])))

    def _poll_once(self, sftp: paramiko.SFTPClient, accept: Accept, state: dict) -> None:
        inbox = self.settings.inbox.rstrip("/") or "/"
        try:
            attrs = sftp.listdir_attr(inbox)
        except FileNotFoundError:
            raise PermanentError(f"{self._where()}: inbox {inbox} does not exist; correct "
                                 "transport.sftp.inbox in the profile") from None
        except PermissionError:
            raise PermanentError(f"{self._where()}: no permission to list inbox {inbox}") from None
        entries = [Entry(a.filename, a.st_size or 0, float(a.st_mtime or 0)) for a in attrs
                   if a.st_mode is not None and _stat.S_ISREG(a.st_mode)]
        sel = self.tracker.select(entries)
        state["skipped"] = len(sel.temporary) + len(sel.growing)
        for entry, reason in sel.unsafe:
            state["errors"].append(f"{self._where()}: {inbox}: {reason}")
        for entry in sel.ready:
            path = f"{inbox.rstrip('/')}/{entry.name}"
            if entry.size > self.max_size:
                state["errors"].append(f"{self._where()}: {path}: {entry.size} bytes exceeds "
                                       f"the limit of {self.max_size}; left in place")
                continue
            spool = self._download(sftp, path, entry, state)
            if spool is None:
                continue
            try:
                spool_path, digest = spool
                item = InboundFile(self.partner, self.channel, entry.name,
                                   meta={"remote_path": path, "size": str(entry.size),
                                         "mtime": str(int(entry.mtime))},
                                   path=spool_path, size=entry.size)
                try:
                    result = accept(item)
                except Exception as exc:  # the engine's failure: leave the file, report it
                    state["errors"].append(f"{self._where()}: {path}: not accepted, left in "
                                           f"place: {exc}")
                    if isinstance(exc, TransientError) and not isinstance(exc, SourceChanged):
                        return
                    continue
            finally:
                _unlink_quietly(spool[0])
            self._dispose(sftp, path, entry.name, digest)
            self.tracker.forget(entry.name)
            if not result.duplicate:
                state["received"] += 1

    def _download(self, sftp, path: str, entry: Entry, state: dict
                  ) -> Optional[tuple[str, str]]:
        """The remote file in a local spool file (memory does not grow with its size):
        (spool path, sha256 hex), or None when it vanished, is unreadable or changed."""
        fd, spool = tempfile.mkstemp(prefix=".edi-sftp-", suffix=".spool", dir=self.spool_dir)
        digest = hashlib.sha256()
        size = 0
        ok = False
        try:
            with os.fdopen(fd, "wb") as out:
                with sftp.open(path, "rb") as fh:
                    fh.prefetch(entry.size)
                    while True:
                        chunk = fh.read(CHUNK)
                        if not chunk:
                            break
                        size += len(chunk)
                        if size > entry.size:
                            break
                        digest.update(chunk)
                        out.write(chunk)
                after = sftp.lstat(path)
            if size != entry.size or after.st_size != entry.size or \
                    float(after.st_mtime or 0) != entry.mtime:
                state["errors"].append(f"{self._where()}: {path} changed during download "
                                       f"(listed {entry.size} bytes, read {size}, now "
                                       f"{after.st_size}); not accepted, retried next poll")
                self.tracker.forget(entry.name)
                return None
            ok = True
            return spool, digest.hexdigest()
        except FileNotFoundError:
            state["errors"].append(f"{self._where()}: {path} vanished during download; "
                                   "not accepted")
            return None
        except PermissionError as exc:
            state["errors"].append(f"{self._where()}: {path}: cannot read ({exc}); left in place")
            return None
        finally:
            if not ok:
                _unlink_quietly(spool)

    def _dispose(self, sftp, path: str, name: str, sha256: str) -> None:
        archive = self.settings.archive
        if archive is None:
            sftp.remove(path)
            return
        archive = archive.rstrip("/") or "/"
        try:
            sftp.stat(archive)
        except FileNotFoundError:
            try:
                sftp.mkdir(archive)
            except OSError:
                sftp.stat(archive)  # created concurrently; raises when it really failed
        target = f"{archive}/{name}"
        for attempt in range(5):
            try:
                sftp.lstat(target)
            except FileNotFoundError:
                try:
                    sftp.rename(path, target)  # OpenSSH: no-clobber (link + unlink)
                    return
                except OSError:
                    sftp.lstat(path)  # source gone -> FileNotFoundError propagates
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            digest = sha256[:8]
            target = f"{archive}/{name}.{stamp}-{digest}" + (f"-{attempt}" if attempt else "")
        raise PermanentError(f"{self._where()}: cannot move {path} to {archive}")

    # ------------------------------------------------------------------ outbound
    def send(self, name: str, data: bytes, meta: Mapping[str, str] | None = None) -> SendResult:
        try:
            safe_name(name)
        except UnsafeName as exc:
            raise PermanentError(f"{self._where()}: {exc}") from None
        outbox = self.settings.outbox.rstrip("/") or "/"
        final = f"{outbox}/{name}"
        temp = final + self.settings.temporary_suffix
        return self._with_retries(lambda sftp: self._send_once(sftp, final, temp, data))

    def _send_once(self, sftp, final: str, temp: str, data: bytes) -> SendResult:
        try:
            with sftp.open(temp, "wb") as fh:
                fh.set_pipelined(True)
                for i in range(0, len(data), CHUNK):
                    fh.write(data[i:i + CHUNK])
                fh.flush()
                remote_fsync(sftp, fh)
                if fh.stat().st_size != len(data):
                    raise TransientError(f"{self._where()}: {temp}: short upload")
            try:
                existing = sftp.lstat(final)
            except FileNotFoundError:
                existing = None
            if existing is not None:
                with sftp.open(final, "rb") as fh:
                    same = existing.st_size == len(data) and fh.read() == data
                if not same:
                    sftp.remove(temp)
                    raise PermanentError(f"{self._where()}: {final} already exists with other "
                                         "content (not collected by the partner); not overwritten")
            sftp.posix_rename(temp, final)
            size = sftp.stat(final).st_size
        except PermissionError as exc:
            raise PermanentError(f"{self._where()}: cannot write {temp}: {exc}") from None
        except FileNotFoundError:
            raise PermanentError(f"{self._where()}: outbox {final.rsplit('/', 1)[0]} does not "
                                 "exist; correct transport.sftp.outbox") from None
        if size != len(data):
            raise TransientError(f"{self._where()}: {final} has {size} bytes after upload, "
                                 f"expected {len(data)}")
        return SendResult(transport_id=final, size=size)


def remote_fsync(sftp: paramiko.SFTPClient, fh: paramiko.SFTPFile) -> bool:
    """Ask the server to fsync an open file (OpenSSH's ``fsync@openssh.com`` extension), so a
    crash of the partner's server after our rename cannot leave an empty or partial file
    under the final name.  False when the server does not offer the extension (then the
    rename alone orders nothing on its disk, as with any SFTP client)."""
    try:
        sftp._request(CMD_EXTENDED, "fsync@openssh.com", fh.handle)  # paramiko has no wrapper
    except IOError as exc:  # SSH_FX_OP_UNSUPPORTED / FAILURE from servers without it
        log.debug("fsync@openssh.com not available: %s", exc)
        return False
    return True


@dataclass(frozen=True)
class PartnerPoll:
    partner: str
    report: Optional[PollReport] = None
    error: Optional[str] = None  # set when the poll raised or did not finish in time


def poll_many(mailboxes: Sequence[SftpMailbox], accept: Accept, *, concurrency: int = 4,
              deadline: float = 120.0) -> dict[str, PartnerPoll]:
    """Poll every mailbox with at most ``concurrency`` at once; one failing or hanging
    partner is reported and does not hold up the others (each mailbox's own timeouts bound
    it; ``deadline`` seconds bounds the whole call)."""
    results: dict[str, PartnerPoll] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="sftp-poll")
    futures = {pool.submit(mb.poll, accept): mb for mb in mailboxes}
    done, pending = wait(futures, timeout=deadline)
    for fut, mb in futures.items():
        if fut in pending:
            fut.cancel()
            results[mb.partner] = PartnerPoll(mb.partner, error=f"partner {mb.partner}: poll did "
                                              f"not finish within {deadline}s")
            continue
        exc = fut.exception()
        if exc is None:
            results[mb.partner] = PartnerPoll(mb.partner, report=fut.result())
        else:
            results[mb.partner] = PartnerPoll(mb.partner, error=str(exc) or repr(exc))
    pool.shutdown(wait=False, cancel_futures=True)
    return results
