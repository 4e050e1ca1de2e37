"""bench/throughput.py's pure parts: wrk's output, percentiles, the Serve configs it sends."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("throughput", ROOT / "bench/throughput.py")
throughput = importlib.util.module_from_spec(spec)
sys.modules["throughput"] = throughput  # its dataclasses look their module up
spec.loader.exec_module(throughput)

# Real wrk 4.1.0 output (Debian's package), captured on this machine.
WRK_OK = """\
Running 2s test @ http://127.0.0.1:18777/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.65ms    1.99ms  16.81ms   80.15%
    Req/Sec   548.92    126.84   752.00     62.50%
  Latency Distribution
     50%    3.12ms
     75%    4.34ms
     90%    6.09ms
     99%   11.23ms
  2190 requests in 2.00s, 5.38MB read
Requests/sec:   1092.71
Transfer/sec:      2.68MB
"""
WRK_NON_2XX = """\
Running 2s test @ http://127.0.0.1:18777/nope
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.80ms    1.64ms  12.46ms   78.27%
    Req/Sec   717.78    148.54     1.03k    57.50%
  Latency Distribution
     50%    2.36ms
     75%    3.48ms
     90%    4.92ms
     99%    8.61ms
  2862 requests in 2.00s, 1.42MB read
  Non-2xx or 3xx responses: 2862
Requests/sec:   1428.30
Transfer/sec:    725.31KB
"""
WRK_ALL_TIMED_OUT = """\
Running 3s test @ http://127.0.0.1:18778/slow
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     1.00      0.00     1.00    100.00%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  8 requests in 3.03s, 0.88KB read
  Socket errors: connect 0, read 0, write 0, timeout 8
Requests/sec:      2.64
Transfer/sec:     298.72B
"""
WRK_MICROSECONDS = """\
Running 1s test @ http://127.0.0.1:18778/fast
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   700.38us  588.25us   4.90ms   91.10%
    Req/Sec     1.27k   305.90     1.82k    70.00%
  Latency Distribution
     50%  526.00us
     75%  814.00us
     90%    1.21ms
     99%    3.42ms
  1263 requests in 1.00s, 139.37KB read
Requests/sec:   1260.15
Transfer/sec:    139.06KB
"""


@pytest.mark.parametrize(
    ("text", "ms"),
    [("526.00us", 0.526), ("3.12ms", 3.12), ("1.20s", 1200.0), ("2.00m", 120_000.0)],
)
def test_a_wrk_duration_is_read_in_milliseconds(text: str, ms: float) -> None:
    assert throughput.duration_ms(text) == pytest.approx(ms)


@pytest.mark.parametrize("text", ["", "3.12", "ms", "-1ms", "1.2k"])
def test_anything_else_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a wrk duration"):
        throughput.duration_ms(text)


def test_a_clean_run_gives_its_rate_percentiles_and_no_errors() -> None:
    assert throughput.parse_wrk(WRK_OK) == {
        "requests": 2190,
        "seconds": 2.0,
        "requests_per_s": 1092.71,
        "p50_ms": 3.12,
        "p75_ms": 4.34,
        "p90_ms": 6.09,
        "p99_ms": 11.23,
        "non_2xx": 0,
        "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0},
    }


def test_non_2xx_answers_are_counted() -> None:
    assert throughput.parse_wrk(WRK_NON_2XX)["non_2xx"] == 2862


def test_microsecond_percentiles_are_converted() -> None:
    figures = throughput.parse_wrk(WRK_MICROSECONDS)
    assert (figures["p50_ms"], figures["p90_ms"], figures["p99_ms"]) == (0.526, 1.21, 3.42)


def test_a_run_where_every_request_timed_out_has_no_latencies() -> None:
    figures = throughput.parse_wrk(WRK_ALL_TIMED_OUT)
    assert figures["socket_errors"]["timeout"] == 8
    assert figures["p50_ms"] is None and figures["p99_ms"] is None
    assert figures["requests_per_s"] == 2.64


def test_output_that_is_not_wrk_s_is_refused() -> None:
    with pytest.raises(ValueError, match="Requests/sec"):
        throughput.parse_wrk("unable to connect to 127.0.0.1:8000 Connection refused\n")


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 50, None),
        ([5.0], 99, 5.0),
        ([3.0, 1.0, 2.0, 4.0], 50, 2.0),
        (list(range(1, 101)), 99, 99),
    ],
)
def test_percentile_is_nearest_rank(values: list[float], q: float, expected: float | None) -> None:
    assert throughput.percentile(values, q) == expected


def test_the_post_script_sends_the_body_as_json() -> None:
    script = throughput.lua_script("POST", '{"features": []}')
    assert script == (
        'wrk.method = "POST"\n'
        'wrk.body = [==[{"features": []}]==]\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    assert throughput.lua_script("GET", None) == 'wrk.method = "GET"\n'


def test_ratios_are_against_the_two_deployment_no_op_app() -> None:
    rows = {
        "noop_two": {"requests_per_s": 50.0, "p50_ms": 200.0, "low_rate_p50_ms": 40.0},
        "healthz": {"requests_per_s": 1000.0, "p50_ms": 10.0, "low_rate_p50_ms": None},
    }
    throughput.add_ratios(rows)
    assert rows["healthz"]["vs_noop_two"] == {
        "requests_per_s": 20.0,
        "p50_ms": 0.05,
        "low_rate_p50_ms": None,
    }
    assert rows["noop_two"]["vs_noop_two"]["requests_per_s"] == 1.0


# What GET /api/serve/applications/ answered on a bench cluster (trimmed).
DETAILS = {
    "controller_info": {"node_id": "f7c6"},
    "proxy_location": "EveryNode",
    "http_options": {
        "host": "0.0.0.0",
        "port": 8000,
        "root_path": "",
        "request_timeout_s": 20.0,
        "keep_alive_timeout_s": 90,
        "ssl_keyfile": None,
    },
    "applications": {
        "seedcore-ml": {
            "status": "RUNNING",
            "deployed_app_config": {
                "name": "seedcore-ml",
                "route_prefix": "/",
                "import_path": "seedcore_serve.app:build_app",
                "runtime_env": {"env_vars": {"SEEDCORE_CODE_VERSION": "8ac4aa6e347c7f45"}},
                "args": {"num_replicas": 2, "ingress_resource": "seedcore_serve"},
            },
        },
        "bench-noop-one": {
            "status": "RUNNING",
            "deployed_app_config": dict(throughput.NOOP_APPS[0]),
        },
    },
}


def test_the_no_op_apps_go_beside_seedcore_s_app_kept_exactly() -> None:
    config = throughput.with_noop_apps(DETAILS)
    assert config["proxy_location"] == "EveryNode"
    assert config["http_options"] == {"host": "0.0.0.0", "port": 8000, "request_timeout_s": 20.0}
    names = [app["name"] for app in config["applications"]]
    assert names == ["seedcore-ml", "bench-noop-one", "bench-noop-two"]
    seedcore = DETAILS["applications"]["seedcore-ml"]["deployed_app_config"]
    assert config["applications"][0] == seedcore


def test_removing_them_keeps_every_other_app() -> None:
    config = throughput.without_noop_apps(DETAILS)
    assert [app["name"] for app in config["applications"]] == ["seedcore-ml"]


def test_the_urls_come_from_the_inventory_s_publish_ports() -> None:
    inventory = {
        "all": {
            "vars": {
                "seedcore_serve_publish_port": 38000,
                "seedcore_head_dashboard_publish_port": 38265,
            }
        }
    }
    assert throughput.urls_from_inventory(inventory) == (
        "http://127.0.0.1:38000",
        "http://127.0.0.1:38265",
    )
    assert throughput.urls_from_inventory({}) == ("http://127.0.0.1:8000", "http://127.0.0.1:8265")


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:8000", "https://127.0.0.1:8000", "http://example.org"]
)
def test_load_goes_only_to_the_loopback(url: str) -> None:
    with pytest.raises(ValueError, match=r"only to http://127\.0\.0\.1"):
        throughput.loopback(url)


def test_a_loopback_url_loses_its_trailing_slash() -> None:
    assert throughput.loopback("http://127.0.0.1:38000/") == "http://127.0.0.1:38000"
