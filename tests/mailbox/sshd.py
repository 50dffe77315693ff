"""A real OpenSSH sshd for the SFTP tests: 127.0.0.1, free port, own host key and keys.

As root, sshd runs unprivileged as the system account ``edisftp`` (created once if missing,
password field ``*`` so sshd does not treat it as locked); otherwise as the current user.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"
ACCOUNT = "edisftp"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path: Path, kind: str) -> str:
    args = ["ssh-keygen", "-q", "-N", "", "-t", kind, "-f", str(path)]
    if kind == "rsa":
        args += ["-b", "2048"]
    subprocess.run(args, check=True)
    return Path(str(path) + ".pub").read_text().strip()


def _account() -> tuple[str, int, int]:
    if os.geteuid() != 0:
        pw = pwd.getpwuid(os.geteuid())
        return pw.pw_name, pw.pw_uid, pw.pw_gid
    try:
        pw = pwd.getpwnam(ACCOUNT)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", ACCOUNT], check=False)
        pw = pwd.getpwnam(ACCOUNT)
    subprocess.run(["usermod", "-p", "*", ACCOUNT], check=True)
    return pw.pw_name, pw.pw_uid, pw.pw_gid


class Sshd:
    def __init__(self) -> None:
        self.user, self.uid, self.gid = _account()
        self.dir = Path(tempfile.mkdtemp(prefix="edi-sshd-"))
        os.chmod(self.dir, 0o755)
        self.root = self.dir / "root"
        self.root.mkdir()
        self.port = free_port()
        keygen(self.dir / "host_ed25519", "ed25519")
        self.host_key = (self.dir / "host_ed25519.pub").read_text().split()[:2]
        self.host_key = " ".join(self.host_key)
        self.client_keys = {}
        auth = []
        for kind in ("ed25519", "rsa"):
            pub = keygen(self.dir / f"client_{kind}", kind)
            self.client_keys[kind] = (self.dir / f"client_{kind}").read_text()
            auth.append(pub)
        (self.dir / "authorized_keys").write_text("\n".join(auth) + "\n")
        (self.dir / "sshd_config").write_text(f"""\
Port {self.port}
ListenAddress 127.0.0.1
HostKey {self.dir}/host_ed25519
AuthorizedKeysFile {self.dir}/authorized_keys
PidFile {self.dir}/sshd.pid
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
Subsystem sftp internal-sftp
ForceCommand internal-sftp -d {self.root}
""")
        self._chown(self.dir)
        self.proc: subprocess.Popen | None = None
        self.start()

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            for p in [path, *path.rglob("*")]:
                os.lchown(p, self.uid, self.gid)

    def mkdir(self, rel: str) -> Path:
        p = self.root / rel.strip("/")
        p.mkdir(parents=True, exist_ok=True)
        self._chown(self.root)
        return p

    def put(self, rel: str, data: bytes, mtime: float | None = None) -> Path:
        p = self.root / rel.strip("/")
        p.write_bytes(data)
        if mtime is not None:
            os.utime(p, (mtime, mtime))
        self._chown(p)
        return p

    def start(self) -> None:
        cmd = [SSHD, "-D", "-e", "-f", str(self.dir / "sshd_config")]
        if os.geteuid() == 0:
            cmd = ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups"] + cmd
        self.log = open(self.dir / "sshd.log", "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError((self.dir / "sshd.log").read_text())
                time.sleep(0.05)
        raise RuntimeError("sshd did not start: " + (self.dir / "sshd.log").read_text())

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None
            self.log.close()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
