"""Prometheus (seedcore_metrics) against the session's real cluster: it scrapes every Ray
node, counts every request a route gets, fires an alert when the app is broken on
purpose, and its rule files pass promtool.

tests/e2e/inventory scrapes and evaluates every 5 s and fires alerts after 10 s, so the
polls below are bounded by tens of seconds. Runs before test_6_teardown (name order).
"""

from __future__ import annotations

import json
import pathlib
import time
from collections.abc import Callable

import pytest
import requests

from cluster import CLUSTER, DASHBOARD_URL, PROMETHEUS_URL, docker, wait_for_health

pytestmark = pytest.mark.e2e

PROMETHEUS = f"{CLUSTER}-prometheus"
ROUTE = "/SalienceScorer"
PAYLOAD = {"features": [{"type": "system_event", "severity": "high", "frequency": 0.7}]}
REQUESTS = 25
# The route's count, summed over every proxy that answered (each request is answered by
# one proxy; the load balancer sends one again only after a 5xx or no answer).
ROUTE_COUNT = (
    'sum(ray_serve_num_http_requests_total{application="seedcore-ml",'
    f'route="{ROUTE}",method="POST"}})'
)
APP_STATUS = 'min(ray_serve_application_status{application="seedcore-ml"})'
# Ray's exporters report a replica's or proxy's counters every few seconds, and
# Prometheus scrapes every 5 s: a count is settled once it held this long.
SETTLED_S = 15.0


def query(promql: str) -> list[dict]:
    response = requests.get(f"{PROMETHEUS_URL}/api/v1/query", params={"query": promql}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]["result"]


def scalar(promql: str) -> float:
    result = query(promql)
    return float(result[0]["value"][1]) if result else 0.0


def poll(check: Callable[[], object], timeout: float, what: str, every: float = 1.0) -> object:
    """The first truthy result of check(); fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"{what} not seen within {timeout:.0f}s (last: {last!r})")


def settled(promql: str, timeout: float = 90) -> float:
    """The value of promql once it has not changed for SETTLED_S seconds."""
    deadline = time.monotonic() + timeout
    value, since = scalar(promql), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(1)
        now = scalar(promql)
        if now != value:
            value, since = now, time.monotonic()
        elif time.monotonic() - since >= SETTLED_S:
            return value
    raise AssertionError(f"{promql} still moving after {timeout:.0f}s (last {value})")


def test_prometheus_scrapes_every_ray_node(serve_url: str) -> None:
    def all_up() -> dict[str, str] | None:
        response = requests.get(f"{PROMETHEUS_URL}/api/v1/targets", timeout=10)
        targets = response.json()["data"]["activeTargets"]
        nodes = {t["labels"]["ray_node"]: t["health"] for t in targets}
        return nodes if nodes and set(nodes.values()) == {"up"} else None

    nodes = poll(all_up, 60, "every Ray node up")
    assert nodes.keys() == {"head", "serve", "worker-1"}, nodes


def test_route_count_grows_by_exactly_the_requests_sent(serve_url: str) -> None:
    before = settled(ROUTE_COUNT)
    for _ in range(REQUESTS):
        response = requests.post(f"{serve_url}{ROUTE}", json=PAYLOAD, timeout=30)
        assert response.status_code == 200, response.text
    poll(lambda: scalar(ROUTE_COUNT) >= before + REQUESTS, 90, f"{REQUESTS} more requests")
    after = settled(ROUTE_COUNT)
    print(f"{ROUTE_COUNT}: {before:.0f} before, {after:.0f} after {REQUESTS} requests")
    assert after - before == REQUESTS

    # The recording rules have the route: a request rate and p50/p99 latencies.
    route = f'{{application="seedcore-ml",route="{ROUTE}"}}'
    assert scalar(f"application_route:ray_serve_http_requests:rate1m{route}") > 0
    p50 = scalar(f"application_route:ray_serve_http_latency_ms:p50_1m{route}")
    p99 = scalar(f"application_route:ray_serve_http_latency_ms:p99_1m{route}")
    assert 0 < p50 <= p99, (p50, p99)


def firing(alert: str) -> list[dict]:
    response = requests.get(f"{PROMETHEUS_URL}/api/v1/alerts", timeout=10)
    assert response.status_code == 200, response.text
    return [
        a
        for a in response.json()["data"]["alerts"]
        if a["labels"]["alertname"] == alert and a["state"] == "firing"
    ]


def test_an_alert_fires_when_the_app_is_broken_on_purpose(serve_url: str) -> None:
    """A config that cannot be imported takes the app to DEPLOY_FAILED (the old replicas
    go on serving). The serve container's supervisor would redeploy the right one within
    seconds, so it is held (SIGSTOP) for the while, then let go."""
    assert not firing("SeedCoreServeAppNotRunning")
    supervisor = docker(
        "exec", f"{CLUSTER}-serve", "pgrep", "-x", "-f", "python -m seedcore_serve.supervisor"
    )
    apps = requests.get(f"{DASHBOARD_URL}/api/serve/applications/", timeout=10).json()
    broken = dict(apps["applications"]["seedcore-ml"]["deployed_app_config"])
    broken["import_path"] = "seedcore_serve.no_such_module:app"
    http = apps["http_options"]
    body = {
        "proxy_location": "EveryNode",
        "http_options": {"host": http["host"], "port": http["port"]},
        "applications": [broken],
    }
    docker("exec", f"{CLUSTER}-serve", "kill", "-STOP", supervisor)
    try:
        put = requests.put(f"{DASHBOARD_URL}/api/serve/applications/", json=body, timeout=60)
        assert put.status_code == 200, put.text
        alerts = poll(
            lambda: firing("SeedCoreServeAppNotRunning"), 120, "SeedCoreServeAppNotRunning", 2
        )
        assert alerts[0]["labels"]["application"] == "seedcore-ml"
        # DEPLOYING (5) first, then DEPLOY_FAILED (1): either is not RUNNING (6).
        assert float(alerts[0]["value"]) in (1.0, 5.0), alerts
        poll(lambda: scalar(APP_STATUS) == 1.0, 60, "DEPLOY_FAILED in Prometheus")
    finally:
        docker("exec", f"{CLUSTER}-serve", "kill", "-CONT", supervisor)
    # The supervisor puts the right config back; the app is RUNNING again.
    wait_for_health(timeout=180, url=serve_url)
    poll(lambda: not firing("SeedCoreServeAppNotRunning"), 60, "the alert resolved", 2)


def test_promtool_passes_the_rule_files(serve_url: str) -> None:
    rules = docker(
        "exec", PROMETHEUS, "promtool", "check", "rules",
        "/etc/prometheus/recording.yml", "/etc/prometheus/alerts.yml",
    )  # fmt: skip
    assert "SUCCESS: 5 rules found" in rules, rules
    assert "SUCCESS: 8 rules found" in rules, rules
    config = docker(
        "exec", PROMETHEUS, "promtool", "check", "config", "/etc/prometheus/prometheus.yml"
    )
    assert "SUCCESS" in config, config


def test_prometheus_is_hardened(serve_url: str) -> None:
    host_config = json.loads(docker("inspect", "-f", "{{json .HostConfig}}", PROMETHEUS))
    assert host_config["CapDrop"] == ["ALL"]
    assert host_config["SecurityOpt"] == ["no-new-privileges"]
    assert host_config["ReadonlyRootfs"] is True
    assert host_config["LogConfig"]["Config"] == {"max-file": "5", "max-size": "20m"}
    assert docker("exec", PROMETHEUS, "id", "-u") == "1000"
    bindings = host_config["PortBindings"]["9090/tcp"]
    assert [binding["HostIp"] for binding in bindings] == ["127.0.0.1"]


def test_the_dashboard_reads_prometheus(serve_url: str) -> None:
    env = json.loads(docker("inspect", "-f", "{{json .Config.Env}}", f"{CLUSTER}-ray-head"))
    assert f"RAY_PROMETHEUS_HOST=http://{PROMETHEUS}:9090" in env
    health = requests.get(f"{DASHBOARD_URL}/api/prometheus_health", timeout=10).json()
    assert health["result"] is True, health


def test_rays_grafana_dashboards_are_on_the_controller(serve_url: str) -> None:
    folder = pathlib.Path.home() / ".local/share/seedcore" / CLUSTER / "grafana-dashboards"
    names = sorted(path.name for path in folder.glob("*.json"))
    assert "default_grafana_dashboard.json" in names, names
    assert "serve_grafana_dashboard.json" in names, names
    serve = json.loads((folder / "serve_grafana_dashboard.json").read_text())
    assert serve["panels"], "no panels"
