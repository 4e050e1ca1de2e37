"""wait_for_head against real sockets on loopback."""

from __future__ import annotations

import json
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


class SessionServer(BaseHTTPRequestHandler):
    session = "s1"

    def do_GET(self) -> None:
        if SessionServer.session is None:
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"session_name": SessionServer.session}).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def session_url():
    SessionServer.session = "s1"
    server = HTTPServer(("127.0.0.1", 0), SessionServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/version"
    server.shutdown()
    server.server_close()


def test_a_new_session_kills_the_child_and_exits_1(session_url: str) -> None:
    def flip() -> None:
        SessionServer.session = None  # the head away for a moment: nothing happens
        threading.Event().wait(1.5)
        SessionServer.session = "s2"

    threading.Timer(0.5, flip).start()
    code = wait_for_head.run_watching_session(["sleep", "30"], session_url, interval=0.2)
    assert code == 1


def test_the_child_exit_code_is_returned_while_the_session_holds(session_url: str) -> None:
    command = ["sh", "-c", "sleep 0.5; exit 7"]
    assert wait_for_head.run_watching_session(command, session_url, interval=0.2) == 7
