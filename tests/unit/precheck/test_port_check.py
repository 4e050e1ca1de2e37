"""The precheck's port script, on real sockets on loopback: listen, probe, stop."""

from __future__ import annotations

import json
import pathlib
import socket
import subprocess
import sys
import time

SCRIPT = pathlib.Path(__file__).parents[3] / "roles/seedcore_precheck/files/port_check.py"


def run(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    for sock in socks:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in socks]
    for sock in socks:
        sock.close()
    return ports


def test_listen_probe_stop() -> None:
    first, second, never = free_ports(3)
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", second))
        busy.listen()
        listening = run("listen", "--seconds", "60", str(first), str(second))
    assert listening["listening"] == [first]
    assert listening["in_use"] == [second]
    assert listening["pid"] > 0
    targets = [f"127.0.0.1:{first}", f"127.0.0.1:{never}"]
    assert run("probe", "--timeout", "1", *targets) == {"closed": [f"127.0.0.1:{never}"]}
    assert run("stop", str(listening["pid"])) == {"stopped": listening["pid"]}
    deadline = time.monotonic() + 5
    while run("probe", "--timeout", "1", targets[0])["closed"] != targets[:1]:
        assert time.monotonic() < deadline, "the listener did not stop"
        time.sleep(0.1)


def test_stop_leaves_other_processes_alone() -> None:
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as other:
        try:
            assert run("stop", str(other.pid)) == {"stopped": None}
            assert other.poll() is None
        finally:
            other.kill()


def test_listen_with_every_port_taken_starts_nothing() -> None:
    (port,) = free_ports(1)
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", port))
        busy.listen()
        assert run("listen", "--seconds", "5", str(port)) == {
            "listening": [],
            "in_use": [port],
            "pid": 0,
        }
