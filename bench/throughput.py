"""Throughput and latency of the serving path, every row in one run against one cluster.

Rows (each through the published app URL, so through the load balancer in bridge mode):
  healthz        a Serve proxy's /-/healthz (no replica)
  noop_one       a one-deployment no-op app (seedcore_serve.noop:build_one)
  noop_two       a two-deployment no-op app, ingress -> model, SeedCore's shape (build_two)
  salience_get   GET /SalienceScorer (ingress -> model describe())
  salience_post  POST /SalienceScorer with README's JSON body (ingress -> batched model)

For each: requests/s and p50/p99 latency from `wrk -t2 -c16 -d15s --latency` (a Lua
script for the POST), and p50/p99 at a fixed low rate (20 requests/s, one at a time, 100
requests, from Python). Ratios are given beside the figures: each row against the
two-deployment no-op app, and with --variants each variant's row against the baseline's.

The no-op apps are deployed beside SeedCore's for the run and removed after, through
Serve's REST API (PUT /api/serve/applications/ takes the whole config): the config sent
is the one Serve reports, SeedCore's app entry exactly as the serve container's
supervisor deployed it, plus the no-op apps. The supervisor compares only its own app's
entry and keeps every other app when it redeploys, so it neither fights nor drops them.

Load goes only to 127.0.0.1, bounded in time and count. Needs wrk (Debian's archive:
`apt-get install -y wrk`). Two ways to run it:

  # measure the cluster that is running (default: the app on :8000, dashboard :8265)
  python bench/throughput.py [--url http://127.0.0.1:8000] [--dashboard http://127.0.0.1:8265]
  # deploy an inventory's cluster once per variant (teardown, site.yml -e VARS), measure
  # each, tear down at the end; the URLs come from the inventory's publish ports
  python bench/throughput.py --inventory INV --variants baseline,nice0,...

Writes JSON (--output, default bench/results/throughput.json), a PNG bar chart beside it
when matplotlib is importable, and prints a table.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import pathlib
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
APPS_PATH = "/api/serve/applications/"
REFERENCE = "noop_two"
POST_BODY = json.dumps(
    {
        "features": [
            {"type": "system_event", "severity": "high", "frequency": 0.7},
            {"type": "resource_usage", "cpu": 0.9, "memory": 0.8},
        ]
    }
)
# The benchmark's own apps, deployed beside SeedCore's for one run.
NOOP_APPS = (
    {
        "name": "bench-noop-one",
        "route_prefix": "/bench-noop-one",
        "import_path": "seedcore_serve.noop:build_one",
        "args": {},
    },
    {
        "name": "bench-noop-two",
        "route_prefix": "/bench-noop-two",
        "import_path": "seedcore_serve.noop:build_two",
        "args": {},
    },
)
NOOP_NAMES = frozenset(app["name"] for app in NOOP_APPS)
# What each variant changes, as extra vars to site.yml (one place to add an experiment).
_NICE0_ENV = {"RAY_worker_niceness": "0"}
VARIANTS: dict[str, dict[str, Any]] = {
    "baseline": {},
    # Ray starts every worker process (replicas, proxies, controller) at nice 15.
    "nice0": {
        "seedcore_head_extra_env": _NICE0_ENV,
        "seedcore_worker_extra_env": _NICE0_ENV,
        "seedcore_serve_extra_env": _NICE0_ENV,
    },
    # Serve's throughput mode without its direct ingress (which leaves a proxy on the
    # head only, so the serve container's :8000 never answers): user code and router on
    # the replica's own event loop, gRPC between handles and replicas, buffered request
    # logs, no logs to stderr (ray/serve/_private/constants.py, Ray 2.60).
    "tput_nodirect": {
        f"seedcore_{role}_extra_env": {
            "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
            "RAY_SERVE_ENABLE_DIRECT_INGRESS": "0",
        }
        for role in ("head", "worker", "serve")
    },
    # One replica per model deployment instead of two (spread over two nodes).
    "replicas1": {"seedcore_serve_app_args": {"num_cpus": 0.1, "num_replicas": 1}},
    # No pause to fill a batch: a model call starts at once.
    "batchwait0": {"seedcore_serve_app_args": {"num_cpus": 0.1, "batch_wait_timeout_s": 0.0}},
    # Fewer hops: the serve container's proxy published directly, no load balancer
    # (one proxy only: not fault tolerant, measured to see what the balancer costs).
    "nolb": {"seedcore_serve_lb": False},
}
# Bounds: this is a benchmark of one's own loopback, not a load generator.
MAX_DURATION_S = 120
MAX_CONNECTIONS = 256
MAX_RATE = 200.0
MAX_COUNT = 2000


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    label: str
    method: str
    path: str
    body: str | None = None


ROWS = (
    Row("healthz", "proxy /-/healthz (no replica)", "GET", "/-/healthz"),
    Row("noop_one", "no-op app, one deployment", "GET", "/bench-noop-one"),
    Row("noop_two", "no-op app, ingress -> model", "GET", "/bench-noop-two"),
    Row("salience_get", "GET /SalienceScorer", "GET", "/SalienceScorer"),
    Row("salience_post", "POST /SalienceScorer", "POST", "/SalienceScorer", POST_BODY),
)


# ---------------------------------------------------------------------------
# Pure helpers (tests/unit/bench/test_throughput.py)
# ---------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = re.compile(r"^([0-9.]+)(us|ms|s|m|h)$")


def duration_ms(text: str) -> float:
    """wrk's latency figure ("526.00us", "3.12ms", "1.20s", "2.00m") in milliseconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """The figures of one `wrk --latency` run, from its standard output."""
    figures: dict[str, Any] = {}
    done = re.search(r"^\s*(\d+) requests in ([0-9.]+)(us|ms|s|m|h),", output, re.M)
    rate = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.M)
    if not done or not rate:
        raise ValueError("wrk's output has no request count or Requests/sec line")
    figures["requests"] = int(done.group(1))
    figures["seconds"] = round(duration_ms(done.group(2) + done.group(3)) / 1000, 2)
    figures["requests_per_s"] = float(rate.group(1))
    for percent in (50, 75, 90, 99):
        found = re.search(rf"^\s*{percent}%\s+(\S+)", output, re.M)
        figures[f"p{percent}_ms"] = round(duration_ms(found.group(1)), 3) if found else None
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    names = ("connect", "read", "write", "timeout")
    figures["socket_errors"] = (
        {name: int(value) for name, value in zip(names, errors.groups(), strict=True)}
        if errors
        else dict.fromkeys(names, 0)
    )
    if figures["socket_errors"]["timeout"] >= figures["requests"]:
        # Every request timed out: wrk prints zeros for latencies it never measured.
        for percent in (50, 75, 90, 99):
            figures[f"p{percent}_ms"] = None
    return figures


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) of values, nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats going wrong
    return ordered[int(rank) - 1]


def lua_script(method: str, body: str | None, content_type: str = "application/json") -> str:
    """A wrk script that sends every request with this method and body."""
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        if "]==]" in body:
            raise ValueError("the body holds the Lua long-string terminator ]==]")
        lines.append(f"wrk.body = [==[{body}]==]")
        lines.append(f'wrk.headers["Content-Type"] = "{content_type}"')
    return "\n".join(lines) + "\n"


def ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return round(value / reference, 2)


def add_ratios(rows: dict[str, dict[str, Any]], reference: str = REFERENCE) -> None:
    """Each row's requests/s and p50 against the reference row's, in place."""
    ref = rows.get(reference) or {}
    for row in rows.values():
        row["vs_" + reference] = {
            "requests_per_s": ratio(row.get("requests_per_s"), ref.get("requests_per_s")),
            "p50_ms": ratio(row.get("p50_ms"), ref.get("p50_ms")),
            "low_rate_p50_ms": ratio(row.get("low_rate_p50_ms"), ref.get("low_rate_p50_ms")),
        }


def vs_baseline(rows: dict[str, dict[str, Any]], base: dict[str, dict[str, Any]]) -> None:
    """Each row against the same row of the baseline variant, in place."""
    for key, row in rows.items():
        other = base.get(key) or {}
        row["vs_baseline"] = {
            name: ratio(row.get(name), other.get(name))
            for name in ("requests_per_s", "p50_ms", "p99_ms", "low_rate_p50_ms", "low_rate_p99_ms")
        }


def with_noop_apps(details: dict[str, Any]) -> dict[str, Any]:
    """The whole Serve config to PUT: what runs now (each app's config as Serve reports
    it, so SeedCore's entry is exactly the supervisor's) plus the benchmark's apps."""
    config = without_noop_apps(details)
    config["applications"] += [dict(app) for app in NOOP_APPS]
    return config


def without_noop_apps(details: dict[str, Any]) -> dict[str, Any]:
    """The whole Serve config to PUT: what runs now, less the benchmark's apps."""
    apps = [
        app["deployed_app_config"]
        for name, app in (details.get("applications") or {}).items()
        if name not in NOOP_NAMES and app.get("deployed_app_config")
    ]
    config: dict[str, Any] = {"applications": apps}
    if details.get("proxy_location"):
        config["proxy_location"] = details["proxy_location"]
    http_options = {
        key: value
        for key, value in (details.get("http_options") or {}).items()
        if key in ("host", "port", "request_timeout_s") and value is not None
    }
    if http_options:
        config["http_options"] = http_options
    return config


def urls_from_inventory(data: dict[str, Any]) -> tuple[str, str]:
    """The app's and the dashboard's loopback URLs, from an inventory's all.vars."""
    values = (data.get("all") or {}).get("vars") or {}
    app = int(values.get("seedcore_serve_publish_port", 8000))
    dashboard = int(values.get("seedcore_head_dashboard_publish_port", 8265))
    return f"http://127.0.0.1:{app}", f"http://127.0.0.1:{dashboard}"


def loopback(url: str) -> str:
    """The URL without a trailing slash, if it is http on this machine's loopback."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"{url}: load goes only to http://127.0.0.1")
    return url.rstrip("/")


# ---------------------------------------------------------------------------
# I/O
# ---------------------------------------------------------------------------


def http_json(method: str, url: str, body: Any = None, timeout: float = 30) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode(errors="replace")
        raise SystemExit(f"{method} {url} -> {error.code}: {detail}") from error
    except OSError as error:
        raise SystemExit(f"{method} {url} failed: {error}") from error
    return json.loads(raw) if raw.strip() else None


def status(url: str, method: str = "GET", body: str | None = None) -> int:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(
        url, data=body.encode() if body else None, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def wait_until(what: str, check: Any, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    raise SystemExit(f"{what} did not happen within {timeout:.0f}s")


def apps_running(dashboard: str, names: set[str]) -> bool:
    apps = http_json("GET", dashboard + APPS_PATH).get("applications") or {}
    return all((apps.get(name) or {}).get("status") == "RUNNING" for name in names)


def deploy_noop(url: str, dashboard: str) -> None:
    details = http_json("GET", dashboard + APPS_PATH)
    seedcore = set(details.get("applications") or {}) - NOOP_NAMES
    http_json("PUT", dashboard + APPS_PATH, with_noop_apps(details), timeout=60)
    wait_until(
        "the no-op apps RUNNING beside the others",
        lambda: apps_running(dashboard, seedcore | NOOP_NAMES),
    )
    for row in ROWS:
        wait_until(f"{row.method} {row.path} answering 200", lambda r=row: ok(url, r), 120)


def remove_noop(dashboard: str) -> None:
    details = http_json("GET", dashboard + APPS_PATH)
    if not NOOP_NAMES & set(details.get("applications") or {}):
        return
    http_json("PUT", dashboard + APPS_PATH, without_noop_apps(details), timeout=60)

    def gone() -> bool:
        apps = http_json("GET", dashboard + APPS_PATH).get("applications") or {}
        return not NOOP_NAMES & set(apps)

    wait_until("the no-op apps removed", gone, 120)


def ok(url: str, row: Row) -> bool:
    return status(url + row.path, row.method, row.body) == 200


def run_wrk(url: str, row: Row, args: argparse.Namespace, seconds: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(row.method, row.body))
    try:
        command = [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            script.name,
            url + row.path,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        os.unlink(script.name)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-1000:]}")
    return parse_wrk(done.stdout)


def low_rate(url: str, row: Row, rate: float, count: int) -> dict[str, Any]:
    """`count` requests, one at a time, request i started at start + i / rate (or as
    soon as the one before it answered, if that was later), on one kept-alive
    connection; latencies of 200 answers only."""
    parts = urllib.parse.urlsplit(url + row.path)
    headers = {"Content-Type": "application/json"} if row.body is not None else {}
    body = row.body.encode() if row.body is not None else None
    latencies: list[float] = []
    failed = 0
    connection: http.client.HTTPConnection | None = None
    start = time.monotonic()
    for number in range(count):
        delay = start + number / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if connection is None:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        sent = time.perf_counter()
        try:
            connection.request(row.method, parts.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                latencies.append((time.perf_counter() - sent) * 1000)
            else:
                failed += 1
            if response.will_close:
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException):
            failed += 1
            connection.close()
            connection = None
    if connection is not None:
        connection.close()
    return {
        "low_rate_requests": count,
        "low_rate_failed": failed,
        "low_rate_p50_ms": _round(percentile(latencies, 50)),
        "low_rate_p99_ms": _round(percentile(latencies, 99)),
        "low_rate_mean_ms": _round(statistics.fmean(latencies) if latencies else None),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def measure(url: str, dashboard: str, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    deploy_noop(url, dashboard)
    rows: dict[str, dict[str, Any]] = {}
    try:
        for row in ROWS:
            print(
                f"  {row.key}: wrk {args.duration}s, then {args.count} at {args.rate}/s", flush=True
            )
            if args.warmup:
                run_wrk(url, row, args, args.warmup)
            figures = {"label": row.label, "method": row.method, "path": row.path}
            figures.update(run_wrk(url, row, args, args.duration))
            figures.update(low_rate(url, row, args.rate, args.count))
            rows[row.key] = figures
    finally:
        remove_noop(dashboard)
    add_ratios(rows)
    return rows


def playbook(inventory: pathlib.Path, name: str, *extra: str) -> None:
    bin_dir = pathlib.Path(sys.executable).parent
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    command = [str(bin_dir / "ansible-playbook"), "-i", str(inventory), name, *extra]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def _cell(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(report: dict[str, Any]) -> str:
    """A Markdown table of every variant's rows, ratios beside the figures."""
    head = [
        "variant",
        "row",
        "req/s",
        f"x {REFERENCE}",
        "p50 ms",
        "p99 ms",
        f"{report['settings']['rate']:g}/s p50 ms",
        f"{report['settings']['rate']:g}/s p99 ms",
        "req/s x baseline",
        "p50 x baseline",
        "errors",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant, result in report["variants"].items():
        if "rows" not in result:
            lines.append(f"| {variant} | failed: see the JSON |" + " |" * (len(head) - 2))
            continue
        for key, row in result["rows"].items():
            errors = row["non_2xx"] + sum(row["socket_errors"].values()) + row["low_rate_failed"]
            base = row.get("vs_baseline") or {}
            values = [
                variant,
                key,
                _cell(row["requests_per_s"], 0),
                _cell(row["vs_" + REFERENCE]["requests_per_s"], 2),
                _cell(row["p50_ms"]),
                _cell(row["p99_ms"]),
                _cell(row["low_rate_p50_ms"]),
                _cell(row["low_rate_p99_ms"]),
                _cell(base.get("requests_per_s"), 2),
                _cell(base.get("p50_ms"), 2),
                str(errors),
            ]
            lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


def plot(report: dict[str, Any], path: pathlib.Path) -> bool:
    """Grouped bars of requests/s (log scale), one group per row, one bar per variant."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    variants = list(report["variants"])
    keys = [row.key for row in ROWS]
    width = 0.8 / max(1, len(variants))
    figure, axes = plt.subplots(figsize=(10, 4.5))
    for index, variant in enumerate(variants):
        rows = report["variants"][variant].get("rows") or {}
        values = [rows.get(key, {}).get("requests_per_s") or 0 for key in keys]
        positions = [n + index * width for n in range(len(keys))]
        bars = axes.bar(positions, values, width, label=variant)
        axes.bar_label(bars, fmt="%.0f", fontsize=7)
    axes.set_xticks([n + width * (len(variants) - 1) / 2 for n in range(len(keys))], keys)
    axes.set_yscale("log")
    axes.set_ylabel("requests/s (log)")
    settings = report["settings"]
    axes.set_title(
        f"wrk -t{settings['threads']} -c{settings['connections']} -d{settings['duration']}s, "
        f"{report['when']}, {report['machine']['cpus']} cores"
    )
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True


def write(path: pathlib.Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="the app, default http://127.0.0.1:8000 or the inventory's")
    parser.add_argument("--dashboard", help="default http://127.0.0.1:8265 or the inventory's")
    parser.add_argument(
        "--inventory",
        type=pathlib.Path,
        help="deploy this inventory's cluster per variant (teardown.yml, site.yml), then tear down",
    )
    parser.add_argument(
        "--variants",
        default="baseline",
        help=f"with --inventory, comma-separated, from: {', '.join(VARIANTS)}",
    )
    parser.add_argument("--keep", action="store_true", help="leave the last variant running")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per row")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk before each row")
    parser.add_argument("--rate", type=float, default=20.0, help="low-rate requests/s")
    parser.add_argument("--count", type=int, default=100, help="low-rate requests per row")
    parser.add_argument("--output", type=pathlib.Path, default=RESULTS / "throughput.json")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not installed: it is in Debian's archive, `apt-get install -y wrk` (as root)"
        )
    if not 1 <= args.duration <= MAX_DURATION_S or not 0 <= args.warmup <= MAX_DURATION_S:
        parser.error(f"--duration and --warmup: at most {MAX_DURATION_S} s")
    if not 1 <= args.connections <= MAX_CONNECTIONS or not 1 <= args.threads <= args.connections:
        parser.error(f"--connections 1 to {MAX_CONNECTIONS}, --threads 1 to --connections")
    if not 0 < args.rate <= MAX_RATE or not 1 <= args.count <= MAX_COUNT:
        parser.error(f"--rate up to {MAX_RATE:g}/s, --count 1 to {MAX_COUNT}")
    variants = args.variants.split(",")
    unknown = [name for name in variants if name not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    if not args.inventory and variants != ["baseline"]:
        parser.error("--variants needs --inventory (each variant is a deployment)")
    url, dashboard = "http://127.0.0.1:8000", "http://127.0.0.1:8265"
    if args.inventory:
        import yaml

        url, dashboard = urls_from_inventory(yaml.safe_load(args.inventory.read_text()))
    try:
        url, dashboard = loopback(args.url or url), loopback(args.dashboard or dashboard)
    except ValueError as error:
        parser.error(str(error))

    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "url": url,
        "settings": {
            "threads": args.threads,
            "connections": args.connections,
            "duration": args.duration,
            "warmup": args.warmup,
            "rate": args.rate,
            "count": args.count,
        },
        "variants": {},
    }
    started = time.monotonic()
    try:
        for number, variant in enumerate(variants):
            # A variant named twice (baseline first and last, to see the drift) is
            # reported twice.
            name = variant if variant not in variants[:number] else f"{variant}-{number + 1}"
            print(f"{name}:", flush=True)
            extra = VARIANTS[variant]
            try:
                if args.inventory:
                    playbook(args.inventory, "teardown.yml")
                    playbook(args.inventory, "site.yml", "-e", json.dumps(extra))
                rows = measure(url, dashboard, args)
            except SystemExit as error:
                # One variant that does not deploy or answer does not lose the others.
                print(f"  {name} failed: {str(error)[-2000:]}", flush=True)
                report["variants"][name] = {"extra_vars": extra, "error": str(error)[-4000:]}
                continue
            report["variants"][name] = {"extra_vars": extra, "rows": rows}
            # Written as it goes, so a run cut short keeps what it measured.
            write(args.output, report)
    finally:
        if args.inventory and not args.keep:
            playbook(args.inventory, "teardown.yml")
    base = report["variants"].get("baseline") or {}
    if base.get("rows"):
        for result in report["variants"].values():
            if "rows" in result:
                vs_baseline(result["rows"], base["rows"])
    report["seconds"] = round(time.monotonic() - started, 1)

    write(args.output, report)
    print()
    print(table(report))
    png = args.output.with_suffix(".png")
    drawn = plot(report, png)
    print(f"\nwrote {args.output}" + (f" and {png}" if drawn else " (no matplotlib: no plot)"))


if __name__ == "__main__":
    main()
