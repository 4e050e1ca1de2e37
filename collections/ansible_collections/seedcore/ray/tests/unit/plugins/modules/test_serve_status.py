# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of seedcore.ray.serve_status.

Only ``fetch_url`` (as imported by the collection's private ``_ray_dashboard`` module util) is
replaced. Every test lists the HTTP calls it expects, in order, and what each one answers.
The answers are Ray 2.60.0's, recorded from a real ``ray start --head`` with Serve, trimmed of
fields the module does not read (deployment_config, controller_health_metrics, target_groups).
"""

from __future__ import annotations

import dataclasses
import json
import typing as t

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.seedcore.ray.plugins.module_utils import _ray_dashboard
from ansible_collections.seedcore.ray.plugins.modules import serve_status

URL = "http://127.0.0.1:8265"
APPS_URL = URL + "/api/serve/applications/"

# --- Answers recorded from Ray 2.60.0 ------------------------------------------------------

HEAD_NODE_ID = "6ec812e379493022f0a596ad60db0c9e9280a5fd0c319dc9280f29d9"

CONTROLLER_INFO = {
    "node_id": HEAD_NODE_ID,
    "node_ip": "192.0.2.2",
    "node_instance_id": "",
    "actor_id": "06f87042bbd991d14f0bd5fe02000000",
    "actor_name": "SERVE_CONTROLLER_ACTOR",
    "worker_id": "9bebab2287bf6cb212f793d8a2ade7964e8dbff5c94ebe5d508b32f9",
    "log_file_path": "/serve/controller_896.log",
}

# Serve never started on this cluster: the exact answer of Ray 2.60.0.
SERVE_NOT_STARTED = {
    "controller_info": {},
    "proxies": {},
    "applications": {},
    "target_capacity": None,
}

SLOWAPP_DEPLOYING = {
    "name": "slowapp",
    "route_prefix": "/slow",
    "docs_path": None,
    "status": "DEPLOYING",
    "message": "",
    "last_deployed_time_s": 1795308402.059201,
    "source": "imperative",
    "deployments": {
        "Slow": {
            "name": "Slow",
            "status": "UPDATING",
            "status_trigger": "CONFIG_UPDATE_STARTED",
            "message": "",
            "target_num_replicas": 2,
            "replicas": [
                {
                    "actor_name": "SERVE_REPLICA::slowapp#Slow#wpinhak8",
                    "replica_id": "wpinhak8",
                    "state": "STARTING",
                },
                {
                    "actor_name": "SERVE_REPLICA::slowapp#Slow#t8alfkur",
                    "replica_id": "t8alfkur",
                    "state": "STARTING",
                },
            ],
        }
    },
}

SLOWAPP_RUNNING = {
    "name": "slowapp",
    "route_prefix": "/slow",
    "docs_path": None,
    "status": "RUNNING",
    "message": "",
    "last_deployed_time_s": 1795308402.059201,
    "source": "imperative",
    "deployments": {
        "Slow": {
            "name": "Slow",
            "status": "HEALTHY",
            "status_trigger": "CONFIG_UPDATE_COMPLETED",
            "message": "",
            "target_num_replicas": 2,
            "replicas": [
                {
                    "node_id": HEAD_NODE_ID,
                    "node_ip": "192.0.2.2",
                    "actor_name": "SERVE_REPLICA::slowapp#Slow#wpinhak8",
                    "replica_id": "wpinhak8",
                    "state": "RUNNING",
                    "pid": 2024,
                },
                {
                    "node_id": HEAD_NODE_ID,
                    "node_ip": "192.0.2.2",
                    "actor_name": "SERVE_REPLICA::slowapp#Slow#t8alfkur",
                    "replica_id": "t8alfkur",
                    "state": "RUNNING",
                    "pid": 2053,
                },
            ],
        }
    },
}

# The deployment's message is Ray's, with the middle of the traceback cut out; the colour
# codes are Ray's too.
BROKEN_DEPLOYMENT_MESSAGE = (
    "The deployment failed to start 3 times in a row. This may be due to a problem with its"
    " constructor or initial health check failing. See controller logs for details. Error:\n"
    "\x1b[36mray::ServeReplica:broken:Broken.initialize_and_get_metadata()\x1b[39m"
    " (pid=1622, ip=192.0.2.2, actor_id=06624b618328ad289b31520e02000000)\n"
    "RuntimeError: Traceback (most recent call last):\n"
    '  File "/tmp/mrapp/drive.py", line 25, in __init__\n'
    '    raise RuntimeError("model weights missing: /models/seed.bin")\n'
    "RuntimeError: model weights missing: /models/seed.bin"
)

BROKEN_DEPLOY_FAILED = {
    "name": "broken",
    "route_prefix": "/broken",
    "docs_path": None,
    "status": "DEPLOY_FAILED",
    "message": "Failed to update the deployments ['Broken'].",
    "last_deployed_time_s": 1795308384.6071272,
    "source": "imperative",
    "deployments": {
        "Broken": {
            "name": "Broken",
            "status": "DEPLOY_FAILED",
            "status_trigger": "REPLICA_STARTUP_FAILED",
            "message": BROKEN_DEPLOYMENT_MESSAGE,
            "target_num_replicas": 1,
            "replicas": [],
        }
    },
}

SICK_UNHEALTHY = {
    "name": "sick",
    "route_prefix": "/sick",
    "docs_path": None,
    "status": "UNHEALTHY",
    "message": "The deployments ['Sick'] are UNHEALTHY.",
    "last_deployed_time_s": 1795308415.2827587,
    "source": "imperative",
    "deployments": {
        "Sick": {
            "name": "Sick",
            "status": "UNHEALTHY",
            "status_trigger": "HEALTH_CHECK_FAILED",
            "message": "A replica's health check failed. This deployment will be UNHEALTHY"
            " until the replica recovers or a new deploy happens.",
            "target_num_replicas": 1,
            "replicas": [
                {
                    "node_id": HEAD_NODE_ID,
                    "node_ip": "192.0.2.2",
                    "actor_name": "SERVE_REPLICA::sick#Sick#s7g1f8p3",
                    "replica_id": "s7g1f8p3",
                    "state": "STOPPING",
                    "pid": 2596,
                },
                {
                    "actor_name": "SERVE_REPLICA::sick#Sick#ny71fikp",
                    "replica_id": "ny71fikp",
                    "state": "STARTING",
                },
            ],
        }
    },
}

SICK_RUNNING = dict(
    SICK_UNHEALTHY,
    status="RUNNING",
    message="",
    deployments={
        "Sick": dict(
            SICK_UNHEALTHY["deployments"]["Sick"],
            status="HEALTHY",
            status_trigger="CONFIG_UPDATE_COMPLETED",
            message="",
            replicas=[
                {
                    "actor_name": "SERVE_REPLICA::sick#Sick#ny71fikp",
                    "replica_id": "ny71fikp",
                    "state": "RUNNING",
                }
            ],
        )
    },
)

# What Ray 2.60.0's dashboard answers when the controller cannot be reached (serve_head.py).
GCS_DOWN_BODY = (
    b"Failed to get a response from the controller. The GCS may be down, please retry later:"
    b" ray::ServeController.get_serve_instance_details()"
)


def serve_answer(*apps: dict[str, t.Any]) -> dict[str, t.Any]:
    """GET /api/serve/applications/ with a started controller and these applications."""
    return {
        "controller_info": CONTROLLER_INFO,
        "proxy_location": "EveryNode",
        "http_options": {"host": "0.0.0.0", "port": 8000},
        "proxies": {
            HEAD_NODE_ID: {
                "node_id": HEAD_NODE_ID,
                "node_ip": "192.0.2.2",
                "actor_name": "SERVE_PROXY_ACTOR-" + HEAD_NODE_ID,
                "status": "HEALTHY",
            }
        },
        "applications": {app["name"]: app for app in apps},
        "target_capacity": None,
    }


# --- The HTTP boundary ---------------------------------------------------------------------


@dataclasses.dataclass
class Call:
    """One expected fetch_url call and its answer (``status`` -1: no HTTP answer at all)."""

    method: str
    url: str
    status: int = 200
    json: t.Any = None
    body: bytes | None = None
    msg: str = ""


class FakeResponse:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def read(self) -> bytes:
        body, self._body = self._body, b""
        return body

    def close(self) -> None:
        pass


class FakeFetchUrl:
    """Stands in for fetch_url; answers the expected calls in order, like fetch_url does."""

    def __init__(self, calls: list[Call]) -> None:
        self.calls = list(calls)
        self.seen: list[dict[str, t.Any]] = []

    def __call__(self, module, url, data=None, headers=None, method=None, timeout=10, **kwargs):
        assert self.calls, f"unexpected call: {method} {url}"
        call = self.calls.pop(0)
        assert (method, url) == (call.method, call.url)
        self.seen.append(dict(method=method, url=url, headers=headers, timeout=timeout))
        body = call.body if call.body is not None else json.dumps(call.json).encode()
        if call.status == -1:
            return None, {"url": url, "status": -1, "msg": call.msg}
        if call.status >= 400:
            # fetch_url hands back the HTTPError, already read, and the body in info.
            return FakeResponse(b""), {
                "url": url,
                "status": call.status,
                "msg": call.msg or f"HTTP Error {call.status}",
                "body": body,
            }
        return FakeResponse(body), {"url": url, "status": call.status, "msg": "OK"}

    def assert_done(self) -> None:
        assert not self.calls, f"calls not made: {self.calls}"


class FakeTime:
    """Replaces ``time`` in the module util: sleeping advances the clock at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    clock = FakeTime()
    monkeypatch.setattr(_ray_dashboard, "time", clock)
    return clock


def run_module(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: dict[str, t.Any],
    calls: list[Call],
) -> tuple[int, dict[str, t.Any], FakeFetchUrl]:
    """Run serve_status.main() with ``args``; return its exit code, result and the fake."""
    fake = FakeFetchUrl(calls)
    monkeypatch.setattr(_ray_dashboard, "fetch_url", fake)
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        serve_status.main()
    result = json.loads(capsys.readouterr().out)
    fake.assert_done()
    return exc.value.code, result, fake


# --- Without wait --------------------------------------------------------------------------


def test_serve_not_started_reports_nothing_running(monkeypatch, capsys):
    code, result, fake = run_module(
        monkeypatch, capsys, {"url": URL}, [Call("GET", APPS_URL, json=SERVE_NOT_STARTED)]
    )
    assert code == 0
    assert result["changed"] is False
    assert result["applications"] == {}
    assert result["proxies"] == {}
    assert result["controller_info"] == {}
    assert result["all_running"] is False
    assert fake.seen[0]["headers"] == {"Accept": "application/json"}
    assert fake.seen[0]["timeout"] == 10.0


def test_running_application_is_reported(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["slowapp"]},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING))],
    )
    assert code == 0
    assert result["all_running"] is True
    assert result["applications"] == {
        "slowapp": {
            "status": "RUNNING",
            "message": "",
            "route_prefix": "/slow",
            "deployments": {
                "Slow": {"status": "HEALTHY", "message": "", "replica_states": {"RUNNING": 2}}
            },
        }
    }
    assert result["proxies"] == {HEAD_NODE_ID: "HEALTHY"}
    assert result["controller_info"] == CONTROLLER_INFO


def test_default_url_and_trailing_slash(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING))],
    )
    assert code == 0
    assert result["all_running"] is True

    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": "https://ray-head.internal:8443/"},
        [
            Call(
                "GET",
                "https://ray-head.internal:8443/api/serve/applications/",
                json=serve_answer(SLOWAPP_RUNNING),
            )
        ],
    )
    assert code == 0


def test_deploying_is_not_a_failure_without_wait(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["slowapp"]},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_DEPLOYING))],
    )
    assert code == 0
    assert result["all_running"] is False
    assert result["applications"]["slowapp"]["status"] == "DEPLOYING"
    assert result["applications"]["slowapp"]["deployments"]["Slow"] == {
        "status": "UPDATING",
        "message": "",
        "replica_states": {"STARTING": 2},
    }


def test_deploy_failed_fails_with_its_messages(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["broken"]},
        [Call("GET", APPS_URL, json=serve_answer(BROKEN_DEPLOY_FAILED))],
    )
    assert code == 1
    assert result["failed"] is True
    assert result["msg"].startswith(
        "Serve applications are not healthy: 'broken' is DEPLOY_FAILED:"
        " Failed to update the deployments ['Broken']."
        " [deployment 'Broken' is DEPLOY_FAILED: The deployment failed to start 3 times"
    )
    assert result["msg"].endswith(
        "RuntimeError: model weights missing: /models/seed.bin] (present: 'broken')"
    )
    assert "\x1b[" not in result["msg"]
    assert result["all_running"] is False
    deployment = result["applications"]["broken"]["deployments"]["Broken"]
    assert deployment["status"] == "DEPLOY_FAILED"
    assert deployment["replica_states"] == {}
    assert deployment["message"].startswith("The deployment failed to start 3 times")
    assert "\x1b[" not in deployment["message"]


def test_unhealthy_fails_without_wait(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING, SICK_UNHEALTHY))],
    )
    assert code == 1
    assert result["msg"] == (
        "Serve applications are not healthy: 'sick' is UNHEALTHY: The deployments ['Sick'] are"
        " UNHEALTHY. [deployment 'Sick' is UNHEALTHY: A replica's health check failed. This"
        " deployment will be UNHEALTHY until the replica recovers or a new deploy happens.]"
        " (present: 'sick', 'slowapp')"
    )
    assert result["applications"]["sick"]["deployments"]["Sick"]["replica_states"] == {
        "STOPPING": 1,
        "STARTING": 1,
    }


def test_unrequested_unhealthy_application_is_ignored(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["slowapp"]},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING, SICK_UNHEALTHY))],
    )
    assert code == 0
    assert result["all_running"] is True
    assert sorted(result["applications"]) == ["sick", "slowapp"]


def test_missing_application_fails(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["seedcore"]},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING))],
    )
    assert code == 1
    assert result["msg"] == (
        "Serve applications are not healthy: 'seedcore' does not exist (present: 'slowapp')"
    )
    assert result["all_running"] is False
    assert "slowapp" in result["applications"]


def test_missing_application_when_serve_not_started(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["seedcore"]},
        [Call("GET", APPS_URL, json=SERVE_NOT_STARTED)],
    )
    assert code == 1
    assert result["msg"] == (
        "Serve applications are not healthy: 'seedcore' does not exist (present: none)"
    )


def test_503_fails_naming_url_and_status(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
        [
            Call(
                "GET",
                APPS_URL,
                status=503,
                body=GCS_DOWN_BODY,
                msg="HTTP Error 503: Service Unavailable",
            )
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Cannot read Serve's state: GET http://127.0.0.1:8265/api/serve/applications/ failed:"
        " HTTP status 503 (HTTP Error 503: Service Unavailable): Failed to get a response from"
        " the controller. The GCS may be down, please retry later:"
        " ray::ServeController.get_serve_instance_details()"
    )
    assert result["applications"] == {}
    assert result["all_running"] is False


def test_connection_refused_fails(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
        [
            Call(
                "GET",
                APPS_URL,
                status=-1,
                msg="Request failed: <urlopen error [Errno 111] Connection refused>",
            )
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Cannot read Serve's state: GET http://127.0.0.1:8265/api/serve/applications/ failed:"
        " no HTTP response (Request failed: <urlopen error [Errno 111] Connection refused>)"
    )


def test_malformed_json_fails(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
        [Call("GET", APPS_URL, body=b"<html>Bad gateway</html>")],
    )
    assert code == 1
    assert result["msg"].startswith(
        "Cannot read Serve's state: GET http://127.0.0.1:8265/api/serve/applications/ failed:"
        " HTTP status 200 (the answer is not valid JSON: Expecting value"
    )
    assert result["msg"].endswith(": <html>Bad gateway</html>")


def test_json_without_applications_fails(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
        [Call("GET", APPS_URL, json=["not", "serve"])],
    )
    assert code == 1
    assert result["msg"] == (
        "Unexpected answer from GET http://127.0.0.1:8265/api/serve/applications/:"
        " the answer has no 'applications' object"
    )


def test_auth_token_is_sent_as_bearer_and_not_logged(monkeypatch, capsys):
    code, result, fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "auth_token": "s3cr3t-t0ken", "request_timeout": 2.5},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING))],
    )
    assert code == 0
    assert fake.seen[0]["headers"] == {
        "Accept": "application/json",
        "Authorization": "Bearer s3cr3t-t0ken",
    }
    assert fake.seen[0]["timeout"] == 2.5
    assert "s3cr3t-t0ken" not in json.dumps(result)


def test_wrong_token_403_fails(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "auth_token": "wrong"},
        [
            Call(
                "GET",
                APPS_URL,
                status=403,
                body=b"Forbidden: Invalid authentication token",
                msg="HTTP Error 403: Forbidden",
            )
        ],
    )
    assert code == 1
    assert result["msg"].endswith(
        "HTTP status 403 (HTTP Error 403: Forbidden): Forbidden: Invalid authentication token"
    )


def test_check_mode_reads_and_changes_nothing(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "_ansible_check_mode": True},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING))],
    )
    assert code == 0
    assert result["changed"] is False
    assert result["all_running"] is True


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        ({"url": "127.0.0.1:8265"}, "url must start with http:// or https://"),
        ({"url": URL, "interval": 0}, "interval must be more than 0, got 0.0"),
        ({"url": URL, "timeout": -1}, "timeout must be 0 or more, got -1"),
        ({"url": URL, "request_timeout": 0}, "request_timeout must be more than 0, got 0.0"),
    ],
)
def test_bad_options_fail_before_any_request(monkeypatch, capsys, args, msg):
    code, result, _fake = run_module(monkeypatch, capsys, args, [])
    assert code == 1
    assert result["msg"].startswith(msg)


# --- With wait -----------------------------------------------------------------------------


def test_wait_through_restart_and_deploying_to_running(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["slowapp"], "wait": True, "interval": 2},
        [
            Call("GET", APPS_URL, status=-1, msg="Request failed: Connection refused"),
            Call("GET", APPS_URL, status=503, body=GCS_DOWN_BODY),
            Call("GET", APPS_URL, json=SERVE_NOT_STARTED),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_DEPLOYING)),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING)),
        ],
    )
    assert code == 0
    assert result["all_running"] is True
    assert result["applications"]["slowapp"]["deployments"]["Slow"]["replica_states"] == {
        "RUNNING": 2
    }
    assert fake_time.sleeps == [2, 2, 2, 2]


def test_wait_for_any_application_when_none_requested(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "wait": True, "interval": 1.5},
        [
            Call("GET", APPS_URL, json=SERVE_NOT_STARTED),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING, SICK_UNHEALTHY)),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING, SICK_RUNNING)),
        ],
    )
    assert code == 0
    assert result["all_running"] is True
    assert fake_time.sleeps == [1.5, 1.5]


def test_wait_stops_at_once_on_deploy_failed(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["broken"], "wait": True},
        [
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING)),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING, BROKEN_DEPLOY_FAILED)),
        ],
    )
    assert code == 1
    assert result["msg"].startswith(
        "Serve applications failed to deploy: 'broken' is DEPLOY_FAILED:"
        " Failed to update the deployments ['Broken']."
    )
    assert "RuntimeError: model weights missing: /models/seed.bin" in result["msg"]
    assert fake_time.sleeps == [2.0]


def test_wait_on_all_applications_stops_on_any_deploy_failed(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "wait": True},
        [Call("GET", APPS_URL, json=serve_answer(SLOWAPP_DEPLOYING, BROKEN_DEPLOY_FAILED))],
    )
    assert code == 1
    assert result["msg"].startswith("Serve applications failed to deploy: 'broken' is")
    assert fake_time.sleeps == []


def test_wait_times_out_with_last_state(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["slowapp", "sick"], "wait": True, "timeout": 5},
        [
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_DEPLOYING)),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_DEPLOYING)),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING, SICK_UNHEALTHY)),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING, SICK_UNHEALTHY)),
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 5 s waiting for Serve applications to be RUNNING: 'slowapp' is RUNNING;"
        " 'sick' is UNHEALTHY: The deployments ['Sick'] are UNHEALTHY. [deployment 'Sick' is"
        " UNHEALTHY: A replica's health check failed. This deployment will be UNHEALTHY until"
        " the replica recovers or a new deploy happens.] (present: 'sick', 'slowapp')"
    )
    # Asked at 0, 2, 4 and at the deadline (5).
    assert fake_time.sleeps == [2, 2, 1]
    assert result["all_running"] is False
    assert result["applications"]["slowapp"]["status"] == "RUNNING"


def test_wait_times_out_on_missing_application(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["seedcore"], "wait": True, "timeout": 2},
        [
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING)),
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_RUNNING)),
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 2 s waiting for Serve applications to be RUNNING:"
        " 'seedcore' does not exist (present: 'slowapp')"
    )


def test_wait_times_out_with_last_http_error(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "applications": ["slowapp"], "wait": True, "timeout": 3, "interval": 3},
        [
            Call("GET", APPS_URL, json=serve_answer(SLOWAPP_DEPLOYING)),
            Call(
                "GET",
                APPS_URL,
                status=503,
                body=GCS_DOWN_BODY,
                msg="HTTP Error 503: Service Unavailable",
            ),
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 3 s waiting for Serve applications to be RUNNING; last error:"
        " GET http://127.0.0.1:8265/api/serve/applications/ failed: HTTP status 503"
        " (HTTP Error 503: Service Unavailable): Failed to get a response from the controller."
        " The GCS may be down, please retry later:"
        " ray::ServeController.get_serve_instance_details()"
    )
    assert result["all_running"] is False


def test_wait_times_out_when_serve_has_no_application(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "wait": True, "timeout": 0},
        [Call("GET", APPS_URL, json=SERVE_NOT_STARTED)],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 0 s waiting for Serve applications to be RUNNING:"
        " Serve reports no application"
    )
    assert fake_time.sleeps == []


def test_wait_does_not_retry_serve_not_installed(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "wait": True},
        [
            Call(
                "GET",
                APPS_URL,
                status=501,
                body=b"Serve dependencies are not installed."
                b' Please run `pip install "ray[serve]"`.',
                msg="HTTP Error 501: Not Implemented",
            )
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Cannot read Serve's state: GET http://127.0.0.1:8265/api/serve/applications/ failed:"
        " HTTP status 501 (HTTP Error 501: Not Implemented): Serve dependencies are not"
        ' installed. Please run `pip install "ray[serve]"`.'
    )
    assert fake_time.sleeps == []


def test_wait_does_not_retry_malformed_json(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "wait": True},
        [Call("GET", APPS_URL, body=b"{")],
    )
    assert code == 1
    assert "not valid JSON" in result["msg"]
    assert fake_time.sleeps == []


# --- Pure helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("replicas", "expected"),
    [
        (None, {}),
        ([], {}),
        ([{"state": "RUNNING"}, {"state": "RUNNING"}], {"RUNNING": 2}),
        ([{"state": "STOPPING"}, {"state": "STARTING"}], {"STOPPING": 1, "STARTING": 1}),
        ([{"replica_id": "x"}, "junk"], {"UNKNOWN": 2}),
    ],
)
def test_replica_states(replicas, expected):
    assert serve_status.replica_states(replicas) == expected


def _app(status: str) -> dict[str, t.Any]:
    return {"status": status, "message": "", "route_prefix": "/", "deployments": {}}


@pytest.mark.parametrize(
    ("applications", "requested", "expected"),
    [
        ({}, [], False),
        ({}, ["a"], False),
        ({"a": _app("RUNNING")}, [], True),
        ({"a": _app("RUNNING"), "b": _app("DEPLOYING")}, [], False),
        ({"a": _app("RUNNING"), "b": _app("DEPLOYING")}, ["a"], True),
        ({"a": _app("RUNNING")}, ["a", "b"], False),
        ({"a": _app("UNHEALTHY")}, ["a"], False),
        ({"a": _app("DELETING")}, ["a"], False),
    ],
)
def test_all_running(applications, requested, expected):
    assert serve_status.all_running(applications, requested) is expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 100, "short"),
        ("  padded\n", 100, "padded"),
        ("first line\nmiddle\nlast", 100, "first line\nmiddle\nlast"),
        ("first line\n" + "x" * 50 + "\nthe error", 30, "first line\n...\nthe error"),
        ("one very long line", 8, "one very\n..."),
    ],
)
def test_shorten_message(text, limit, expected):
    assert serve_status.shorten_message(text, limit) == expected


@pytest.mark.parametrize(
    ("name", "app", "expected"),
    [
        ("a", None, "'a' does not exist"),
        ("a", _app("DEPLOYING"), "'a' is DEPLOYING"),
        (
            "a",
            {
                "status": "UNHEALTHY",
                "message": "The deployments ['D'] are UNHEALTHY.",
                "route_prefix": "/",
                "deployments": {
                    "D": {"status": "UNHEALTHY", "message": "check failed"},
                    "E": {"status": "HEALTHY", "message": ""},
                    "F": {"status": "UNHEALTHY", "message": ""},
                },
            },
            "'a' is UNHEALTHY: The deployments ['D'] are UNHEALTHY."
            " [deployment 'D' is UNHEALTHY: check failed]",
        ),
    ],
)
def test_describe_application(name, app, expected):
    assert serve_status.describe_application(name, app) == expected
