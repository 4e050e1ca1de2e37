# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of seedcore.ray.ray_cluster_info.

Only ``fetch_url`` (as imported by the collection's private ``_ray_dashboard`` module util) is
replaced. Every test lists the HTTP calls it expects, in order, and what each one answers.
The answers are Ray 2.60.0's, recorded from a real head and worker (``ray start``), trimmed of
the per-process statistics the module does not read.
"""

from __future__ import annotations

import copy
import functools
import json
import typing as t

import pytest
from ansible_collections.seedcore.ray.plugins.modules import ray_cluster_info
from ansible_collections.seedcore.ray.tests.unit.plugins._fakes import (
    CONNECTION_REFUSED,
    URL,
    Call,
    refused,
)

VERSION_URL = URL + "/api/version"
NODES_URL = URL + "/nodes?view=summary"

# --- Answers recorded from Ray 2.60.0 ------------------------------------------------------

VERSION = {
    "version": "4",
    "ray_version": "2.60.0",
    "ray_commit": "b7f4259e944bf6959f721b106adc366ddfa0c356",
    "session_name": "session_2026-11-22_00-41-30_066660_25683",
}

HEAD_ID = "e5f0a6cdac3f7f8784622c762fa2c85900c67a9cb2ba5a43e5d34cef"
WORKER_ID = "90ccb73a7675237c4e2c70b89f63203d5d67267535fc81de6887cab8"

# Head started with --resources='{"seedcore_worker": 1}': the dashboard camel-cases the name.
HEAD_ENTRY = {
    "now": 1795308111.786726,
    "hostname": "vm",
    "ip": "192.0.2.2",
    "cpu": 50.2,
    "raylet": {
        "nodeId": HEAD_ID,
        "nodeManagerAddress": "192.0.2.2",
        "nodeManagerPort": 36411,
        "nodeManagerHostname": "vm",
        "resourcesTotal": {
            "seedcoreWorker": 1.0,
            "objectStoreMemory": 7373210419.0,
            "memory": 17204157645.0,
            "CPU": 1.0,
            "node:InternalHead": 1.0,
            "node:192.0.2.2": 1.0,
        },
        "nodeName": "192.0.2.2",
        "startTimeMs": "1795308096632",
        "isHeadNode": True,
        "labels": {"ray.io/node-id": HEAD_ID},
        "state": "ALIVE",
        "endTimeMs": "0",
        "stateMessage": None,
    },
}

# Worker started with --resources='{"other_res": 2}'.
WORKER_ENTRY = {
    "now": 1795308160.5,
    "hostname": "vm",
    "ip": "192.0.2.2",
    "cpu": 12.0,
    "raylet": {
        "nodeId": WORKER_ID,
        "nodeManagerAddress": "192.0.2.2",
        "nodeManagerPort": 32887,
        "nodeManagerHostname": "vm",
        "resourcesTotal": {
            "otherRes": 2.0,
            "objectStoreMemory": 7285920153.0,
            "memory": 17000480359.0,
            "CPU": 1.0,
            "node:192.0.2.2": 1.0,
        },
        "nodeName": "192.0.2.2",
        "startTimeMs": "1795308149229",
        "isHeadNode": False,
        "labels": {"ray.io/node-id": WORKER_ID},
        "state": "ALIVE",
        "endTimeMs": "0",
        "stateMessage": None,
    },
}

# The same worker after SIGTERM: Ray blanks the raylet record; the agent's last report stays.
WORKER_DEAD_ENTRY = {
    "now": 1795308199.1,
    "hostname": "vm",
    "ip": "192.0.2.2",
    "cpu": 3.1,
    "raylet": {
        "nodeId": WORKER_ID,
        "state": "DEAD",
        "endTimeMs": "1795308209399",
        "deathInfo": {"reason": "EXPECTED_TERMINATION", "reasonMessage": "received SIGTERM"},
        "nodeManagerAddress": "",
        "nodeManagerPort": 0,
        "nodeManagerHostname": "",
        "resourcesTotal": {},
        "nodeName": "",
        "startTimeMs": "0",
        "isHeadNode": False,
        "labels": {},
        "stateMessage": "Expected termination: received SIGTERM",
    },
}


def seedcore_worker(number: int, state: str = "ALIVE") -> dict[str, t.Any]:
    """A worker shaped like WORKER_ENTRY, on its own host, with seedcore_worker: 1."""
    entry = copy.deepcopy(WORKER_ENTRY)
    ip = f"192.0.2.{10 + number}"
    entry.update(hostname=f"worker{number}", ip=ip)
    entry["raylet"].update(
        nodeId=f"{number:02d}" + WORKER_ID[2:],
        nodeManagerAddress=ip,
        nodeManagerHostname=f"worker{number}",
        nodeName=ip,
        resourcesTotal={
            "seedcoreWorker": 1.0,
            "objectStoreMemory": 7285920153.0,
            "memory": 17000480359.0,
            "CPU": 1.0,
            f"node:{ip}": 1.0,
        },
    )
    if state == "DEAD":
        entry["raylet"].update(
            state="DEAD",
            nodeManagerAddress="",
            nodeManagerHostname="",
            resourcesTotal={},
            stateMessage="Expected termination: received SIGTERM",
        )
    return entry


def nodes_answer(*entries: dict[str, t.Any]) -> dict[str, t.Any]:
    """GET /nodes?view=summary as Ray 2.60.0 answers it."""
    return {
        "result": True,
        "msg": "Node summary fetched.",
        "data": {"summary": list(entries), "nodeLogicalResources": {}},
    }


HEAD_NODE = {
    "node_id": HEAD_ID,
    "node_ip": "192.0.2.2",
    "hostname": "vm",
    "state": "ALIVE",
    "state_message": None,
    "is_head": True,
    "resources_total": HEAD_ENTRY["raylet"]["resourcesTotal"],
}

# --- Running the module --------------------------------------------------------------------


@pytest.fixture
def run(run_module):
    """ray_cluster_info.main() with args and the calls it must make (see conftest.run_module)."""
    return functools.partial(run_module, ray_cluster_info.main)


def read_calls(*entries: dict[str, t.Any]) -> list[Call]:
    """The two requests of one read: the version, then the node summary."""
    return [
        Call("GET", VERSION_URL, json=VERSION),
        Call("GET", NODES_URL, json=nodes_answer(*entries)),
    ]


# --- Reading once --------------------------------------------------------------------------


def test_reports_version_and_nodes(run):
    code, result, fake = run({"url": URL}, read_calls(WORKER_ENTRY, HEAD_ENTRY))
    assert code == 0
    assert result["changed"] is False
    assert result["ray_version"] == "2.60.0"
    assert result["ray_commit"] == "b7f4259e944bf6959f721b106adc366ddfa0c356"
    assert result["session_name"] == "session_2026-11-22_00-41-30_066660_25683"
    # The head comes first.
    assert result["nodes"] == [
        HEAD_NODE,
        {
            "node_id": WORKER_ID,
            "node_ip": "192.0.2.2",
            "hostname": "vm",
            "state": "ALIVE",
            "state_message": None,
            "is_head": False,
            "resources_total": WORKER_ENTRY["raylet"]["resourcesTotal"],
        },
    ]
    assert (result["alive_count"], result["dead_count"]) == (2, 0)
    assert [call["headers"] for call in fake.seen] == [{"Accept": "application/json"}] * 2


def test_dead_node_keeps_its_last_address(run):
    code, result, _fake = run({"url": URL}, read_calls(HEAD_ENTRY, WORKER_DEAD_ENTRY))
    assert code == 0
    assert result["nodes"][1] == {
        "node_id": WORKER_ID,
        "node_ip": "192.0.2.2",
        "hostname": "vm",
        "state": "DEAD",
        "state_message": "Expected termination: received SIGTERM",
        "is_head": False,
        "resources_total": {},
    }
    assert (result["alive_count"], result["dead_count"]) == (1, 1)


def test_resource_filter_matches_camel_cased_names(run):
    code, result, _fake = run(
        {"url": URL, "resource": "seedcore_worker"},
        read_calls(
            HEAD_ENTRY,
            WORKER_ENTRY,
            seedcore_worker(2),
            seedcore_worker(1),
            seedcore_worker(3, state="DEAD"),
        ),
    )
    assert code == 0
    # other_res worker and the dead one (Ray reports no resources for it) do not match.
    assert [(node["hostname"], node["is_head"]) for node in result["nodes"]] == [
        ("vm", True),
        ("worker1", False),
        ("worker2", False),
    ]
    assert (result["alive_count"], result["dead_count"]) == (3, 0)


def test_resource_filter_with_no_match(run):
    code, result, _fake = run({"url": URL, "resource": "GPU"}, read_calls(HEAD_ENTRY, WORKER_ENTRY))
    assert code == 0
    assert result["nodes"] == []
    assert (result["alive_count"], result["dead_count"]) == (0, 0)


def test_auth_token_and_check_mode(run):
    code, result, fake = run(
        {"url": URL, "auth_token": "s3cr3t-t0ken", "_ansible_check_mode": True},
        read_calls(HEAD_ENTRY),
    )
    assert code == 0
    assert result["changed"] is False
    assert [call["headers"]["Authorization"] for call in fake.seen] == ["Bearer s3cr3t-t0ken"] * 2
    assert "s3cr3t-t0ken" not in json.dumps(result)


def test_unreachable_dashboard_fails(run):
    code, result, _fake = run({"url": URL}, [refused(VERSION_URL)])
    assert code == 1
    assert result["msg"] == (
        "Cannot read the Ray cluster's state: GET http://127.0.0.1:8265/api/version failed:"
        f" no HTTP response ({CONNECTION_REFUSED})"
    )


# Answers that asking again would not change: the module fails at once, waiting or not.
@pytest.mark.parametrize("wait", [{}, {"wait_for_alive": 1}], ids=["once", "wait"])
@pytest.mark.parametrize(
    ("args", "calls", "error"),
    [
        pytest.param(
            {},
            [
                Call("GET", VERSION_URL, json=VERSION),
                Call(
                    "GET",
                    NODES_URL,
                    status=401,
                    body=b"Unauthorized: Missing authentication token",
                    msg="HTTP Error 401: Unauthorized",
                ),
            ],
            "GET http://127.0.0.1:8265/nodes?view=summary failed: HTTP status 401"
            " (HTTP Error 401: Unauthorized): Unauthorized: Missing authentication token",
            id="no-token-401",
        ),
        pytest.param(
            {"auth_token": "wrong"},
            [
                Call(
                    "GET",
                    VERSION_URL,
                    status=403,
                    body=b"Forbidden: Invalid authentication token",
                )
            ],
            "GET http://127.0.0.1:8265/api/version failed: HTTP status 403 (HTTP Error 403):"
            " Forbidden: Invalid authentication token",
            id="wrong-token-403",
        ),
        pytest.param(
            {},
            [Call("GET", VERSION_URL, body=b"ray 2.60.0")],
            "GET http://127.0.0.1:8265/api/version failed: HTTP status 200 (the answer is not"
            " valid JSON: Expecting value: line 1 column 1 (char 0)): ray 2.60.0",
            id="malformed-json",
        ),
    ],
)
def test_lasting_errors_fail_at_once(run, fake_time, wait, args, calls, error):
    code, result, _fake = run({"url": URL, **wait, **args}, calls)
    assert code == 1
    assert result["msg"] == f"Cannot read the Ray cluster's state: {error}"
    assert fake_time.sleeps == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"result": False, "msg": "Unknown view None", "data": {}}, "the dashboard says: Unknown"),
        ({"result": True, "msg": "", "data": {}}, "the answer has no 'data.summary' list"),
        ([], "the answer is not a JSON object"),
    ],
)
def test_unexpected_nodes_answer_fails(run, answer, reason):
    code, result, _fake = run(
        {"url": URL},
        [Call("GET", VERSION_URL, json=VERSION), Call("GET", NODES_URL, json=answer)],
    )
    assert code == 1
    assert result["msg"].startswith(
        f"Unexpected answer from GET http://127.0.0.1:8265/nodes?view=summary: {reason}"
    )


# --- Waiting for nodes ---------------------------------------------------------------------


def test_wait_until_workers_are_alive(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "resource": "seedcore_worker", "wait_for_alive": 3, "interval": 5},
        [
            Call("GET", VERSION_URL, status=-1, msg="Request failed: Connection refused"),
            Call("GET", VERSION_URL, json=VERSION),
            Call("GET", NODES_URL, status=503, body=b"GCS unavailable"),
            *read_calls(HEAD_ENTRY, WORKER_ENTRY),
            *read_calls(HEAD_ENTRY, seedcore_worker(1), seedcore_worker(2, state="DEAD")),
            *read_calls(HEAD_ENTRY, seedcore_worker(1), seedcore_worker(2)),
        ],
    )
    assert code == 0
    assert result["alive_count"] == 3
    assert [node["hostname"] for node in result["nodes"]] == ["vm", "worker1", "worker2"]
    assert fake_time.sleeps == [5, 5, 5, 5]


def test_wait_for_exactly_zero(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "resource": "other_res", "wait_for_alive": 0},
        [*read_calls(HEAD_ENTRY, WORKER_ENTRY), *read_calls(HEAD_ENTRY, WORKER_DEAD_ENTRY)],
    )
    assert code == 0
    assert (result["alive_count"], result["nodes"]) == (0, [])
    assert fake_time.sleeps == [2.0]


def test_wait_times_out_listing_matching_nodes(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "resource": "seedcore_worker", "wait_for_alive": 3, "timeout": 4},
        read_calls(HEAD_ENTRY, seedcore_worker(1)) * 3,
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 4 s waiting for 3 ALIVE nodes with resource 'seedcore_worker':"
        " 2 ALIVE (wanted exactly 3); ALIVE: 192.0.2.2 (vm, e5f0a6cd, head),"
        " 192.0.2.11 (worker1, 01ccb73a)"
    )
    assert result["alive_count"] == 2
    assert fake_time.sleeps == [2, 2]


def test_wait_times_out_with_too_many_and_dead_nodes(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "wait_for_alive": 1, "timeout": 0},
        read_calls(HEAD_ENTRY, WORKER_DEAD_ENTRY, WORKER_ENTRY),
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 0 s waiting for 1 ALIVE nodes: 2 ALIVE (wanted exactly 1);"
        " ALIVE: 192.0.2.2 (vm, e5f0a6cd, head), 192.0.2.2 (vm, 90ccb73a);"
        " DEAD: 192.0.2.2 (vm, 90ccb73a): Expected termination: received SIGTERM"
    )


def test_wait_times_out_with_last_error(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "wait_for_alive": 2, "timeout": 2, "interval": 2},
        [*read_calls(HEAD_ENTRY), refused(VERSION_URL)],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 2 s waiting for 2 ALIVE nodes: last error:"
        " GET http://127.0.0.1:8265/api/version failed: no HTTP response"
        f" ({CONNECTION_REFUSED});"
        " last answer: 1 ALIVE (wanted exactly 2); ALIVE: 192.0.2.2 (vm, e5f0a6cd, head)"
    )


def test_wait_times_out_without_any_answer(run, fake_time):
    code, result, _fake = run(
        {"url": URL, "wait_for_alive": 1, "timeout": 1},
        [
            Call("GET", VERSION_URL, status=502, body=b"Bad Gateway"),
            Call("GET", VERSION_URL, status=504, body=b"Gateway Timeout"),
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 1 s waiting for 1 ALIVE nodes: last error:"
        " GET http://127.0.0.1:8265/api/version failed: HTTP status 504 (HTTP Error 504):"
        " Gateway Timeout"
    )
    assert "nodes" not in result


# --- Pure helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seedcore_worker", "seedcoreWorker"),
        ("object_store_memory", "objectStoreMemory"),
        ("CPU", "CPU"),
        ("GPU", "GPU"),
        ("node:__internal_head__", "node:InternalHead"),
        ("node:192.0.2.2", "node:192.0.2.2"),
        ("accelerator_type:A100", "acceleratorType:A100"),
        ("gpu_2x", "gpu2X"),
    ],
)
def test_ray_camel_case(name, expected):
    assert ray_cluster_info.ray_camel_case(name) == expected


@pytest.mark.parametrize(
    ("resources", "name", "expected"),
    [
        ({"seedcoreWorker": 1.0}, "seedcore_worker", True),
        ({"seedcoreWorker": 1.0}, "seedcoreWorker", True),
        ({"seedcore_worker": 1.0}, "seedcore_worker", True),
        ({"CPU": 1.0}, "seedcore_worker", False),
        ({}, "CPU", False),
    ],
)
def test_has_resource(resources, name, expected):
    assert ray_cluster_info.has_resource(resources, name) is expected


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({}, ("", "", "", "UNKNOWN", False)),
        ({"ip": "192.0.2.9", "hostname": "h"}, ("", "192.0.2.9", "h", "UNKNOWN", False)),
        (
            {"raylet": {"nodeId": "n", "nodeManagerAddress": "192.0.2.3", "state": "ALIVE"}},
            ("n", "192.0.2.3", "", "ALIVE", False),
        ),
    ],
)
def test_node_from_summary_with_missing_fields(entry, expected):
    node = ray_cluster_info.node_from_summary(entry)
    assert (node["node_id"], node["node_ip"], node["hostname"], node["state"], node["is_head"]) == (
        expected
    )
