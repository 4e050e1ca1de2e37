"""site.yml from a clean state: what runs, how it is exposed, and that a re-run changes nothing."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import time

import requests

from cluster import CLUSTER, DASHBOARD_URL, PlaybookRun, cluster_containers, docker, playbook


def test_site_starts_head_worker_and_serve(deployed_cluster: PlaybookRun, serve_url: str) -> None:
    assert cluster_containers() == sorted(
        [
            f"{CLUSTER}-ray-head",
            f"{CLUSTER}-ray-worker-1",
            f"{CLUSTER}-serve",
            f"{CLUSTER}-lb",
            f"{CLUSTER}-prometheus",
        ]
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
        # Ray nodes keep their object store in /dev/shm
        if name not in (f"{CLUSTER}-lb", f"{CLUSTER}-prometheus"):
            shm = int(docker("inspect", "-f", "{{.HostConfig.ShmSize}}", name))
            assert shm >= 256 * 1024 * 1024, name


def test_ray_containers_hold_no_privilege_and_a_read_only_root(serve_url: str) -> None:
    for name in [f"{CLUSTER}-ray-head", f"{CLUSTER}-ray-worker-1", f"{CLUSTER}-serve"]:
        host_config = json.loads(docker("inspect", "-f", "{{json .HostConfig}}", name))
        assert host_config["CapDrop"] == ["ALL"], name
        assert host_config["SecurityOpt"] == ["no-new-privileges"], name
        assert host_config["ReadonlyRootfs"] is True, name
        assert host_config["PidsLimit"] == 4096, name
        assert host_config["LogConfig"] == {
            "Type": "json-file",
            "Config": {"max-file": "5", "max-size": "20m"},
        }, name
        # Nothing outside the tmpfs /tmp and the mounted volumes can be written, and
        # /tmp runs nothing.
        refused = subprocess.run(
            ["docker", "exec", name, "touch", "/opt/seedcore/probe"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert refused.returncode != 0 and "Read-only file system" in refused.stderr, name
        assert "noexec" in docker("exec", name, "sh", "-c", "grep ' /tmp ' /proc/mounts"), name
        # Even root by `docker exec` has no capabilities: it cannot change a file's owner.
        chown = subprocess.run(
            ["docker", "exec", "-u", "0", name, "chown", "1000", "/tmp"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert chown.returncode != 0 and "Operation not permitted" in chown.stderr, name
        status = docker("exec", name, "grep", "CapEff", "/proc/1/status")
        assert status.split() == ["CapEff:", "0000000000000000"], name


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
    # The app is published by the load balancer alone, in front of every Serve proxy.
    assert published[f"{CLUSTER}-serve"] == {}
    assert published[f"{CLUSTER}-lb"] == {"8000/tcp": ["127.0.0.1"]}
    assert published[f"{CLUSTER}-prometheus"] == {"9090/tcp": ["127.0.0.1"]}
    # The dashboard answers on loopback, where the status modules read it.
    assert requests.get(f"{DASHBOARD_URL}/api/gcs_healthz", timeout=5).status_code == 200


def test_replicas_spread_over_two_nodes_behind_two_proxies(serve_url: str) -> None:
    # No single container whose loss fails a request: every deployment has replicas on
    # both non-head nodes, and the balancer sees both proxies up.
    apps = requests.get(f"{DASHBOARD_URL}/api/serve/applications/", timeout=10).json()
    deployments = apps["applications"]["seedcore-ml"]["deployments"]
    for name, deployment in deployments.items():
        nodes = {replica["node_id"] for replica in deployment["replicas"]}
        assert len(nodes) == 2, (name, deployment["replicas"])
    head_ip = docker(
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        f"{CLUSTER}-ray-head",
    )
    replica_ips = {replica["node_ip"] for d in deployments.values() for replica in d["replicas"]}
    assert head_ip not in replica_ips
    # The balancer checks each proxy every second; one that was still starting when it was
    # first checked is UP a few checks later.
    deadline = time.monotonic() + 90
    while len(proxies_up(log := docker("logs", f"{CLUSTER}-lb"))) < 2:
        assert time.monotonic() < deadline, log[-2000:]
        time.sleep(2)


def proxies_up(log: str) -> set[str]:
    """The proxies HAProxy's log leaves UP: a resolved server starts UP, then each
    'is UP' or 'is DOWN' line changes its state."""
    state: dict[str, bool] = {}
    for line in log.splitlines():
        if match := re.search(r"proxies/(proxy\d+) .*\(resolves again\)", line):
            state[match[1]] = True
        elif match := re.search(r"proxies/(proxy\d+) is (?:going )?(UP|DOWN)", line):
            state[match[1]] = match[2] == "UP"
    return {server for server, up in state.items() if up}


def test_head_is_healthy_by_docker_health_check(serve_url: str) -> None:
    status = docker("inspect", "-f", "{{.State.Health.Status}}", f"{CLUSTER}-ray-head")
    assert status == "healthy"


def test_second_site_run_changes_nothing(serve_url: str) -> None:
    run = playbook("site.yml")
    assert run.returncode == 0, run.output[-4000:]
    recap = run.recap()["localhost"]
    assert recap["failed"] == 0
    assert recap["changed"] == 0, run.changed_tasks()


def test_check_mode_runs_through_and_reports_no_change(serve_url: str) -> None:
    run = playbook("site.yml", "--check")
    assert run.returncode == 0, run.output[-4000:]
    assert run.recap()["localhost"]["changed"] == 0, run.changed_tasks()


def test_a_role_tag_runs_that_role_and_what_it_needs(serve_url: str) -> None:
    run = playbook("site.yml", "--tags", "seedcore_head")
    assert run.returncode == 0, run.output[-4000:]
    tasks = [line for line in run.output.splitlines() if line.startswith("TASK [")]
    # Every role's argument validation always runs; besides it, the head's tasks, the
    # node role's that run its container, and those of the images it is made from.
    ran = {
        line[6:].split(" : ")[0]
        for line in tasks
        if " : " in line and "Validating arguments" not in line
    }
    assert ran == {
        "seedcore.ray.seedcore_head",
        "seedcore.ray.seedcore_ray_node",
        "seedcore.ray.seedcore_image",
    }, ran
    assert any(f"Run the Ray node container {CLUSTER}-ray-head" in line for line in tasks)
    assert run.recap()["localhost"]["changed"] == 0, run.changed_tasks()


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


def test_a_ray_version_the_lock_does_not_pin_is_refused_before_anything_changes(
    serve_url: str,
) -> None:
    containers = {name: docker("inspect", "-f", "{{.Id}}", name) for name in cluster_containers()}
    run = playbook("site.yml", "-e", "seedcore_ray_version=2.61.0")
    assert run.returncode != 0
    assert "seedcore_image_ray_version is 2.61.0, but the wheel lock" in run.output
    assert "pins ray==2.60.0. Nothing was changed." in run.output
    assert run.recap()["localhost"]["changed"] == 0
    assert {name: docker("inspect", "-f", "{{.Id}}", name) for name in cluster_containers()} == (
        containers
    )


def default_memory_limit() -> int:
    """Bytes: half of the host's memory in whole MB, as Ansible's memtotal_mb counts it."""
    meminfo = pathlib.Path("/proc/meminfo").read_text().splitlines()
    total_kb = int(next(line for line in meminfo if line.startswith("MemTotal:")).split()[1])
    return int(total_kb // 1024 * 0.5) * 1024**2


def test_every_ray_container_has_a_memory_limit_from_the_host_memory(serve_url: str) -> None:
    for name in cluster_containers():
        if name.endswith(("-lb", "-redis", "-prometheus")):
            continue
        assert docker("inspect", "-f", "{{.HostConfig.Memory}}", name) == str(
            default_memory_limit()
        ), name


def test_a_setting_added_then_removed_leaves_the_host(serve_url: str) -> None:
    # community.docker keeps what a container has beyond what is asked unless told to
    # compare strictly: without that, a variable removed from the inventory stays.
    worker = f"{CLUSTER}-ray-worker-1"

    def worker_env() -> list[str]:
        return json.loads(docker("inspect", "-f", "{{json .Config.Env}}", worker))

    extra = {
        "seedcore_worker_extra_env": {"SEEDCORE_DRIFT_PROBE": "1"},
        "seedcore_worker_memory_limit": "3g",
    }
    added = playbook("site.yml", "-e", json.dumps(extra))
    assert added.returncode == 0, added.output[-4000:]
    assert "SEEDCORE_DRIFT_PROBE=1" in worker_env()
    assert docker("inspect", "-f", "{{.HostConfig.Memory}}", worker) == str(3 * 1024**3)

    removed = playbook("site.yml")
    assert removed.returncode == 0, removed.output[-4000:]
    assert f"Run the Ray node container {worker}" in " ".join(removed.changed_tasks())
    assert not [item for item in worker_env() if item.startswith("SEEDCORE_DRIFT_PROBE=")]
    # Back to the default: half the host's memory (seedcore_container_memory_share).
    assert docker("inspect", "-f", "{{.HostConfig.Memory}}", worker) == str(default_memory_limit())

    again = playbook("site.yml")
    assert again.returncode == 0, again.output[-4000:]
    assert again.recap()["localhost"]["changed"] == 0, again.changed_tasks()
    assert requests.get(f"{serve_url}/health", timeout=5).status_code == 200
