"""A real OpenSSH sshd for SFTP tests: its own host key, config, an authorized client key and a dedicated folder
(`internal-sftp -d`), on a free loopback port. Not a mock."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"


@dataclass
class SftpServer:
    host: str
    port: int
    user: str
    root: Path  # the folder the SFTP user lands in: OUTBOUND/, INBOUND/, ARCHIVED/
    client_key: str  # the private key our side uses (OpenSSH text)
    known_hosts: str  # the line our side registers
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _keygen(path: Path) -> None:
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sshd(base: Path) -> SftpServer:
    """Start sshd under `base`; raises when it does not come up within a few seconds."""
    base.mkdir(parents=True, exist_ok=True)
    _keygen(base / "host_ed25519")
    _keygen(base / "client_ed25519")
    (base / "authorized_keys").write_text((base / "client_ed25519.pub").read_text())
    root = base / "sftp"
    for folder in ("OUTBOUND", "INBOUND", "ARCHIVED"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    user = os.environ.get("USER") or __import__("pwd").getpwuid(os.geteuid()).pw_name
    port = _free_port()
    config = base / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {base / 'host_ed25519'}", f"PidFile {base / 'sshd.pid'}",
        f"AuthorizedKeysFile {base / 'authorized_keys'}", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "UsePAM no", "StrictModes no",
        "PermitRootLogin prohibit-password", "UseDNS no", f"AllowUsers {user}", "Subsystem sftp internal-sftp",
        f"ForceCommand internal-sftp -d {root}", "AllowTcpForwarding no", "X11Forwarding no", "LogLevel ERROR",
    ]) + "\n")
    subprocess.run([str(SSHD), "-t", "-f", str(config)], check=True, capture_output=True)
    process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {process.stderr.read().decode(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as probe:
                if probe.recv(4).startswith(b"SSH-"):
                    break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("sshd did not answer on its port")
    host_key = (base / "host_ed25519.pub").read_text().split()
    return SftpServer("127.0.0.1", port, user, root, (base / "client_ed25519").read_text(),
                      f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n", process)
