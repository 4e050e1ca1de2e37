"""Bad days: a restarted head and a crashed serve container, with no manual step."""

from __future__ import annotations

import time

import requests

from cluster import CLUSTER, DASHBOARD_URL, docker, module, playbook, wait_for_health


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


def test_app_answers_again_after_head_restart(serve_url: str) -> None:
    before = session_name()
    docker("restart", f"{CLUSTER}-ray-head")
    wait_for_health(timeout=300)
    assert session_name() != before  # a new cluster, and the app was redeployed on it
    assert_app_answers(serve_url)
    logs = docker("logs", f"{CLUSTER}-serve")
    assert "[serve] the head is a new cluster" in logs or "[serve] lost the head" in logs


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
    # What a Docker daemon restart does: every container starts again, in any order.
    names = [f"{CLUSTER}-serve", f"{CLUSTER}-ray-worker-1", f"{CLUSTER}-ray-head"]
    docker("restart", "--time", "5", *names)
    wait_for_health(timeout=300)
    assert_app_answers(serve_url)
    wait_for_alive_workers(1, timeout=240)


def test_serve_container_comes_back_after_its_main_process_dies(serve_url: str) -> None:
    name = f"{CLUSTER}-serve"
    restarts = int(docker("inspect", "-f", "{{.RestartCount}}", name))
    # A crash of the main process (what the restart policy is for), not `docker stop`.
    # The exec may die with the container it kills: its exit code says nothing.
    docker("exec", name, "pkill", "-KILL", "-f", "seedcore_serve.supervisor", check=False)
    wait_for_restart(name, restarts, timeout=60)
    wait_for_health(timeout=300)
    assert_app_answers(serve_url)


def test_a_killed_worker_container_comes_back(serve_url: str) -> None:
    name = f"{CLUSTER}-ray-worker-1"
    restarts = int(docker("inspect", "-f", "{{.RestartCount}}", name))
    docker("exec", name, "pkill", "-KILL", "-f", "raylet", check=False)
    wait_for_restart(name, restarts, timeout=120)
    wait_for_alive_workers(1, timeout=180)


def test_docker_kill_of_the_serve_container_is_undone_by_site_yml(serve_url: str) -> None:
    # Docker counts `docker kill` as a manual stop: no restart policy undoes it (checked
    # on this engine). A re-run of site.yml is what brings the container back.
    name = f"{CLUSTER}-serve"
    docker("kill", name)
    time.sleep(3)
    assert docker("inspect", "-f", "{{.State.Running}}", name) == "false"
    run = playbook("site.yml")
    assert run.returncode == 0, run.output[-4000:]
    assert "Start the serve container" in " ".join(run.changed_tasks())
    wait_for_health(timeout=300)
    assert_app_answers(serve_url)
