"""Processes started by the production-shape tests carry a marker in their environment, so every one of them (even
those honcho or gunicorn started in sessions of their own) is found and killed at the end, whatever happened."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

MARKER = "WEBVIEW_TEST_PROCESS"


def new_tag() -> str:
    return uuid.uuid4().hex


def marked(env: dict, tag: str) -> dict:
    """`env` with the marker of this test's processes."""
    return {**env, MARKER: tag}


def marked_pids(tag: str) -> list[int]:
    """The live processes carrying the marker (zombies excluded)."""
    needle = f"{MARKER}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
        except OSError:
            continue
        found.append(int(entry.name))
    return found


def kill_marked(tag: str, grace_s: float = 0.0) -> int:
    """SIGTERM (when a grace period is given), then SIGKILL every marked process; returns how many were alive."""
    pids = marked_pids(tag)
    if grace_s and pids:
        for pid in pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while marked_pids(tag) and time.monotonic() < deadline:
            time.sleep(0.1)
    for pid in marked_pids(tag):
        _signal(pid, signal.SIGKILL)
    return len(pids)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
