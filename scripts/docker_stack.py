#!/usr/bin/env python3
"""Brings the compose deployment up with Docker on this machine and runs the deployment
tests against it, then tears it all down.

No registry can be reached here, so: a Docker engine of our own (its own data root and
socket, no bridge, no iptables); base images built with debootstrap and imported; the
service binaries built on the host (release, Swift runtime linked statically) and copied
into the images by the project's Dockerfile (BINARIES=prebuilt); every container on the
host network (deploy/compose.host.yaml), so traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".state" / "docker"
EXEC_ROOT = Path("/tmp/chat-docker-exec")  # short: unix socket paths are limited
SOCKET = STATE / "docker.sock"
PROJECT = "chatdocker"
SERVICES = ("gateway", "messages", "presence", "uploads")
# Debian's docker.io client: it has BuildKit built in (a newer client may want buildx).
DOCKER = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker"
ENV = {**os.environ, "PATH": f"/usr/bin:{os.environ.get('PATH', '')}", "DOCKER_HOST": f"unix://{SOCKET}", "DOCKER_BUILDKIT": "1",
       "JWT_SECRET": "docker-test-secret-0123456789abcdefghijklmnopqrstuvwxyz", "TURN_SECRET": "docker-test-turn-secret-0123456789",
       "LOG_LEVEL": "warning"}


def log(message: str) -> None:
    print(f"[docker] {message}", flush=True)


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=ENV, check=True, **kwargs)


COMPOSE = ["docker-compose", "-p", PROJECT, "-f", str(ROOT / "compose.yaml"), "-f", str(ROOT / "deploy" / "compose.host.yaml")]


def compose(*arguments: str, **kwargs) -> subprocess.CompletedProcess:
    return run(*COMPOSE, *arguments, **kwargs)


def start_engine() -> subprocess.Popen:
    STATE.mkdir(parents=True, exist_ok=True)
    EXEC_ROOT.mkdir(parents=True, exist_ok=True)
    daemon = subprocess.Popen(
        ["dockerd", "--data-root", str(STATE / "data"), "--exec-root", str(EXEC_ROOT), "--pidfile", str(STATE / "docker.pid"),
         "-H", f"unix://{SOCKET}", "--bridge=none", "--iptables=false", "--ip6tables=false"],
        stdout=open(STATE / "dockerd.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(100):
        if subprocess.run([DOCKER, "info"], env=ENV, capture_output=True).returncode == 0:
            log(f"engine up on {SOCKET}")
            return daemon
        if daemon.poll() is not None:
            sys.exit(f"dockerd exited; see {STATE / 'dockerd.log'}")
        time.sleep(0.2)
    sys.exit("dockerd did not come up")


def image_exists(name: str) -> bool:
    return subprocess.run([DOCKER, "image", "inspect", name], env=ENV, capture_output=True).returncode == 0


def base_image(name: str, packages: list[str], prepare: list[str] = ()) -> None:
    """A Debian bookworm image from debootstrap, made once and kept in the engine's data root."""
    if image_exists(name):
        return
    rootfs = STATE / f"rootfs-{name.replace(':', '-')}"
    shutil.rmtree(rootfs, ignore_errors=True)
    log(f"debootstrap for {name} (a minute)")
    run("debootstrap", "--variant=minbase", f"--include={','.join(packages)}", "bookworm", str(rootfs), "http://deb.debian.org/debian",
        stdout=subprocess.DEVNULL)
    for command in prepare:
        run("chroot", str(rootfs), "sh", "-c", command)
    for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
        shutil.rmtree(rootfs / leftover, ignore_errors=True)
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    run(DOCKER, "import", "-", name, stdin=tar.stdout, stdout=subprocess.DEVNULL)
    tar.wait()
    shutil.rmtree(rootfs, ignore_errors=True)
    log(f"imported {name}")


def build_images() -> None:
    log("building the services (release, static Swift runtime)")
    run("swift", "build", "-c", "release", "--static-swift-stdlib", cwd=ROOT)
    binaries = Path(subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--show-bin-path"], cwd=ROOT,
                                   capture_output=True, text=True, check=True).stdout.strip())
    context = STATE / "context"
    shutil.rmtree(context, ignore_errors=True)
    (context / "prebuilt").mkdir(parents=True)
    shutil.copy(ROOT / "Dockerfile", context / "Dockerfile")
    shutil.copytree(ROOT / "Web", context / "Web")  # the chat page, served by the gateway
    (context / "prebuilt" / "client").mkdir()
    shutil.copy(ROOT / ".state" / "client" / "socket.io.min.js", context / "prebuilt" / "client")
    for product in SERVICES:
        run("strip", "-o", str(context / "prebuilt" / product), str(binaries / product))  # the debug info stays on the host
    for service in SERVICES:
        run(DOCKER, "build", "--quiet", "--network=none", "-t", f"chat-{service}",
            "--build-arg", f"SERVICE={service}", "--build-arg", "BINARIES=prebuilt",
            "--build-arg", "RUNTIME_IMAGE=chat-base:bookworm", "--build-arg", "INSTALL_RUNTIME_PACKAGES=0",
            str(context), stdout=subprocess.DEVNULL)
        log(f"built chat-{service}")


def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready")


def main() -> int:
    daemon = start_engine()
    status = 1
    try:
        base_image("chat-base:bookworm", ["libhiredis0.14", "ca-certificates", "tzdata"])
        base_image("chat-infra:bookworm-2", ["postgresql-15", "redis-server", "redis-tools", "haproxy", "coturn", "ca-certificates"],
                   prepare=["mkdir -p /var/lib/postgresql/data && chown postgres:postgres /var/lib/postgresql/data && chmod 700 /var/lib/postgresql/data"])
        build_images()
        subprocess.run([*COMPOSE, "down", "-v", "--remove-orphans"], env=ENV, capture_output=True)
        log("compose up")
        compose("up", "-d", "--no-build")
        for port in (18081, 18082, 18083, 18091, 18092):
            wait_ready(f"http://127.0.0.1:{port}/readyz")
        wait_ready("http://127.0.0.1:18080/healthz")
        log("deployment ready: load balancer on http://127.0.0.1:18080")
        tests = subprocess.run([str(ROOT / ".state" / "venv" / "bin" / "python"), "-m", "pytest", str(ROOT / "Tests" / "e2e" / "docker"),
                                "-q", "-p", "no:cacheprovider", *sys.argv[1:]], env={**ENV, "CHAT_DOCKER": "1", "CHAT_COMPOSE": json.dumps(COMPOSE)}, cwd=ROOT)
        status = tests.returncode
    finally:
        if status != 0:
            with open(STATE / "compose.log", "w") as output:
                subprocess.run([*COMPOSE, "logs", "--no-color"], env=ENV, stdout=output, stderr=subprocess.STDOUT)
            log(f"logs in {STATE / 'compose.log'}")
        subprocess.run([*COMPOSE, "down", "-v", "--remove-orphans"], env=ENV, capture_output=True)
        daemon.terminate()
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            daemon.kill()
        log("engine stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())
