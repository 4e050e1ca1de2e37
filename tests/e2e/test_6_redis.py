"""GCS fault tolerance backed by Redis: a second cluster on this machine, deployed with
seedcore_gcs_storage=redis, keeps serving through a head restart under a steady load,
and its Redis password shows in no container's environment or command line."""

from __future__ import annotations

import json
import pathlib
import secrets

import requests

from cluster import docker, playbook, run_drill

CLUSTER = "seedcore-e2e-redis"
DASHBOARD_PORT, SERVE_PORT = 18365, 18100


def inventory_for(password: str) -> str:
    return f"""\
all:
  children:
    ray_head: {{hosts: {{localhost: }}}}
    ray_workers: {{hosts: {{localhost: }}}}
    ray_serve: {{hosts: {{localhost: }}}}
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
    seedcore_cluster_name: {CLUSTER}
    seedcore_head_dashboard_publish_port: {DASHBOARD_PORT}
    seedcore_serve_publish_address: 127.0.0.1
    seedcore_serve_publish_port: {SERVE_PORT}
    seedcore_gcs_storage: redis
    seedcore_head_redis_password: {password}
"""


def session_name() -> str:
    url = f"http://127.0.0.1:{DASHBOARD_PORT}/api/version"
    return requests.get(url, timeout=5).json()["session_name"]


def test_redis_backed_head_restart_fails_no_request(tmp_path: pathlib.Path) -> None:
    password = secrets.token_urlsafe(24)
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(inventory_for(password))
    try:
        run = playbook("site.yml", inventory=inventory)
        assert run.returncode == 0, run.output[-6000:]
        assert password not in run.output
        names = docker(
            "ps", "--filter", f"label=seedcore.cluster={CLUSTER}", "--format", "{{.Names}}"
        ).split()
        assert f"{CLUSTER}-redis" in names
        for name in names:
            config = docker("inspect", "-f", "{{json .Config}}", name)
            assert password not in config, name
        head_env = json.loads(
            docker("inspect", "-f", "{{json .Config.Env}}", f"{CLUSTER}-ray-head")
        )
        assert f"RAY_REDIS_ADDRESS={CLUSTER}-redis:6380" in head_env

        before = session_name()
        figures = run_drill("head_restart", tmp_path, inventory=inventory)
        assert figures["requests_sent"] >= 700
        assert figures["requests_failed"] == 0, figures
        assert session_name() == before  # the same cluster, restored from Redis
    finally:
        playbook("teardown.yml", inventory=inventory)
    assert docker("ps", "-aq", "--filter", f"label=seedcore.cluster={CLUSTER}") == ""
    assert CLUSTER + "-redis-data" not in docker("volume", "ls", "-q").split()
