"""Wait until the Ray head answers, then run the given command.

Usage::

    python -m seedcore_serve.wait_for_head --address HEAD:6379 \
        [--health-url http://HEAD:8265/api/gcs_healthz] \
        [--session-url http://HEAD:8265/api/version] -- ray start --address=HEAD:6379 --block

Every container start runs this first, so a worker restarted before (or while) the
head comes back waits instead of failing to join; the seed's wait_for_head.sh did
the same with bash's /dev/tcp. An open GCS port is not enough (the head accepts
connections before it serves), so the GCS health endpoint is checked too.

Without --session-url the command replaces this process (exec). With it, the command
runs as a child and the head's session name is read every --interval seconds: a new
session means the head restarted as a new cluster (no GCS fault tolerance), in which
this node is dead; rather than wait for Ray's reconnect timeout (60 s by default), the
child is killed and this exits 1, so the restart policy brings the container back to
wait and join the new cluster at once. An unanswered read changes nothing: under GCS
fault tolerance the head returns with the same session and the node keeps serving.
SIGTERM and SIGINT are passed on to the child (Ray drains the node on SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from seedcore_serve.healthcheck import probe

LOG_PREFIX = "[wait_for_head]"


def split_address(address: str) -> tuple[str, int]:
    """Split 'host:port' into its parts, with an error naming what is allowed."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"head address {address!r} must be HOST:PORT with a port in 1-65535")
    return host, int(port)


def port_open(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def head_ready(host: str, port: int, health_url: str | None) -> tuple[bool, str]:
    if not port_open(host, port):
        return False, f"{host}:{port} not accepting connections"
    if health_url:
        healthy, detail = probe(health_url)
        if not healthy:
            return False, f"{health_url} answered {detail}"
    return True, "ready"


def wait(address: str, health_url: str | None, interval: float, timeout: float) -> bool:
    """Poll until the head is ready; False if timeout (seconds, 0 = forever) ran out."""
    host, port = split_address(address)
    started = time.monotonic()
    last_report = None
    print(f"{LOG_PREFIX} waiting for the Ray head at {address}", flush=True)
    while True:
        ready, detail = head_ready(host, port, health_url)
        elapsed = time.monotonic() - started
        if ready:
            print(f"{LOG_PREFIX} head ready after {elapsed:.1f}s", flush=True)
            return True
        if timeout and elapsed >= timeout:
            print(f"{LOG_PREFIX} gave up after {elapsed:.0f}s: {detail}", flush=True)
            return False
        if last_report is None or elapsed - last_report >= 30:
            print(f"{LOG_PREFIX} still waiting ({elapsed:.0f}s): {detail}", flush=True)
            last_report = elapsed
        time.sleep(interval)


def read_session(url: str, timeout: float = 3.0) -> str | None:
    """The head's session name from /api/version, or None if it cannot be read."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return str(json.loads(response.read())["session_name"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_watching_session(command: list[str], session_url: str, interval: float) -> int:
    """Run command as a child; kill it and return 1 if the head's session changes."""
    joined = None
    while joined is None:
        joined = read_session(session_url)
        if joined is None:
            time.sleep(interval)
    child = subprocess.Popen(command)

    def forward(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    print(f"{LOG_PREFIX} watching the head's session {joined}", flush=True)
    while True:
        try:
            return child.wait(timeout=interval)
        except subprocess.TimeoutExpired:
            pass
        session = read_session(session_url)
        if session is not None and session != joined:
            print(
                f"{LOG_PREFIX} the head is a new cluster (session {session}, joined {joined});"
                " restarting to join it",
                flush=True,
            )
            child.kill()
            child.wait()
            return 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m seedcore_serve.wait_for_head")
    parser.add_argument("--address", required=True, help="the head's GCS address, HOST:PORT")
    parser.add_argument("--health-url", help="a URL that must answer 200, e.g. /api/gcs_healthz")
    parser.add_argument(
        "--session-url", help="the head's /api/version: restart when its session changes"
    )
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=0.0, help="seconds; 0 waits forever")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to exec")
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("give the command to run after '--'")
    try:
        split_address(args.address)
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not wait(args.address, args.health_url, args.interval, args.timeout):
        return 1
    print(f"{LOG_PREFIX} launching: {' '.join(args.command)}", flush=True)
    if args.session_url:
        return run_watching_session(args.command, args.session_url, max(args.interval, 1.0))
    os.execvp(args.command[0], args.command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
