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

import functools
import json
import typing as t

import pytest
from ansible_collections.seedcore.ray.plugins.modules import serve_status
from ansible_collections.seedcore.ray.tests.unit.plugins._fakes import (
    CONNECTION_REFUSED,
    URL,
    Call,
    refused,
)

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


def running(app: dict[str, t.Any], replicas: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """``app`` as Serve reports it once RUNNING: its one deployment HEALTHY on ``replicas``."""
    ((name, deployment),) = app["deployments"].items()
    healthy = dict(
        deployment,
        status="HEALTHY",
        status_trigger="CONFIG_UPDATE_COMPLETED",
        message="",
        replicas=replicas,
    )
    return dict(app, status="RUNNING", message="", deployments={name: healthy})


SLOWAPP_RUNNING = running(
    SLOWAPP_DEPLOYING,
    [
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
)

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

SICK_RUNNING = running(
    SICK_UNHEALTHY,
    [
        {
            "actor_name": "SERVE_REPLICA::sick#Sick#ny71fikp",
            "replica_id": "ny71fikp",
            "state": "RUNNING",
        }
    ],
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


# --- Running the module --------------------------------------------------------------------


@pytest.fixture
def run(run_module):
    """serve_status.main() with args and the calls it must make (see conftest.run_module)."""
    return functools.partial(run_module, serve_status.main)


def apps(*applications: dict[str, t.Any]) -> Call:
    """GET /api/serve/applications/ answered by a started controller with these applications."""
    return Call("GET", APPS_URL, json=serve_answer(*applications))


NOT_STARTED = Call("GET", APPS_URL, json=SERVE_NOT_STARTED)
GCS_DOWN = Call(
    "GET", APPS_URL, status=503, body=GCS_DOWN_BODY, msg="HTTP Error 503: Service Unavailable"
)
GCS_DOWN_ERROR = (
    "GET http://127.0.0.1:8265/api/serve/applications/ failed: HTTP status 503"
    " (HTTP Error 503: Service Unavailable): Failed to get a response from the controller."
    " The GCS may be down, please retry later:"
    " ray::ServeController.get_serve_instance_details()"
)

# --- Without wait --------------------------------------------------------------------------


def test_serve_not_started_reports_nothing_running(run):
    code, result, fake = run({"url": URL}, [NOT_STARTED])
    assert code == 0
    assert result["changed"] is False
    assert result["applications"] == {}
    assert result["proxies"] == {}
    assert result["controller_info"] == {}
    assert result["all_running"] is False
    assert fake.seen[0]["headers"] == {"Accept": "application/json"}
    assert fake.seen[0]["timeout"] == 10.0


def test_running_application_is_reported(run):
    code, result, _fake = run({"url": URL, "applications": ["slowapp"]}, [apps(SLOWAPP_RUNNING)])
    assert code == 0
    assert result["all_running"] is True
    assert result["applications"] == {
        "slowapp": {
            "status": "RUNNING",
            "message": "",
            "route_prefix": "/slow",
            "deployments": {
                "Slow": {
                    "status": "HEALTHY",
                    "message": "",
                    "replica_states": {"RUNNING": 2},
                    "replicas": [
                        {
                            "replica_id": "wpinhak8",
                            "state": "RUNNING",
                            "node_id": HEAD_NODE_ID,
                            "node_ip": "192.0.2.2",
                        },
                        {
                            "replica_id": "t8alfkur",
                            "state": "RUNNING",
                            "node_id": HEAD_NODE_ID,
                            "node_ip": "192.0.2.2",
                        },
                    ],
                }
            },
        }
    }
    assert result["proxies"] == {HEAD_NODE_ID: "HEALTHY"}
    assert result["controller_info"] == CONTROLLER_INFO


@pytest.mark.parametrize(
    ("args", "call"),
    [
        pytest.param({}, apps(SLOWAPP_RUNNING), id="default-url"),
        pytest.param(
            {"url": "https://ray-head.internal:8443/"},
            Call(
                "GET",
                "https://ray-head.internal:8443/api/serve/applications/",
                json=serve_answer(SLOWAPP_RUNNING),
            ),
            id="trailing-slash",
        ),
    ],
)
def test_default_url_and_trailing_slash(run, args, call):
    code, result, _fake = run(args, [call])
    assert code == 0
    assert result["all_running"] is True


def test_deploying_is_not_a_failure_without_wait(run):
    code, result, _fake = run({"url": URL, "applications": ["slowapp"]}, [apps(SLOWAPP_DEPLOYING)])
    assert code == 0
    assert result["all_running"] is False
    assert result["applications"]["slowapp"]["status"] == "DEPLOYING"
    assert result["applications"]["slowapp"]["deployments"]["Slow"] == {
        "status": "UPDATING",
        "message": "",
        "replica_states": {"STARTING": 2},
        # Not placed yet: Serve gives no node.
        "replicas": [
            {"replica_id": "wpinhak8", "state": "STARTING", "node_id": "", "node_ip": ""},
            {"replica_id": "t8alfkur", "state": "STARTING", "node_id": "", "node_ip": ""},
        ],
    }


def test_deploy_failed_fails_with_its_messages(run):
    code, result, _fake = run(
        {"url": URL, "applications": ["broken"]}, [apps(BROKEN_DEPLOY_FAILED)]
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


def test_unhealthy_fails_without_wait(run):
    code, result, _fake = run({"url": URL}, [apps(SLOWAPP_RUNNING, SICK_UNHEALTHY)])
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


def test_unrequested_unhealthy_application_is_ignored(run):
    code, result, _fake = run(
        {"url": URL, "applications": ["slowapp"]}, [apps(SLOWAPP_RUNNING, SICK_UNHEALTHY)]
    )
    assert code == 0
    assert result["all_running"] is True
    assert sorted(result["applications"]) == ["sick", "slowapp"]


@pytest.mark.parametrize(
    ("call", "present", "names"),
    [
        pytest.param(apps(SLOWAPP_RUNNING), "'slowapp'", ["slowapp"], id="serve-started"),
        pytest.param(NOT_STARTED, "none", [], id="serve-not-started"),
    ],
)
def test_missing_application_fails(run, call, present, names):
    code, result, _fake = run({"url": URL, "applications": ["seedcore"]}, [call])
    assert code == 1
    assert result["msg"] == (
        f"Serve applications are not healthy: 'seedcore' does not exist (present: {present})"
    )
    assert result["all_running"] is False
    assert sorted(result["applications"]) == names


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(GCS_DOWN, GCS_DOWN_ERROR, id="gcs-down-503"),
        pytest.param(
            refused(APPS_URL),
            "GET http://127.0.0.1:8265/api/serve/applications/ failed:"
            f" no HTTP response ({CONNECTION_REFUSED})",
            id="connection-refused",
        ),
    ],
)
def test_unreachable_dashboard_fails_without_wait(run, call, error):
    code, result, _fake = run({"url": URL}, [call])
    assert code == 1
    assert result["msg"] == f"Cannot read Serve's state: {error}"
    assert result["applications"] == {}
    assert result["all_running"] is False


# Answers that asking again would not change: the module fails at once, waiting or not.
@pytest.mark.parametrize("wait", [False, True])
@pytest.mark.parametrize(
    ("args", "call", "error"),
    [
        pytest.param(
            {"auth_token": "wrong"},
            Call(
                "GET",
                APPS_URL,
                status=403,
                body=b"Forbidden: Invalid authentication token",
                msg="HTTP Error 403: Forbidden",
            ),
            "HTTP status 403 (HTTP Error 403: Forbidden): Forbidden: Invalid authentication token",
            id="wrong-token-403",
        ),
        pytest.param(
            {},
            Call(
                "GET",
                APPS_URL,
                status=501,
                body=b"Serve dependencies are not installed."
                b' Please run `pip install "ray[serve]"`.',
                msg="HTTP Error 501: Not Implemented",
            ),
            "HTTP status 501 (HTTP Error 501: Not Implemented): Serve dependencies are not"
            ' installed. Please run `pip install "ray[serve]"`.',
            id="serve-not-installed-501",
        ),
        pytest.param(
            {},
            Call("GET", APPS_URL, body=b"<html>Bad gateway</html>"),
            "HTTP status 200 (the answer is not valid JSON: Expecting value: line 1 column 1"
            " (char 0)): <html>Bad gateway</html>",
            id="html",
        ),
        pytest.param(
            {},
            Call("GET", APPS_URL, body=b"{"),
            "HTTP status 200 (the answer is not valid JSON: Expecting property name enclosed in"
            " double quotes: line 1 column 2 (char 1)): {",
            id="malformed-json",
        ),
    ],
)
def test_lasting_errors_fail_at_once(run, fake_time, wait, args, call, error):
    code, result, _fake = run({"url": URL, "wait": wait, **args}, [call])
    assert code == 1
    assert result["msg"] == (
        "Cannot read Serve's state: GET http://127.0.0.1:8265/api/serve/applications/ failed:"
        f" {error}"
    )
    assert result["applications"] == {}
    assert result["all_running"] is False
    assert fake_time.sleeps == []


def test_json_without_applications_fails(run):
    code, result, _fake = run({"url": URL}, [Call("GET", APPS_URL, json=["not", "serve"])])
    assert code == 1
    assert result["msg"] == (
        "Unexpected answer from GET http://127.0.0.1:8265/api/serve/applications/:"
        " the answer has no 'applications' object"
    )


def test_auth_token_is_sent_as_bearer_and_not_logged(run):
    code, result, fake = run(
        {"url": URL, "auth_token": "s3cr3t-t0ken", "request_timeout": 2.5},
        [apps(SLOWAPP_RUNNING)],
    )
    assert code == 0
    assert fake.seen[0]["headers"] == {
        "Accept": "application/json",
        "Authorization": "Bearer s3cr3t-t0ken",
    }
    assert fake.seen[0]["timeout"] == 2.5
    assert "s3cr3t-t0ken" not in json.dumps(result)


def test_check_mode_reads_and_changes_nothing(run):
    code, result, _fake = run({"url": URL, "_ansible_check_mode": True}, [apps(SLOWAPP_RUNNING)])
    assert code == 0
    assert result["changed"] is False
    assert result["all_running"] is True


# --- With wait -----------------------------------------------------------------------------


def test_wait_through_restart_and_deploying_to_running(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "applications": ["slowapp"], "wait": True, "interval": 2},
        [
            Call("GET", APPS_URL, status=-1, msg="Request failed: Connection refused"),
            Call("GET", APPS_URL, status=503, body=GCS_DOWN_BODY),
            NOT_STARTED,
            apps(SLOWAPP_DEPLOYING),
            apps(SLOWAPP_RUNNING),
        ],
    )
    assert code == 0
    assert result["all_running"] is True
    assert result["applications"]["slowapp"]["deployments"]["Slow"]["replica_states"] == {
        "RUNNING": 2
    }
    assert fake_time.sleeps == [2, 2, 2, 2]


def test_wait_for_any_application_when_none_requested(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "wait": True, "interval": 1.5},
        [
            NOT_STARTED,
            apps(SLOWAPP_RUNNING, SICK_UNHEALTHY),
            apps(SLOWAPP_RUNNING, SICK_RUNNING),
        ],
    )
    assert code == 0
    assert result["all_running"] is True
    assert fake_time.sleeps == [1.5, 1.5]


def test_wait_stops_at_once_on_deploy_failed(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "applications": ["broken"], "wait": True},
        [apps(SLOWAPP_RUNNING), apps(SLOWAPP_RUNNING, BROKEN_DEPLOY_FAILED)],
    )
    assert code == 1
    assert result["msg"].startswith(
        "Serve applications failed to deploy: 'broken' is DEPLOY_FAILED:"
        " Failed to update the deployments ['Broken']."
    )
    assert "RuntimeError: model weights missing: /models/seed.bin" in result["msg"]
    assert fake_time.sleeps == [2.0]


def test_wait_rides_out_a_deploy_failed_shorter_than_the_grace(run, fake_time):
    # New code deployed over an app that failed on the old code: DEPLOY_FAILED, then
    # DEPLOYING, then RUNNING, all within the grace.
    code, result, _fake = run(
        {"url": URL, "applications": ["broken"], "wait": True, "failed_grace": 5},
        [
            apps(BROKEN_DEPLOY_FAILED),
            apps(BROKEN_DEPLOY_FAILED),
            apps({**BROKEN_DEPLOY_FAILED, "status": "RUNNING", "deployments": {}}),
        ],
    )
    assert code == 0, result
    assert result["all_running"] is True
    assert fake_time.sleeps == [2.0, 2.0]


def test_wait_fails_on_a_deploy_failed_that_outlasts_the_grace(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "applications": ["broken"], "wait": True, "failed_grace": 3},
        [apps(BROKEN_DEPLOY_FAILED)] * 3,
    )
    assert code == 1
    assert result["msg"].startswith(
        "Serve applications failed to deploy: 'broken' is DEPLOY_FAILED"
    )
    assert fake_time.sleeps == [2.0, 2.0]


def test_wait_on_all_applications_stops_on_any_deploy_failed(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "wait": True}, [apps(SLOWAPP_DEPLOYING, BROKEN_DEPLOY_FAILED)]
    )
    assert code == 1
    assert result["msg"].startswith("Serve applications failed to deploy: 'broken' is")
    assert fake_time.sleeps == []


def test_wait_times_out_with_last_state(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "applications": ["slowapp", "sick"], "wait": True, "timeout": 5},
        [
            apps(SLOWAPP_DEPLOYING),
            apps(SLOWAPP_DEPLOYING),
            apps(SLOWAPP_RUNNING, SICK_UNHEALTHY),
            apps(SLOWAPP_RUNNING, SICK_UNHEALTHY),
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


def test_wait_times_out_on_missing_application(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "applications": ["seedcore"], "wait": True, "timeout": 2},
        [apps(SLOWAPP_RUNNING), apps(SLOWAPP_RUNNING)],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 2 s waiting for Serve applications to be RUNNING:"
        " 'seedcore' does not exist (present: 'slowapp')"
    )


def test_wait_times_out_with_last_http_error(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "applications": ["slowapp"], "wait": True, "timeout": 3, "interval": 3},
        [apps(SLOWAPP_DEPLOYING), GCS_DOWN],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 3 s waiting for Serve applications to be RUNNING; last error: "
        + GCS_DOWN_ERROR
    )
    assert result["all_running"] is False


def test_wait_times_out_when_serve_has_no_application(run, fake_time):
    code, result, _fake = run({"url": URL, "wait": True, "timeout": 0}, [NOT_STARTED])
    assert code == 1
    assert result["msg"] == (
        "Timed out after 0 s waiting for Serve applications to be RUNNING:"
        " Serve reports no application"
    )
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


@pytest.mark.parametrize(
    ("replicas", "expected"),
    [
        (None, []),
        ([], []),
        (
            [{"replica_id": "a", "state": "RUNNING", "node_id": "n1", "node_ip": "10.0.0.5"}],
            [{"replica_id": "a", "state": "RUNNING", "node_id": "n1", "node_ip": "10.0.0.5"}],
        ),
        (
            [{"replica_id": "b", "state": "STARTING", "node_id": None}, "junk"],
            [{"replica_id": "b", "state": "STARTING", "node_id": "", "node_ip": ""}],
        ),
    ],
)
def test_replica_places(replicas, expected):
    assert serve_status.replica_places(replicas) == expected


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
