"""The drills' load generator against real HTTP servers on loopback, and its report."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

SCRIPT = pathlib.Path(__file__).parents[3] / "playbooks/files/steady_load.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("steady_load", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


steady_load = _load_script()

# ---------------------------------------------------------------------------
# A scorer stand-in whose answer the test switches


class Scorer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ScorerHandler)
        self.mode = "ok"
        self.hits = 0
        self.paths: list[str] = []
        self.bodies: list[Any] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def set_mode(self, mode: str) -> None:
        self.mode = mode


class ScorerHandler(BaseHTTPRequestHandler):
    server: Scorer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.hits += 1
            self.server.paths.append(self.path)
            self.server.bodies.append(json.loads(body))
        mode = self.server.mode
        if mode == "close":  # no answer at all: the client sees the connection go
            self.close_connection = True
            return
        if mode == "slow":
            time.sleep(0.6)
        status, payload = {
            "ok": (200, {"scores": [0.25, 0.5]}),
            "slow": (200, {"scores": [0.25, 0.5]}),
            "503": (503, {"detail": "no replica"}),
            "bad": (200, {"scores": [0.25]}),
        }[mode]
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _start_scorer() -> Scorer:
    server = Scorer()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@pytest.fixture
def scorer() -> Iterator[Scorer]:
    server = _start_scorer()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def second_scorer() -> Iterator[Scorer]:
    server = _start_scorer()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# run


def test_fixed_rate_and_failures_only_after_the_switch(scorer: Scorer) -> None:
    flipped_at: list[float] = []

    def flip() -> None:
        scorer.set_mode("503")
        flipped_at.append(time.time())

    timer = threading.Timer(1.0, flip)
    timer.start()
    results = steady_load.run_load([scorer.url], rate=20, duration=2, timeout=2)
    timer.join()

    requests = results["requests"]
    start = results["started_at"]
    assert len(requests) == 40 == scorer.hits
    for i, request in enumerate(requests):
        assert request["t"] == pytest.approx(start + i / 20, abs=1e-9)
        assert request["sent"] >= request["t"]
        assert request["latency_s"] >= 0
    # Done before the switch: the server answered 200. Sent after it: 503. (5 ms for clocks.)
    before = [r for r in requests if r["sent"] + r["latency_s"] < flipped_at[0] - 0.005]
    after = [r for r in requests if r["sent"] > flipped_at[0] + 0.005]
    assert len(before) >= 10 and len(after) >= 10, (flipped_at[0] - start, requests)
    assert all(r["ok"] and r["status"] == 200 and r["reason"] == "" for r in before)
    assert all(not r["ok"] and r["status"] == 503 and r["reason"] == "503" for r in after)
    assert {p for p in scorer.paths} == {"/SalienceScorer"}
    assert scorer.bodies[0]["features"][1] == {"type": "resource_usage", "cpu": 0.9, "memory": 0.8}
    assert results["rate"] == 20 and results["duration"] == 2
    assert results["urls"] == [scorer.url] and results["path"] == "/SalienceScorer"


@pytest.mark.parametrize(
    ("mode", "status", "reason"),
    [
        ("503", 503, "503"),
        ("close", None, "RemoteDisconnected"),
        ("bad", 200, "bad body b'{\"scores\": [0.25]}'"),
    ],
)
def test_failure_reasons(scorer: Scorer, mode: str, status: int | None, reason: str) -> None:
    scorer.set_mode(mode)
    requests = steady_load.run_load([scorer.url], rate=20, duration=0.25)["requests"]
    assert len(requests) == 5
    assert {(r["ok"], r["status"], r["reason"]) for r in requests} == {(False, status, reason)}


def test_round_robin_over_a_live_server_and_a_closed_port(scorer: Scorer) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    results = steady_load.run_load([scorer.url, dead], rate=20, duration=0.3, path="/x")
    requests = results["requests"]
    assert [r["ok"] for r in requests] == [True, False] * 3
    assert {r["reason"] for r in requests[1::2]} == {"ConnectionRefusedError"}
    assert scorer.hits == 3 and set(scorer.paths) == {"/x"}


def test_url_path_prefix_is_kept(scorer: Scorer) -> None:
    steady_load.run_load([scorer.url + "/api/"], rate=20, duration=0.1)
    assert scorer.paths == ["/api/SalienceScorer", "/api/SalienceScorer"]


def test_slow_server_gives_timeouts_and_overload_not_a_queue(scorer: Scorer) -> None:
    scorer.set_mode("slow")
    results = steady_load.run_load(
        [scorer.url], rate=20, duration=0.5, timeout=0.3, max_in_flight=2
    )
    requests = results["requests"]
    reasons = [r["reason"] for r in requests]
    assert len(requests) == 10
    assert set(reasons) == {"timeout", "overload"}
    assert reasons[:2] == ["timeout", "timeout"]
    assert reasons.count("overload") >= 3
    assert scorer.hits <= reasons.count("timeout") <= 5
    assert all(r["status"] is None for r in requests)


def test_zero_requests_when_rate_times_duration_rounds_to_zero(scorer: Scorer) -> None:
    assert steady_load.run_load([scorer.url], rate=1, duration=0.4)["requests"] == []
    assert scorer.hits == 0


def test_sigterm_stops_and_still_writes_the_file(scorer: Scorer, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "results.json"
    command = [sys.executable, str(SCRIPT), "run", "--url", scorer.url]
    command += ["--rate", "20", "--duration", "60", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while scorer.hits < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=10)

    assert process.returncode == 0, stderr
    requests = json.loads(out.read_text())["requests"]
    assert 5 <= len(requests) < 100
    assert all(r["ok"] for r in requests)
    assert stdout.startswith(f"sent {len(requests)}, failed 0 (stopped early)")


# ---------------------------------------------------------------------------
# arguments


@pytest.mark.parametrize(
    ("change", "option", "message"),
    [
        ({"--rate": "0"}, "--rate", "0 < rate <= 200"),
        ({"--rate": "200.5"}, "--rate", "0 < rate <= 200"),
        ({"--rate": "nan"}, "--rate", "0 < rate <= 200"),
        ({"--rate": "fast"}, "--rate", "not a number"),
        ({"--duration": "-1"}, "--duration", "0 < duration <= 3600"),
        ({"--duration": "3601"}, "--duration", "0 < duration <= 3600"),
        ({"--timeout": "0"}, "--timeout", "0 < timeout <= 600"),
        ({"--max-in-flight": "0"}, "--max-in-flight", "1 <= max-in-flight <= 1000"),
        ({"--url": "ftp://127.0.0.1:1"}, "--url", "http:// or https://"),
        ({"--url": "127.0.0.1:18000"}, "--url", "http:// or https://"),
        ({"--url": "http://127.0.0.1:1?q=1"}, "--url", "query"),
        ({"--path": "SalienceScorer"}, "--path", "must start with '/'"),
    ],
)
def test_bad_run_arguments_exit_2_naming_the_option(
    change: dict[str, str], option: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    options = {"--url": "http://127.0.0.1:1", "--rate": "20", "--duration": "1", "--out": "x"}
    options.update(change)
    argv = ["run", *(item for pair in options.items() for item in pair)]
    with pytest.raises(SystemExit) as exited:
        steady_load.main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and message in err


def test_unreadable_results_exit_2(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        steady_load.main(["report", "--results", str(tmp_path / "no.json"), "--fault-at", "0"])
    assert exited.value.code == 2
    assert "--results" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# report


def results_from(pattern: str, rate: float = 10, start: float = 1000.0) -> dict[str, Any]:
    """A results document: one request per character, '.' ok and a letter a failure reason."""
    reasons = {"x": "503", "c": "ConnectionRefusedError", "t": "timeout"}
    requests = [
        {
            "t": start + i / rate,
            "sent": start + i / rate + 0.001,
            "latency_s": (i + 1) / 100,
            "ok": char == ".",
            "status": 200 if char == "." else None,
            "reason": "" if char == "." else reasons[char],
        }
        for i, char in enumerate(pattern)
    ]
    return {
        "started_at": start,
        "rate": rate,
        "duration": len(pattern) / rate,
        "requests": requests,
    }


def approx_or_none(value: float | None) -> Any:
    return None if value is None else pytest.approx(value)


@pytest.mark.parametrize(
    ("pattern", "run_s", "run_requests", "first", "last"),
    [
        ("....", 0.0, 0, None, None),
        ("x...", 0.1, 1, -0.15, -0.15),
        ("xxxx", 0.4, 4, -0.15, 0.15),
        (".x.c", 0.1, 1, -0.05, 0.15),
        ("..xx.xtx..", 0.3, 3, 0.05, 0.55),
        ("xx.xx", 0.2, 2, -0.15, 0.25),
    ],
)
def test_failure_runs_and_timing(
    pattern: str, run_s: float, run_requests: int, first: float | None, last: float | None
) -> None:
    figures = steady_load.compute_figures(results_from(pattern), fault_at=1000.15, fault="kill")
    assert figures["fault"] == "kill"
    assert figures["requests_sent"] == len(pattern)
    assert figures["requests_failed"] == len(pattern) - pattern.count(".")
    assert figures["longest_failure_run_s"] == pytest.approx(run_s)
    assert figures["longest_failure_run_requests"] == run_requests
    assert figures["first_failure_after_fault_s"] == approx_or_none(first)
    assert figures["last_failure_after_fault_s"] == approx_or_none(last)


def test_reasons_latency_and_shape_back() -> None:
    figures = steady_load.compute_figures(
        results_from("..xx.xtx.c"), fault_at=1000.0, shape_back_at=1012.5
    )
    assert figures["failure_reasons"] == {"503": 4, "timeout": 1, "ConnectionRefusedError": 1}
    # ok requests are 0, 1, 4, 8 with latencies 0.01, 0.02, 0.05, 0.09 (nearest rank)
    assert figures["latency_p50_s"] == pytest.approx(0.02)
    assert figures["latency_p99_s"] == pytest.approx(0.09)
    assert figures["shape_back_after_s"] == pytest.approx(12.5)
    assert steady_load.compute_figures(results_from("."), 0)["shape_back_after_s"] is None


def test_per_second_buckets_fill_gaps() -> None:
    results = results_from("..xx.x.", rate=2)  # seconds 0..3
    del results["requests"][4:6]  # nothing scheduled in second 2
    assert steady_load.compute_figures(results, fault_at=1001.0)["per_second"] == [
        {"second": 0, "ok": 2, "failed": 0},
        {"second": 1, "ok": 0, "failed": 2},
        {"second": 2, "ok": 0, "failed": 0},
        {"second": 3, "ok": 1, "failed": 0},
    ]


def test_empty_results_report_zeros(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"started_at": 1000.0, "rate": 20, "requests": []}))
    out = tmp_path / "figures.json"
    argv = ["report", "--results", str(results), "--fault-at", "1000", "--json", str(out)]
    assert steady_load.main(argv) == 0
    figures = json.loads(out.read_text())
    assert figures == {
        "fault": "fault",
        "requests_sent": 0,
        "requests_failed": 0,
        "failure_reasons": {},
        "longest_failure_run_s": 0.0,
        "longest_failure_run_requests": 0,
        "first_failure_after_fault_s": None,
        "last_failure_after_fault_s": None,
        "shape_back_after_s": None,
        "latency_p50_s": None,
        "latency_p99_s": None,
        "per_second": [],
    }
    assert "requests_sent" in capsys.readouterr().out


def _write_results(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results_from("....xxxx.." * 3, rate=5)))
    return path


def test_png_timeline(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "timeline.png"
    argv = ["report", "--results", str(_write_results(tmp_path)), "--fault-at", "1001"]
    argv += ["--fault", "head kill", "--shape-back-at", "1004", "--png", str(png)]
    assert steady_load.main(argv) == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    table = capsys.readouterr().out
    assert "head kill" in table and "requests_failed" in table


def test_png_without_matplotlib_warns_and_exits_0(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    png = tmp_path / "timeline.png"
    argv = ["report", "--results", str(_write_results(tmp_path)), "--fault-at", "1001"]
    assert steady_load.main([*argv, "--png", str(png)]) == 0
    assert "matplotlib" in capsys.readouterr().err
    assert not png.exists()
