# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check that TCP ports are open between hosts. Standard library only.

``listen --seconds N PORT...`` binds each free port on every address, prints JSON
``{"listening": [...], "in_use": [...]}`` and returns at once, leaving a detached child
that accepts connections for N seconds and exits (``ansible.builtin.script`` has no
async). A port already in use is skipped: something (Ray from an earlier run) listens.

``probe --timeout T HOST:PORT...`` connects to each, in parallel, and prints JSON
``{"closed": [...]}`` with the ones that did not answer; it always exits 0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import pathlib
import selectors
import signal
import socket
import sys
import time


def _bind(port: int) -> socket.socket | None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Every address: the probes come from the other hosts.
        sock.bind(("0.0.0.0", port))  # noqa: S104
        sock.listen(128)
    except OSError:
        sock.close()
        return None
    sock.setblocking(False)
    return sock


def _serve(socks: list[socket.socket], seconds: float) -> None:
    selector = selectors.DefaultSelector()
    for sock in socks:
        selector.register(sock, selectors.EVENT_READ, "listener")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        for key, _events in selector.select(timeout=left):
            sock = key.fileobj
            try:
                if key.data == "listener":
                    conn, _peer = sock.accept()
                    conn.setblocking(False)
                    selector.register(conn, selectors.EVENT_READ, "conn")
                    continue
                data = sock.recv(1024)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            # Close only after the prober has: no TIME_WAIT left here on a port Ray binds next.
            if not data:
                selector.unregister(sock)
                sock.close()


def listen(ports: list[int], seconds: float) -> int:
    socks = {port: sock for port in ports if (sock := _bind(port)) is not None}
    child = os.fork() if socks else 0
    if socks and child == 0:
        # The child: leave the session and the caller's pipes, so the task can return.
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        _serve(list(socks.values()), seconds)
        os._exit(0)
    for sock in socks.values():
        sock.close()
    result = {"listening": sorted(socks), "in_use": sorted(set(ports) - set(socks)), "pid": child}
    print(json.dumps(result))
    return 0


def stop(pid: int) -> int:
    """End the listener `listen` started, so Ray can bind its ports at once; a pid that
    is gone or is not a listener of ours is left alone."""
    try:
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        cmdline = []
    ours = any(part.endswith(b"port_check.py") for part in cmdline) and b"listen" in cmdline
    if pid > 0 and ours:
        os.kill(pid, signal.SIGTERM)
    print(json.dumps({"stopped": pid if pid > 0 and ours else None}))
    return 0


def _answers(target: str, timeout: float) -> bool:
    host, _colon, port = target.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def probe(targets: list[str], timeout: float) -> int:
    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
        answers = list(pool.map(lambda target: _answers(target, timeout), targets))
    closed = [target for target, ok in zip(targets, answers, strict=True) if not ok]
    print(json.dumps({"closed": closed}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listen_cmd = commands.add_parser("listen", help="listen on the free ports for a while")
    listen_cmd.add_argument("--seconds", type=float, default=60)
    listen_cmd.add_argument("ports", nargs="+", type=int)
    probe_cmd = commands.add_parser("probe", help="report the HOST:PORT targets that do not answer")
    probe_cmd.add_argument("--timeout", type=float, default=3)
    probe_cmd.add_argument("targets", nargs="+")
    stop_cmd = commands.add_parser("stop", help="end the listener with this pid")
    stop_cmd.add_argument("pid", type=int)
    args = parser.parse_args(argv)
    if args.command == "listen":
        return listen(args.ports, args.seconds)
    if args.command == "stop":
        return stop(args.pid)
    return probe(args.targets, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
