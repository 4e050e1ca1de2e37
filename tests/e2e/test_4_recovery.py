"""Bad days: crashes and restarts under a steady load, and other losses, with no manual step.

The drills run playbooks/drill.yml (the same a user runs on their own cluster) for 40 s
at 20 requests/s; each test asserts the requests that failed (the goal is none) and
that the cluster came back to its shape (the drill fails otherwise). Their seconds go
to bench/drills.py, not into assertions.
"""

from __future__ import annotations

import pathlib
import time

import pytest
import requests

from cluster import CLUSTER, DASHBOARD_URL, docker, module, playbook, run_drill, wait_for_health


def assert_app_answers(serve_url: str) -> None:
    response = requests.post(
        f"{serve_url}/SalienceScorer",
        json={"features": [{"type": "resource_usage", "cpu": 0.9, "memory": 0.8}]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["scores"]) == 1


def session_name() -> str:
    return requests.get(f"{DASHBOARD_URL}/api/version", timeout=5).json()["session_name"]


def wait_for_alive_workers(count: int, timeout: float) -> None:
    """Wait through the collection's info module until exactly `count` workers are ALIVE."""
    info = module(
        "seedcore.ray.ray_cluster_info",
        url=DASHBOARD_URL,
        resource="seedcore_worker",
        wait_for_alive=count,
        timeout=timeout,
    )
    assert info.get("failed") is not True, info
    assert info["alive_count"] == count


def wait_for_restart(name: str, restarts_before: int, timeout: float) -> None:
    """Wait until Docker's restart policy has restarted the container once more."""
    deadline = time.monotonic() + timeout
    while int(docker("inspect", "-f", "{{.RestartCount}}", name)) == restarts_before:
        assert time.monotonic() < deadline, f"{name} was not restarted within {timeout}s"
        time.sleep(1)


@pytest.mark.parametrize(
    "fault", ["head_crash", "head_restart", "serve_crash", "worker_crash", "scale_down"]
)
def test_a_fault_under_steady_load_fails_no_request(
    serve_url: str, fault: str, tmp_path: pathlib.Path
) -> None:
    session = session_name()
    # Read the serve log from the drill's start on, not the deployment's lines before it.
    drill_started = str(int(time.time()))
    figures = run_drill(fault, tmp_path)
    assert figures["requests_sent"] >= 700
    assert figures["requests_failed"] == 0, figures
    assert figures["shape_back_after_s"] is not None
    # GCS fault tolerance (the default): a restarted head is the same cluster, and the
    # serve node neither rejoined nor redeployed.
    assert session_name() == session
    serve_log = docker("logs", "--since", drill_started, f"{CLUSTER}-serve")
    assert "rejoining" not in serve_log
    assert "deployed 'seedcore-ml'" not in serve_log
    if fault == "scale_down":
        # The drill's scale.yml recorded 2 workers; back to the inventory's one.
        back = playbook("scale.yml", "-e", "workers=inventory")
        assert back.returncode == 0, back.output[-4000:]
        wait_for_alive_workers(1, timeout=240)


def test_a_worker_started_before_the_head_waits_and_then_joins(serve_url: str) -> None:
    # The seed's first problem: a worker that starts while the head is not ready.
    head, worker = f"{CLUSTER}-ray-head", f"{CLUSTER}-ray-worker-1"
    docker("stop", head)
    docker("restart", worker)
    deadline = time.monotonic() + 60
    while "[wait_for_head] still waiting" not in docker("logs", "--since", "2m", worker):
        assert time.monotonic() < deadline, "the worker did not report waiting for the head"
        time.sleep(1)
    assert docker("inspect", "-f", "{{.State.Running}}", worker) == "true"
    docker("start", head)
    wait_for_alive_workers(1, timeout=240)
    wait_for_health(timeout=300)
    assert_app_answers(serve_url)


def test_everything_restarted_at_once_comes_back(serve_url: str) -> None:
    # What a Docker daemon restart does: every container stops, then all start again, in
    # any order (here the head last, so the others must wait for it). Not `docker restart`
    # one after another: that makes nodes join a head seconds before it restarts, a
    # different fault (see docs/fault-tolerance.md, "A node that joined just before").
    names = [f"{CLUSTER}-serve", f"{CLUSTER}-ray-worker-1", f"{CLUSTER}-ray-head"]
    docker("stop", "--timeout", "5", *names)
    docker("start", *names)
    wait_for_health(timeout=300)
    assert_app_answers(serve_url)
    wait_for_alive_workers(1, timeout=240)


def test_docker_kill_of_the_serve_container_is_undone_by_site_yml(serve_url: str) -> None:
    # Docker counts `docker kill` as a manual stop: no restart policy undoes it (checked
    # on this engine). A re-run of site.yml is what brings the container back.
    name = f"{CLUSTER}-serve"
    docker("kill", name)
    time.sleep(3)
    assert docker("inspect", "-f", "{{.State.Running}}", name) == "false"
    run = playbook("site.yml")
    assert run.returncode == 0, run.output[-4000:]
    assert f"Run the Ray node container {name}" in " ".join(run.changed_tasks())
    wait_for_health(timeout=300)
    assert_app_answers(serve_url)
