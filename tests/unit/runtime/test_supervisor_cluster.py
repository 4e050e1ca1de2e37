"""The supervisor's HTTP side against a stand-in dashboard on loopback.

The dashboard is faked at the HTTP boundary: a real server on 127.0.0.1 that answers
the three endpoints the supervisor reads and records what it is sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from seedcore_serve.supervisor import Cluster, Memory, Settings, app_config


class FakeDashboard(BaseHTTPRequestHandler):
    routes: ClassVar[dict[tuple[str, str], tuple[int, Any]]] = {}
    received: ClassVar[list[tuple[str, str, Any]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        FakeDashboard.received.append((self.command, self.path, body))
        status, payload = FakeDashboard.routes.get((self.command, self.path), (404, "no route"))
        raw = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dashboard() -> Iterator[str]:
    FakeDashboard.routes = {}
    FakeDashboard.received = []
    server = HTTPServer(("127.0.0.1", 0), FakeDashboard)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def cluster_for(url: str) -> Cluster:
    settings = Settings.from_env(
        {
            "RAY_ADDRESS": "head:6379",
            "SEEDCORE_DASHBOARD_URL": url,
            "SEEDCORE_NODE_HEALTH_URL": f"{url}/api/local_raylet_healthz",
            "SEEDCORE_PROXY_HEALTH_URL": f"{url}/-/healthz",
        }
    )
    return Cluster(settings, run=None)


def apps_answer(apps: dict[str, Any]) -> tuple[int, Any]:
    return 200, {"controller_info": {}, "proxies": {}, "applications": apps}


def test_observe_reads_session_node_and_app(dashboard: str) -> None:
    cluster = cluster_for(dashboard)
    wanted = app_config(cluster.settings)
    FakeDashboard.routes = {
        ("GET", "/api/version"): (200, {"session_name": "s1", "ray_version": "2.60.0"}),
        ("GET", "/api/local_raylet_healthz"): (200, "success"),
        ("GET", "/api/serve/applications/"): apps_answer(
            {"seedcore-ml": {"status": "DEPLOYING", "message": "", "deployed_app_config": wanted}}
        ),
    }
    seen = cluster.observe(Memory())
    assert (seen.session_name, seen.node_healthy, seen.app_status) == ("s1", True, "DEPLOYING")
    assert seen.config_matches
    # A stuck-looking app makes it look up this node, which the head does not list yet.
    assert seen.hosts_replica is None
    assert [(method, path) for method, path, _ in FakeDashboard.received] == [
        ("GET", "/api/local_raylet_healthz"),
        ("GET", "/api/version"),
        ("GET", "/api/serve/applications/"),
        ("GET", "/api/v0/nodes?limit=10000"),
    ]


def nodes_answer(*nodes: tuple[str, str, str]) -> tuple[int, dict]:
    listed = [{"node_id": i, "node_name": name, "state": state} for i, name, state in nodes]
    return 200, {"data": {"result": {"result": listed}}}


@pytest.mark.parametrize(("replica_node", "expected"), [("n-own", True), ("n-other", False)])
def test_a_stuck_app_is_checked_for_replicas_on_this_node(
    dashboard: str, replica_node: str, expected: bool
) -> None:
    cluster = cluster_for(dashboard)
    cluster.node_name = "seedcore-serve-abc"
    deployments = {"Model": {"status": "UPDATING", "replicas": [{"node_id": replica_node}]}}
    FakeDashboard.routes = {
        ("GET", "/api/version"): (200, {"session_name": "s1"}),
        ("GET", "/api/local_raylet_healthz"): (200, "success"),
        ("GET", "/api/serve/applications/"): apps_answer(
            {"seedcore-ml": {"status": "DEPLOYING", "deployments": deployments}}
        ),
        ("GET", "/api/v0/nodes?limit=10000"): nodes_answer(
            ("n-old", "seedcore-serve-abc", "DEAD"),
            ("n-own", "seedcore-serve-abc", "ALIVE"),
            ("n-other", "172.18.0.3", "ALIVE"),
        ),
    }
    assert cluster.observe(Memory()).hosts_replica is expected


def test_observe_asks_the_local_proxy_once_the_app_runs(dashboard: str) -> None:
    cluster = cluster_for(dashboard)
    wanted = app_config(cluster.settings)
    FakeDashboard.routes = {
        ("GET", "/api/version"): (200, {"session_name": "s1"}),
        ("GET", "/api/local_raylet_healthz"): (200, "success"),
        ("GET", "/api/serve/applications/"): apps_answer(
            {"seedcore-ml": {"status": "RUNNING", "deployed_app_config": wanted}}
        ),
        ("GET", "/-/healthz"): (503, "no proxy here"),
    }
    seen = cluster.observe(Memory())
    assert (seen.app_status, seen.proxy_healthy) == ("RUNNING", False)
    assert FakeDashboard.received[-1][:2] == ("GET", "/-/healthz")


def test_observe_reports_an_unreachable_head_and_a_dead_node(dashboard: str) -> None:
    cluster = cluster_for(dashboard)
    FakeDashboard.routes = {
        ("GET", "/api/version"): (503, "gcs down"),
        ("GET", "/api/local_raylet_healthz"): (200, "success"),
    }
    seen = cluster.observe(Memory())
    assert (seen.session_name, seen.node_healthy) == (None, True)

    # The controller restarting: the head answers, Serve's API does not.
    FakeDashboard.routes = {
        ("GET", "/api/version"): (200, {"session_name": "s1"}),
        ("GET", "/api/local_raylet_healthz"): (200, "success"),
        ("GET", "/api/serve/applications/"): (503, "controller restarting"),
    }
    seen = cluster.observe(Memory())
    assert (seen.session_name, seen.apps_readable) == ("s1", False)

    FakeDashboard.routes = {
        ("GET", "/api/version"): (200, {"session_name": "s1"}),
        ("GET", "/api/local_raylet_healthz"): (503, "raylet down"),
        ("GET", "/api/serve/applications/"): apps_answer({}),
    }
    seen = cluster.observe(Memory())
    assert (seen.session_name, seen.node_healthy, seen.app_status) == ("s1", False, None)


def test_observe_quotes_serve_on_unwell_deployments(dashboard: str) -> None:
    cluster = cluster_for(dashboard)
    wanted = app_config(cluster.settings)
    deployments = {
        "SalienceScorer": {"status": "UPSCALING", "message": "1 replica STARTING"},
        "SeedCoreIngress": {"status": "HEALTHY", "message": ""},
    }
    app = {"status": "DEPLOYING", "message": "", "deployed_app_config": wanted}
    FakeDashboard.routes = {
        ("GET", "/api/version"): (200, {"session_name": "s1"}),
        ("GET", "/api/local_raylet_healthz"): (200, "success"),
        ("GET", "/api/serve/applications/"): apps_answer(
            {"seedcore-ml": app | {"deployments": deployments}}
        ),
    }
    seen = cluster.observe(Memory())
    assert seen.app_message == "SalienceScorer UPSCALING: 1 replica STARTING"


def test_deploy_puts_our_app_and_keeps_other_rest_deployed_apps(dashboard: str) -> None:
    cluster = cluster_for(dashboard)
    other = {"name": "other", "route_prefix": "/other", "import_path": "other.app:app"}
    apps = {
        "other": {"status": "RUNNING", "deployed_app_config": other},
        "imperative": {"status": "RUNNING", "deployed_app_config": None},
    }
    FakeDashboard.routes = {("PUT", "/api/serve/applications/"): (200, "")}
    cluster.deploy(apps)
    [(method, path, body)] = FakeDashboard.received
    assert (method, path) == ("PUT", "/api/serve/applications/")
    assert body == {
        "proxy_location": "EveryNode",
        "http_options": {"host": "0.0.0.0", "port": 8000, "request_timeout_s": 20},
        "applications": [other, app_config(cluster.settings)],
    }


def test_deploy_failure_names_method_url_and_status(dashboard: str) -> None:
    cluster = cluster_for(dashboard)
    FakeDashboard.routes = {("PUT", "/api/serve/applications/"): (400, "bad config")}
    with pytest.raises(
        RuntimeError,
        match=r"PUT http://127\.0\.0\.1:\d+/api/serve/applications/ -> 400: bad config",
    ):
        cluster.deploy({})
