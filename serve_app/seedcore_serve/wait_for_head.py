"""Wait until the Ray head answers, then exec the given command.

Usage::

    python -m seedcore_serve.wait_for_head --address HEAD:6379 \
        [--health-url http://HEAD:8265/api/gcs_healthz] -- ray start --address=HEAD:6379 --block

Every container start runs this first, so a worker restarted before (or while) the
head comes back waits instead of failing to join; the seed's wait_for_head.sh did
the same with bash's /dev/tcp. An open GCS port is not enough (the head accepts
connections before it serves), so the GCS health endpoint is checked too.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time

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


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m seedcore_serve.wait_for_head")
    parser.add_argument("--address", required=True, help="the head's GCS address, HOST:PORT")
    parser.add_argument("--health-url", help="a URL that must answer 200, e.g. /api/gcs_healthz")
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
    os.execvp(args.command[0], args.command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
