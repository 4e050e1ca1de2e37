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
import dataclasses
import json
import typing as t

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.seedcore.ray.plugins.module_utils import _ray_dashboard
from ansible_collections.seedcore.ray.plugins.modules import ray_cluster_info

URL = "http://127.0.0.1:8265"
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
    """Run ray_cluster_info.main() with ``args``; return its exit code, result and the fake."""
    fake = FakeFetchUrl(calls)
    monkeypatch.setattr(_ray_dashboard, "fetch_url", fake)
    with patch_module_args(args), pytest.raises(SystemExit) as exc:
        ray_cluster_info.main()
    result = json.loads(capsys.readouterr().out)
    fake.assert_done()
    return exc.value.code, result, fake


def read_calls(*entries: dict[str, t.Any]) -> list[Call]:
    """The two requests of one read: the version, then the node summary."""
    return [
        Call("GET", VERSION_URL, json=VERSION),
        Call("GET", NODES_URL, json=nodes_answer(*entries)),
    ]


# --- Reading once --------------------------------------------------------------------------


def test_reports_version_and_nodes(monkeypatch, capsys):
    code, result, fake = run_module(
        monkeypatch, capsys, {"url": URL}, read_calls(WORKER_ENTRY, HEAD_ENTRY)
    )
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


def test_dead_node_keeps_its_last_address(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch, capsys, {"url": URL}, read_calls(HEAD_ENTRY, WORKER_DEAD_ENTRY)
    )
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


def test_resource_filter_matches_camel_cased_names(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
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


def test_resource_filter_with_no_match(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "resource": "GPU"},
        read_calls(HEAD_ENTRY, WORKER_ENTRY),
    )
    assert code == 0
    assert result["nodes"] == []
    assert (result["alive_count"], result["dead_count"]) == (0, 0)


def test_auth_token_and_check_mode(monkeypatch, capsys):
    code, result, fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "auth_token": "s3cr3t-t0ken", "_ansible_check_mode": True},
        read_calls(HEAD_ENTRY),
    )
    assert code == 0
    assert result["changed"] is False
    assert [call["headers"]["Authorization"] for call in fake.seen] == ["Bearer s3cr3t-t0ken"] * 2
    assert "s3cr3t-t0ken" not in json.dumps(result)


def test_unreachable_dashboard_fails(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
        [
            Call(
                "GET",
                VERSION_URL,
                status=-1,
                msg="Request failed: <urlopen error [Errno 111] Connection refused>",
            )
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Cannot read the Ray cluster's state: GET http://127.0.0.1:8265/api/version failed:"
        " no HTTP response (Request failed: <urlopen error [Errno 111] Connection refused>)"
    )


def test_non_200_fails_naming_url_and_status(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
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
    )
    assert code == 1
    assert result["msg"] == (
        "Cannot read the Ray cluster's state: GET http://127.0.0.1:8265/nodes?view=summary"
        " failed: HTTP status 401 (HTTP Error 401: Unauthorized): Unauthorized: Missing"
        " authentication token"
    )


def test_malformed_json_fails(monkeypatch, capsys):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
        [Call("GET", VERSION_URL, body=b"ray 2.60.0")],
    )
    assert code == 1
    assert result["msg"].startswith(
        "Cannot read the Ray cluster's state: GET http://127.0.0.1:8265/api/version failed:"
        " HTTP status 200 (the answer is not valid JSON:"
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"result": False, "msg": "Unknown view None", "data": {}}, "the dashboard says: Unknown"),
        ({"result": True, "msg": "", "data": {}}, "the answer has no 'data.summary' list"),
        ([], "the answer is not a JSON object"),
    ],
)
def test_unexpected_nodes_answer_fails(monkeypatch, capsys, answer, reason):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL},
        [Call("GET", VERSION_URL, json=VERSION), Call("GET", NODES_URL, json=answer)],
    )
    assert code == 1
    assert result["msg"].startswith(
        f"Unexpected answer from GET http://127.0.0.1:8265/nodes?view=summary: {reason}"
    )


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        ({"url": "ftp://head:8265"}, "url must start with http:// or https://"),
        ({"url": URL, "wait_for_alive": -1}, "wait_for_alive must be 0 or more, got -1"),
        ({"url": URL, "wait_for_alive": 1, "interval": -2}, "interval must be more than 0"),
        ({"url": URL, "timeout": -5}, "timeout must be 0 or more, got -5"),
    ],
)
def test_bad_options_fail_before_any_request(monkeypatch, capsys, args, msg):
    code, result, _fake = run_module(monkeypatch, capsys, args, [])
    assert code == 1
    assert result["msg"].startswith(msg)


# --- Waiting for nodes ---------------------------------------------------------------------


def test_wait_until_workers_are_alive(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
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


def test_wait_for_exactly_zero(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "resource": "other_res", "wait_for_alive": 0},
        [
            *read_calls(HEAD_ENTRY, WORKER_ENTRY),
            *read_calls(HEAD_ENTRY, WORKER_DEAD_ENTRY),
        ],
    )
    assert code == 0
    assert (result["alive_count"], result["nodes"]) == (0, [])
    assert fake_time.sleeps == [2.0]


def test_wait_times_out_listing_matching_nodes(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "resource": "seedcore_worker", "wait_for_alive": 3, "timeout": 4},
        [
            *read_calls(HEAD_ENTRY, seedcore_worker(1)),
            *read_calls(HEAD_ENTRY, seedcore_worker(1)),
            *read_calls(HEAD_ENTRY, seedcore_worker(1)),
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 4 s waiting for 3 ALIVE nodes with resource 'seedcore_worker':"
        " 2 ALIVE (wanted exactly 3); ALIVE: 192.0.2.2 (vm, e5f0a6cd, head),"
        " 192.0.2.11 (worker1, 01ccb73a)"
    )
    assert result["alive_count"] == 2
    assert fake_time.sleeps == [2, 2]


def test_wait_times_out_with_too_many_and_dead_nodes(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "wait_for_alive": 1, "timeout": 0},
        read_calls(HEAD_ENTRY, WORKER_DEAD_ENTRY, WORKER_ENTRY),
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 0 s waiting for 1 ALIVE nodes: 2 ALIVE (wanted exactly 1);"
        " ALIVE: 192.0.2.2 (vm, e5f0a6cd, head), 192.0.2.2 (vm, 90ccb73a);"
        " DEAD: 192.0.2.2 (vm, 90ccb73a): Expected termination: received SIGTERM"
    )


def test_wait_times_out_with_last_error(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "wait_for_alive": 2, "timeout": 2, "interval": 2},
        [
            *read_calls(HEAD_ENTRY),
            Call(
                "GET",
                VERSION_URL,
                status=-1,
                msg="Request failed: <urlopen error [Errno 111] Connection refused>",
            ),
        ],
    )
    assert code == 1
    assert result["msg"] == (
        "Timed out after 2 s waiting for 2 ALIVE nodes: last error:"
        " GET http://127.0.0.1:8265/api/version failed: no HTTP response"
        " (Request failed: <urlopen error [Errno 111] Connection refused>);"
        " last answer: 1 ALIVE (wanted exactly 2); ALIVE: 192.0.2.2 (vm, e5f0a6cd, head)"
    )


def test_wait_times_out_without_any_answer(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
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


def test_wait_does_not_retry_forbidden(monkeypatch, capsys, fake_time):
    code, result, _fake = run_module(
        monkeypatch,
        capsys,
        {"url": URL, "wait_for_alive": 1, "auth_token": "wrong"},
        [
            Call(
                "GET",
                VERSION_URL,
                status=403,
                body=b"Forbidden: Invalid authentication token",
            )
        ],
    )
    assert code == 1
    assert result["msg"].endswith(
        "HTTP status 403 (HTTP Error 403): Forbidden: Invalid authentication token"
    )
    assert fake_time.sleeps == []


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
