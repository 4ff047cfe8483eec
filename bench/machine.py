"""The machine a bench run measured: numbers only mean something next to this."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _os_name() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return platform.platform()


def _docker_versions(env: dict[str, str]) -> dict[str, str]:
    try:
        proc = subprocess.run(
            ["docker", "version", "--format", "{{.Client.Version}} {{.Server.Version}}"],
            env=env, capture_output=True, text=True, timeout=20, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": str(exc)}
    parts = proc.stdout.split()
    if proc.returncode != 0 or len(parts) != 2:
        return {"error": (proc.stderr.strip() or "docker version failed")[:200]}
    return {"client": parts[0], "server": parts[1]}


def _git_commit(repo: Path) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return None
    return proc.stdout.strip() or None


def describe(env: dict[str, str], repo: Path) -> dict[str, Any]:
    try:
        import PySide6

        pyside = PySide6.__version__
    except ImportError:
        pyside = None
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_gib": _ram_gib(),
        "os": _os_name(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pyside6": pyside,
        "docker": _docker_versions(env),
        "base_image": env.get("PIXEL_BASE_IMAGE"),
        "git_commit": _git_commit(repo),
    }


def one_line(m: dict[str, Any]) -> str:
    docker = m.get("docker") or {}
    dv = f"Docker {docker.get('server', '?')} (CLI {docker.get('client', '?')})"
    return (f"{m.get('nproc')} × {m.get('cpu_model')}, {m.get('ram_gib')} GiB RAM, {m.get('os')} "
            f"(kernel {m.get('kernel')}), {dv}, Python {m.get('python')}, PySide6 {m.get('pyside6')}")
