"""site.yml from a clean state: what runs, how it is exposed, and that a re-run changes nothing."""

from __future__ import annotations

import json

import requests

from cluster import CLUSTER, DASHBOARD_URL, PlaybookRun, cluster_containers, docker, playbook


def test_site_starts_head_worker_and_serve(deployed_cluster: PlaybookRun, serve_url: str) -> None:
    assert cluster_containers() == sorted(
        [f"{CLUSTER}-ray-head", f"{CLUSTER}-ray-worker-1", f"{CLUSTER}-serve"]
    )
    assert "Serve app RUNNING" in deployed_cluster.output
    health = requests.get(f"{serve_url}/health", timeout=5)
    assert health.status_code == 200
    assert health.json()["status"] == "RUNNING"


def test_containers_run_as_non_root_with_restart_policy(serve_url: str) -> None:
    for name in cluster_containers():
        assert docker("exec", name, "id", "-u") != "0", name
        policy = docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", name)
        assert policy == "unless-stopped", name
        shm = int(docker("inspect", "-f", "{{.HostConfig.ShmSize}}", name))
        assert shm >= 256 * 1024 * 1024, name


def test_only_the_app_and_a_loopback_dashboard_are_published(serve_url: str) -> None:
    published = {}
    for name in cluster_containers():
        ports = json.loads(docker("inspect", "-f", "{{json .HostConfig.PortBindings}}", name))
        published[name] = {
            port: [binding["HostIp"] for binding in bindings]
            for port, bindings in (ports or {}).items()
        }
    assert published[f"{CLUSTER}-ray-head"] == {"8265/tcp": ["127.0.0.1"]}
    assert published[f"{CLUSTER}-ray-worker-1"] == {}
    assert published[f"{CLUSTER}-serve"] == {"8000/tcp": ["127.0.0.1"]}
    # The dashboard answers on loopback, where the status modules read it.
    assert requests.get(f"{DASHBOARD_URL}/api/gcs_healthz", timeout=5).status_code == 200


def test_head_is_healthy_by_docker_health_check(serve_url: str) -> None:
    status = docker("inspect", "-f", "{{.State.Health.Status}}", f"{CLUSTER}-ray-head")
    assert status == "healthy"


def test_second_site_run_changes_nothing(serve_url: str) -> None:
    run = playbook("site.yml")
    assert run.returncode == 0, run.output[-4000:]
    recap = run.recap()["localhost"]
    assert recap["failed"] == 0
    assert recap["changed"] == 0, run.changed_tasks()


def test_bad_app_arguments_fail_before_anything_changes(serve_url: str) -> None:
    containers = {name: docker("inspect", "-f", "{{.Id}}", name) for name in cluster_containers()}
    run = playbook("site.yml", "-e", '{"seedcore_serve_app_args": {"num_cpus": -1}}')
    assert run.returncode != 0
    assert "seedcore_serve_app_args: build_app args.num_cpus must be a number" in run.output
    assert run.recap()["localhost"]["changed"] == 0
    assert {name: docker("inspect", "-f", "{{.Id}}", name) for name in cluster_containers()} == (
        containers
    )
    assert requests.get(f"{serve_url}/health", timeout=5).status_code == 200
