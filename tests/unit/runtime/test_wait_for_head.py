"""wait_for_head against real sockets on loopback."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from seedcore_serve import wait_for_head


@pytest.mark.parametrize(
    ("address", "expected"),
    [("head:6379", ("head", 6379)), ("10.0.0.5:1", ("10.0.0.5", 1))],
)
def test_split_address(address: str, expected: tuple[str, int]) -> None:
    assert wait_for_head.split_address(address) == expected


@pytest.mark.parametrize("address", ["head", ":6379", "head:", "head:0", "head:65536", "head:x"])
def test_split_address_rejects(address: str) -> None:
    with pytest.raises(ValueError, match="HOST:PORT"):
        wait_for_head.split_address(address)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_closed_port_is_not_ready() -> None:
    ready, detail = wait_for_head.head_ready("127.0.0.1", free_port(), None)
    assert not ready
    assert "not accepting connections" in detail


def test_times_out_when_nothing_listens() -> None:
    port = free_port()
    assert not wait_for_head.wait(f"127.0.0.1:{port}", None, interval=0.05, timeout=0.3)


class Health(BaseHTTPRequestHandler):
    status = 503

    def do_GET(self) -> None:
        self.send_response(Health.status)
        self.end_headers()
        self.wfile.write(b"success" if Health.status == 200 else b"unavailable")

    def log_message(self, *args: object) -> None:
        pass


def test_open_port_is_ready_only_when_healthy() -> None:
    server = HTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        url = f"http://127.0.0.1:{port}/api/gcs_healthz"
        Health.status = 503
        ready, detail = wait_for_head.head_ready("127.0.0.1", port, url)
        assert not ready
        assert "503" in detail
        Health.status = 200
        assert wait_for_head.head_ready("127.0.0.1", port, url) == (True, "ready")
        assert wait_for_head.wait(f"127.0.0.1:{port}", url, interval=0.05, timeout=5)
    finally:
        server.shutdown()
        server.server_close()


def test_command_is_required() -> None:
    with pytest.raises(SystemExit):
        wait_for_head.parse_args(["--address", "head:6379"])
    args = wait_for_head.parse_args(["--address", "head:6379", "--", "ray", "start"])
    assert args.command == ["ray", "start"]
