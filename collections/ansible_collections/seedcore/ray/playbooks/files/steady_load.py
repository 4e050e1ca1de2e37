# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Steady load for the fault drills, and the figures that come out of it. Standard library only.

``run --url URL [--url URL ...] --rate R --duration D --out FILE [--timeout T]
[--max-in-flight N] [--path /SalienceScorer]``
    Sends ``round(R * D)`` scoring requests, request ``i`` scheduled at ``start + i / R``,
    round-robin over the given URLs, as ``POST {url}{path}`` with a fixed JSON body, each on
    a new connection and with a timeout. A request is never sent before its scheduled time;
    one that could not be sent on time is sent late, and both times are recorded. When all
    ``N`` slots are busy at a scheduled time, that request is recorded as failed ("overload")
    instead of being queued. Every request goes into ``FILE`` (JSON, sorted by scheduled time)
    and one summary line is printed. SIGTERM or SIGINT stops the scheduling; the requests in
    flight are waited for and the file is still written.

``report --results FILE --fault-at EPOCH [--fault NAME] [--shape-back-at EPOCH]
[--json OUT] [--png OUT]``
    Prints the drill's figures (failures, longest run of consecutive failures, first and
    last failure after the fault, latency percentiles, per-second counts), writes them as
    JSON to ``OUT`` and, when matplotlib is importable, draws the timeline as a PNG.

The load goes only to the URLs given on the command line (http:// or https://), at a bounded
rate (at most 200 requests per second) for a bounded time (at most 3600 s), with a bounded
number of requests open at once; the script stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import pathlib
import signal
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

MAX_RATE = 200.0
MAX_DURATION = 3600.0
MAX_TIMEOUT = 600.0
MAX_IN_FLIGHT = 1000
MAX_BODY_BYTES = 1 << 20
DEFAULT_PATH = "/SalienceScorer"
REQUEST_BODY = json.dumps(
    {
        "features": [
            {"type": "system_event", "severity": "high", "frequency": 0.7},
            {"type": "resource_usage", "cpu": 0.9, "memory": 0.8},
        ]
    }
).encode()
HEADERS = {"Content-Type": "application/json", "Connection": "close"}


# ---------------------------------------------------------------------------
# Command line


def _bounded(
    kind: Callable[[str], Any], low: float, high: float, low_open: bool, name: str
) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` within ``low < x <= high`` (or ``low <= x``)."""
    low_sign = "<" if low_open else "<="
    allowed = f"{low:g} {low_sign} {name} <= {high:g}"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number ({allowed})") from None
        above_low = value > low if low_open else value >= low
        if not (above_low and value <= high):  # also rejects nan
            raise argparse.ArgumentTypeError(f"{text} is out of range: allowed {allowed}")
        return value

    return parse


def _http_url(text: str) -> str:
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL with a host")
    if parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"{text!r} must not have a query or a fragment")
    try:
        _checked = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return text


def _url_path(text: str) -> str:
    if not text.startswith("/"):
        raise argparse.ArgumentTypeError(f"{text!r} must start with '/'")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steady_load.py", description=__doc__.splitlines()[0] if __doc__ else None
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="send a steady load and record every request")
    run.add_argument(
        "--url", action="append", required=True, type=_http_url, help="repeat for round-robin"
    )
    run.add_argument(
        "--rate", required=True, type=_bounded(float, 0, MAX_RATE, True, "rate"), help="req/s"
    )
    run.add_argument(
        "--duration",
        required=True,
        type=_bounded(float, 0, MAX_DURATION, True, "duration"),
        help="seconds",
    )
    run.add_argument(
        "--timeout",
        default=10.0,
        type=_bounded(float, 0, MAX_TIMEOUT, True, "timeout"),
        help="seconds per request (default 10)",
    )
    run.add_argument(
        "--max-in-flight",
        default=200,
        type=_bounded(int, 1, MAX_IN_FLIGHT, False, "max-in-flight"),
        help="requests open at once (default 200)",
    )
    run.add_argument("--path", default=DEFAULT_PATH, type=_url_path)
    run.add_argument("--out", required=True, type=pathlib.Path, help="results JSON file")

    report = commands.add_parser("report", help="turn a results file into the drill's figures")
    report.add_argument("--results", required=True, type=pathlib.Path)
    report.add_argument("--fault-at", required=True, type=float, help="epoch seconds")
    report.add_argument("--fault", default="fault", help="fault name for the table and plot")
    report.add_argument("--shape-back-at", type=float, help="epoch seconds")
    report.add_argument("--json", type=pathlib.Path, help="write the figures here")
    report.add_argument("--png", type=pathlib.Path, help="draw the timeline here")
    return parser


# ---------------------------------------------------------------------------
# run


@dataclass(frozen=True)
class Target:
    """Where one URL's requests go."""

    scheme: str
    host: str
    port: int | None
    path: str

    @classmethod
    def parse(cls, url: str, path: str) -> Target:
        parts = urllib.parse.urlsplit(url)
        return cls(
            scheme=parts.scheme,
            host=parts.hostname or "",
            port=parts.port,
            path=parts.path.rstrip("/") + path,
        )


@dataclass
class Record:
    """One request: scheduled and actual send time (epoch seconds) and its outcome."""

    t: float
    sent: float
    latency_s: float
    ok: bool
    status: int | None
    reason: str


def good_scores(payload: bytes) -> bool:
    """True when the body is JSON with ``scores``: a list of 2 finite numbers."""
    try:
        body = json.loads(payload)
    except ValueError:
        return False
    scores = body.get("scores") if isinstance(body, dict) else None
    return (
        isinstance(scores, list)
        and len(scores) == 2
        and all(
            isinstance(s, int | float) and not isinstance(s, bool) and math.isfinite(s)
            for s in scores
        )
    )


def send_one(target: Target, timeout: float) -> tuple[bool, int | None, str]:
    """POST the scoring body on a new connection; (ok, status, reason)."""
    connection_class = (
        http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(target.host, target.port, timeout=timeout)
    try:
        connection.request("POST", target.path, body=REQUEST_BODY, headers=HEADERS)
        response = connection.getresponse()
        payload = response.read(MAX_BODY_BYTES)
    except TimeoutError:
        return False, None, "timeout"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return False, None, type(exc).__name__
    finally:
        connection.close()
    if response.status != 200:
        return False, response.status, str(response.status)
    if not good_scores(payload):
        # A short, escaped prefix, so a drill's report says what came back.
        return False, response.status, f"bad body {payload[:60]!r}"
    return True, response.status, ""


class Clock:
    """Epoch seconds that advance with the monotonic clock (no jumps mid-run)."""

    def __init__(self) -> None:
        self.epoch0 = time.time()
        self.mono0 = time.monotonic()

    def now(self) -> float:
        return self.epoch0 + (time.monotonic() - self.mono0)


def _timed_request(
    target: Target, timeout: float, scheduled: float, clock: Clock, slots: threading.Semaphore
) -> Record:
    try:
        sent = clock.now()
        ok, status, reason = send_one(target, timeout)
        latency = clock.now() - sent
        if ok and latency > timeout:  # each socket step had the timeout, the whole did not
            ok, reason = False, "timeout"
        return Record(scheduled, sent, latency, ok, status, reason)
    finally:
        slots.release()


def _wait_until(moment: float, clock: Clock, stop: threading.Event) -> bool:
    """Sleep until ``moment`` (never wake early); False when ``stop`` was set."""
    while (delay := moment - clock.now()) > 0:
        if stop.wait(delay):
            return False
    return not stop.is_set()


def run_load(
    urls: Sequence[str],
    rate: float,
    duration: float,
    *,
    timeout: float = 10.0,
    max_in_flight: int = 200,
    path: str = DEFAULT_PATH,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """Send the load; return the results document (see the module docstring)."""
    stop = stop or threading.Event()
    targets = [Target.parse(url, path) for url in urls]
    total = round(rate * duration)
    slots = threading.Semaphore(max_in_flight)
    clock = Clock()
    started_at = clock.epoch0
    futures: list[Future[Record]] = []
    overloaded: list[Record] = []
    with ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="load") as pool:
        for i in range(total):
            scheduled = started_at + i / rate
            if not _wait_until(scheduled, clock, stop):
                break
            if not slots.acquire(blocking=False):
                overloaded.append(Record(scheduled, clock.now(), 0.0, False, None, "overload"))
                continue
            target = targets[i % len(targets)]
            futures.append(pool.submit(_timed_request, target, timeout, scheduled, clock, slots))
    records = sorted([f.result() for f in futures] + overloaded, key=lambda r: r.t)
    return {
        "started_at": started_at,
        "rate": rate,
        "duration": duration,
        "urls": list(urls),
        "path": path,
        "requests": [asdict(r) for r in records],
    }


def write_json(path: pathlib.Path, document: dict[str, Any]) -> None:
    """Write atomically: a reader never sees half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, indent=1) + "\n")
    os.replace(partial, path)


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """Make SIGTERM/SIGINT set ``stop``; return a function that restores the old handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {
        sig: signal.signal(sig, lambda _signum, _frame: stop.set())
        for sig in (signal.SIGTERM, signal.SIGINT)
    }

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _reasons_text(reasons: Counter[str]) -> str:
    return ", ".join(f"{reason}={n}" for reason, n in reasons.most_common())


def command_run(args: argparse.Namespace) -> int:
    stop = threading.Event()
    restore = _stop_on_signals(stop)
    try:
        document = run_load(
            args.url,
            args.rate,
            args.duration,
            timeout=args.timeout,
            max_in_flight=args.max_in_flight,
            path=args.path,
            stop=stop,
        )
    finally:
        restore()
    write_json(args.out, document)
    requests = document["requests"]
    reasons = Counter(r["reason"] for r in requests if not r["ok"])
    stopped = " (stopped early)" if stop.is_set() else ""
    detail = f" ({_reasons_text(reasons)})" if reasons else ""
    print(f"sent {len(requests)}, failed {sum(reasons.values())}{detail}{stopped} -> {args.out}")
    return 0


# ---------------------------------------------------------------------------
# report


def failure_runs(requests: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Maximal runs of consecutive failed requests, in scheduled-time order."""
    runs: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for request in sorted(requests, key=lambda r: r["t"]):
        if request["ok"]:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(request)
    if current:
        runs.append(current)
    return runs


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def per_second(requests: Sequence[dict[str, Any]], started_at: float) -> list[dict[str, int]]:
    """Counts per whole second since ``started_at``, every second from first to last."""
    buckets: dict[int, Counter[str]] = {}
    for request in requests:
        second = math.floor(round(request["t"] - started_at, 6))  # 2.9999999 is second 3
        buckets.setdefault(second, Counter())["ok" if request["ok"] else "failed"] += 1
    if not buckets:
        return []
    return [
        {
            "second": s,
            "ok": buckets.get(s, Counter())["ok"],
            "failed": buckets.get(s, Counter())["failed"],
        }
        for s in range(min(buckets), max(buckets) + 1)
    ]


def compute_figures(
    results: dict[str, Any],
    fault_at: float,
    fault: str = "fault",
    shape_back_at: float | None = None,
) -> dict[str, Any]:
    """The drill's figures from a results document (see the module docstring)."""
    requests = sorted(results.get("requests", []), key=lambda r: r["t"])
    rate = float(results.get("rate") or 0)
    step = 1 / rate if rate > 0 else 0.0
    started_at = float(results.get("started_at", requests[0]["t"] if requests else 0.0))
    failed = [r for r in requests if not r["ok"]]
    runs = failure_runs(requests)
    longest = max(runs, key=lambda run: (run[-1]["t"] - run[0]["t"], len(run)), default=[])
    latencies = [float(r["latency_s"]) for r in requests if r["ok"]]
    return {
        "fault": fault,
        "requests_sent": len(requests),
        "requests_failed": len(failed),
        "failure_reasons": dict(Counter(r["reason"] for r in failed).most_common()),
        "longest_failure_run_s": longest[-1]["t"] - longest[0]["t"] + step if longest else 0.0,
        "longest_failure_run_requests": len(longest),
        "first_failure_after_fault_s": failed[0]["t"] - fault_at if failed else None,
        "last_failure_after_fault_s": failed[-1]["t"] - fault_at if failed else None,
        "shape_back_after_s": None if shape_back_at is None else shape_back_at - fault_at,
        "latency_p50_s": percentile(latencies, 50),
        "latency_p99_s": percentile(latencies, 99),
        "per_second": per_second(requests, started_at),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    return str(value)


def format_table(figures: dict[str, Any]) -> str:
    """The figures, one per line, without the per-second list."""
    rows = [(name, _cell(value)) for name, value in figures.items() if name != "per_second"]
    width = max(len(name) for name, _value in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def draw_timeline(
    figures: dict[str, Any],
    png: pathlib.Path,
    fault_offset: float,
    shape_back_offset: float | None,
) -> None:
    """Stacked bars of ok/failed per second, with the fault (and shape-back) marked."""
    import matplotlib  # optional: only --png needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seconds = [b["second"] for b in figures["per_second"]]
    ok = [b["ok"] for b in figures["per_second"]]
    failed = [b["failed"] for b in figures["per_second"]]
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(seconds, ok, width=0.9, align="edge", color="tab:green", label="ok")
    ax.bar(seconds, failed, width=0.9, align="edge", bottom=ok, color="tab:red", label="failed")
    marks = [(fault_offset, f"fault: {figures['fault']}", "black", "--")]
    if shape_back_offset is not None:
        marks.append((shape_back_offset, "shape back", "tab:blue", "-."))
    for offset, label, color, style in marks:
        ax.axvline(offset, color=color, linestyle=style, linewidth=2, zorder=3)
        ax.annotate(
            label,
            (offset, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -14),
            textcoords="offset points",
            color=color,
        )
    ax.set_ylim(0, max([o + f for o, f in zip(ok, failed, strict=True)], default=1) * 1.3)
    ax.set_title(
        f"{figures['fault']}: {figures['requests_failed']} of {figures['requests_sent']} failed"
    )
    ax.set_xlabel("seconds since the load started")
    ax.set_ylabel("requests per second")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(png, format="png")
    plt.close(fig)


def load_results(path: pathlib.Path) -> dict[str, Any]:
    document = json.loads(path.read_text())
    if not isinstance(document, dict) or not isinstance(document.get("requests", []), list):
        raise ValueError("not a results document (no 'requests' list)")
    return document


def command_report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        results = load_results(args.results)
    except (OSError, ValueError) as exc:
        parser.error(f"argument --results: cannot read {args.results}: {exc}")
    figures = compute_figures(results, args.fault_at, args.fault, args.shape_back_at)
    print(format_table(figures))
    if args.json:
        write_json(args.json, figures)
    if args.png:
        started_at = float(results.get("started_at", args.fault_at))
        shape_back = None if args.shape_back_at is None else args.shape_back_at - started_at
        try:
            draw_timeline(figures, args.png, args.fault_at - started_at, shape_back)
        except ImportError as exc:
            missing = exc.name or "matplotlib"
            print(f"warning: no PNG drawn: {missing} is not installed", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "run":
        return command_run(args)
    return command_report(args, parser)


if __name__ == "__main__":
    sys.exit(main())
