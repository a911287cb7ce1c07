"""A production-shape cluster on loopback for tests: gunicorn web nodes and `flask jobs worker` processes started
from the Procfile's own commands, on a PostgreSQL database of its own (migrated with `flask db upgrade` first) and
a Redis db of its own. Every process carries a marker (tests.cluster.processes), so all are killed at the end."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.cluster.processes import kill_marked, marked, new_tag

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET_KEY = "cluster-test-secret-key"
MASTER_KEY = "cluster-test-master-key"
PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def procfile_commands() -> dict[str, str]:
    """{process type: shell command} of the repository's Procfile (what `make cluster` runs)."""
    commands = {}
    for line in (PROJECT_ROOT / "Procfile").read_text().splitlines():
        match = PROCFILE_LINE.match(line)
        if match and not line.startswith("#"):
            commands[match.group(1)] = match.group(2)
    return commands


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Proc:
    """One process of the cluster: web node or job worker."""

    name: str
    process: subprocess.Popen
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole process group at once (a gunicorn master and its workers, mid-request)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Cluster:
    """Start, kill and restart nodes and workers; `env` is what every process gets."""

    tmp: Path
    database_url: str
    redis_url: str
    settings: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=new_tag)
    procs: list[Proc] = field(default_factory=list)
    ports: dict[str, int] = field(default_factory=dict)
    restarts: int = 0

    def __post_init__(self) -> None:
        self.commands = procfile_commands()
        self.ports = {"A": free_port(), "B": free_port()}
        self.env = marked({
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "APP_ENV": "development",
            "DATABASE_URL": self.database_url,
            "RATELIMIT_STORAGE_URI": self.redis_url,
            "SECRET_KEY": SECRET_KEY,
            "MASTER_KEY": MASTER_KEY,
            "SANDBOX_ENABLED": "1",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.ports['A']}",
            "INSTANCE_PATH": str(self.tmp / "instance"),
            "CLUSTER_RUN_DIR": str(self.tmp / "run"),
            "JOBS_EMBEDDED_WORKER": "0",
            "PYTHONUNBUFFERED": "1",
            **self.settings,
        }, self.tag)
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)

    @property
    def base_url(self) -> str:
        return self.env["PUBLIC_BASE_URL"]

    def flask(self, *args: str) -> str:
        done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=180)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _spawn(self, name: str, kind: str, port: int | None = None) -> Proc:
        log = self.tmp / f"{name}-{len(self.procs)}.log"
        env = {**self.env, **({"PORT": str(port)} if port else {})}
        with open(log, "wb") as output:
            process = subprocess.Popen(["/bin/sh", "-c", self.commands[kind]], cwd=PROJECT_ROOT, env=env,
                                       stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        proc = Proc(name, process, log, port)
        self.procs.append(proc)
        return proc

    def start_web(self, name: str, wait: bool = True) -> Proc:
        proc = self._spawn(f"web-{name}", "web", self.ports[name])
        if wait:
            self.wait_ready(proc)
        return proc

    def start_worker(self, name: str) -> Proc:
        return self._spawn(f"worker-{name}", "worker")

    def wait_ready(self, proc: Proc, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.output()}")
            try:
                if requests.get(f"{proc.url}/readyz", timeout=3).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{proc.name} not ready after {timeout:.0f} s:\n{proc.output()}")
            time.sleep(0.2)

    def web(self, name: str) -> Proc:
        """The live web node `name` (A or B)."""
        return next(p for p in reversed(self.procs) if p.name == f"web-{name}" and p.alive())

    def workers(self) -> list[Proc]:
        return [p for p in self.procs if p.name.startswith("worker-") and p.alive()]

    def restart_web(self, name: str) -> Proc:
        self.restarts += 1
        return self.start_web(name)

    def outputs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.output()[-4000:]}" for p in self.procs)

    def stop(self) -> None:
        """Graceful stop (SIGTERM to every group), then SIGKILL whatever carries the marker."""
        for proc in self.procs:
            if proc.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        kill_marked(self.tag)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.process.wait(timeout=5)
