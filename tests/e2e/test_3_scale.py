"""scale.yml: up and down with node counts read through the collection's info module."""

from __future__ import annotations

import json
import pathlib
import time
from collections.abc import Callable

import pytest
import requests

from cluster import CLUSTER, DASHBOARD_URL, PROMETHEUS_URL, cluster_containers, module, playbook

# Where scale.yml records the number of workers (seedcore_state_dir on the head host).
RECORD = pathlib.Path(f"/var/lib/seedcore/{CLUSTER}/workers.json")


def worker_containers() -> list[str]:
    return [name for name in cluster_containers() if "-ray-worker-" in name]


def alive_workers() -> int:
    info = module("seedcore.ray.ray_cluster_info", url=DASHBOARD_URL, resource="seedcore_worker")
    assert info.get("failed") is not True, info
    return info["alive_count"]


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        (["-e", "workers=-1"], "workers is '-1'"),
        (["-e", "workers=abc"], "workers is 'abc'"),
        ([], "workers is missing"),
    ],
)
def test_bad_worker_counts_fail_before_anything_changes(
    serve_url: str, extra: list[str], complaint: str
) -> None:
    before = cluster_containers()
    run = playbook("scale.yml", *extra)
    assert run.returncode != 0
    assert complaint in run.output
    assert "whole number" in run.output
    assert run.recap()["localhost"]["changed"] == 0
    assert cluster_containers() == before


def test_more_workers_than_memory_fails_before_anything_changes(serve_url: str) -> None:
    """The prechecks refuse 100 workers on this machine (24 GB, 1 GB each by default)."""
    before = cluster_containers()
    run = playbook("scale.yml", "-e", "workers=100")
    assert run.returncode != 0
    assert "localhost has" in run.output
    assert "will run 102 Ray container(s)" in run.output
    assert "Run fewer workers on it" in run.output
    assert run.recap()["localhost"]["changed"] == 0
    assert cluster_containers() == before


# Three inventory hosts that are all this machine: enough for the prechecks, which stop
# site.yml before anything else runs.
HOST_MODE_INVENTORY = """\
all:
  children:
    ray_head: {hosts: {head-host: }}
    ray_workers: {hosts: {serve-host: , worker-host: {seedcore_worker_count: 0}}}
    ray_serve: {hosts: {serve-host: }}
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    seedcore_cluster_name: seedcore-e2e-refused
    seedcore_network_mode: host
"""


def test_host_mode_refuses_a_worker_host_left_with_no_worker(
    serve_url: str, tmp_path: pathlib.Path
) -> None:
    """Such a host would have no Serve proxy; site.yml stops before any change."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(HOST_MODE_INVENTORY)
    before = cluster_containers()
    run = playbook("site.yml", inventory=inventory)
    assert run.returncode != 0
    message = " ".join(run.output.split())  # Ansible wraps long messages
    assert "worker-host would run no worker container (seedcore_worker_count is 0)" in message
    assert "Set seedcore_worker_count to 1 or more" in message
    assert {host: counts["changed"] for host, counts in run.recap().items()} == {
        "head-host": 0,
        "serve-host": 0,
        "worker-host": 0,
    }
    assert cluster_containers() == before


def recorded_workers() -> int | None:
    """The number scale.yml recorded on the head host (this machine), if any."""
    record = RECORD
    return json.loads(record.read_text())["workers"] if record.exists() else None


def poll_until(check: Callable[[], bool], timeout: float = 30) -> bool:
    """Whether check() came true within timeout seconds (a reload takes a moment)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(1)
    return False


def prometheus_nodes() -> set[str]:
    """The Ray nodes Prometheus scrapes (the metrics play runs at the end of scale.yml)."""
    response = requests.get(f"{PROMETHEUS_URL}/api/v1/targets", timeout=10)
    assert response.status_code == 200, response.text
    return {t["labels"]["ray_node"] for t in response.json()["data"]["activeTargets"]}


def test_scale_up_to_three_then_down_to_one(serve_url: str) -> None:
    assert alive_workers() == 1

    up = playbook("scale.yml", "-e", "workers=3")
    assert up.returncode == 0, up.output[-4000:]
    assert worker_containers() == [f"{CLUSTER}-ray-worker-{i}" for i in (1, 2, 3)]
    assert alive_workers() == 3
    assert "Before: 1 worker node(s) ALIVE, 3 wanted" in up.output
    assert "After: 3 worker node(s) ALIVE" in up.output
    assert recorded_workers() == 3
    up_nodes = {"head", "serve", "worker-1", "worker-2", "worker-3"}
    assert poll_until(lambda: prometheus_nodes() == up_nodes), prometheus_nodes()

    again = playbook("scale.yml", "-e", "workers=3")
    assert again.returncode == 0, again.output[-4000:]
    assert again.recap()["localhost"]["changed"] == 0, again.changed_tasks()

    # The scale persists: site.yml keeps the 3 workers scale.yml set, and changes nothing.
    site = playbook("site.yml")
    assert site.returncode == 0, site.output[-4000:]
    assert site.recap()["localhost"]["changed"] == 0, site.changed_tasks()
    assert worker_containers() == [f"{CLUSTER}-ray-worker-{i}" for i in (1, 2, 3)]
    assert alive_workers() == 3

    down = playbook("scale.yml", "-e", "workers=1")
    assert down.returncode == 0, down.output[-4000:]
    assert worker_containers() == [f"{CLUSTER}-ray-worker-1"]
    assert alive_workers() == 1
    assert "After: 1 worker node(s) ALIVE" in down.output
    assert recorded_workers() == 1
    down_nodes = {"head", "serve", "worker-1"}
    assert poll_until(lambda: prometheus_nodes() == down_nodes), prometheus_nodes()

    # Back to the inventory's number (1 here): the record goes, the workers stay.
    back = playbook("scale.yml", "-e", "workers=inventory")
    assert back.returncode == 0, back.output[-4000:]
    changed = back.changed_tasks()
    assert len(changed) == 1 and "Forget the recorded number" in changed[0], changed
    assert recorded_workers() is None
    assert worker_containers() == [f"{CLUSTER}-ray-worker-1"]
