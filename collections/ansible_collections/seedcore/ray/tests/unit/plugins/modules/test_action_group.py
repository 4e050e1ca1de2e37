# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``seedcore.ray.ray`` action group of meta/runtime.yml.

Every module of the collection talks to the Ray dashboard and takes the same connection
options, so the group must list them all; a playbook whose only ``url`` and ``auth_token``
come from ``module_defaults: {group/seedcore.ray.ray: ...}`` must reach a stand-in dashboard
on loopback with both modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import typing as t
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

COLLECTION = Path(__file__).resolve().parents[4]
# The folder that holds ansible_collections/.
COLLECTIONS_PATH = COLLECTION.parents[2]
MODULES = sorted(p.stem for p in (COLLECTION / "plugins" / "modules").glob("*.py"))
TOKEN = "group-default-token"  # a test value, sent only to loopback

ANSWERS: dict[str, t.Any] = {
    "/api/version": {
        "ray_version": "2.60.0",
        "ray_commit": "0" * 40,
        "session_name": "session_action_group",
    },
    "/nodes?view=summary": {
        "result": True,
        "msg": "",
        "data": {
            "summary": [
                {
                    "raylet": {
                        "nodeId": "a" * 56,
                        "nodeManagerAddress": "127.0.0.1",
                        "nodeManagerHostname": "head",
                        "state": "ALIVE",
                        "isHeadNode": True,
                        "resourcesTotal": {"CPU": 1.0},
                    }
                }
            ]
        },
    },
    "/api/serve/applications/": {
        "applications": {
            "seedcore": {
                "status": "RUNNING",
                "message": "",
                "route_prefix": "/seedcore",
                "deployments": {},
            }
        },
        "proxies": {},
        "controller_info": {},
    },
}

PLAYBOOK = """\
---
- name: Connection options from the action group only
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/seedcore.ray.ray:
      url: "{{ dashboard_url }}"
      auth_token: "{{ dashboard_token }}"
      request_timeout: 5
  tasks:
    - name: Cluster info with no option of its own
      seedcore.ray.ray_cluster_info:
      register: cluster

    - name: Serve status with no connection option of its own
      seedcore.ray.serve_status:
        applications: [seedcore]
      register: serve

    - name: Both read the stand-in dashboard
      ansible.builtin.assert:
        that:
          - cluster.session_name == 'session_action_group'
          - cluster.nodes | length == 1
          - serve.all_running
"""


class StandInDashboard(BaseHTTPRequestHandler):
    received: t.ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        StandInDashboard.received.append((self.path, self.headers.get("Authorization")))
        answer = ANSWERS.get(self.path)
        body = json.dumps(answer if answer is not None else "no route").encode()
        self.send_response(200 if answer is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dashboard() -> t.Iterator[str]:
    StandInDashboard.received = []
    server = HTTPServer(("127.0.0.1", 0), StandInDashboard)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_group_lists_every_module() -> None:
    runtime = yaml.safe_load((COLLECTION / "meta" / "runtime.yml").read_text())
    assert sorted(runtime["action_groups"]["ray"]) == MODULES


@pytest.mark.parametrize("name", MODULES)
def test_every_module_takes_the_dashboard_options(name: str) -> None:
    source = (COLLECTION / "plugins" / "modules" / f"{name}.py").read_text()
    assert "  - seedcore.ray.dashboard\n" in source
    assert "dashboard_argument_spec()" in source


def test_module_defaults_reach_both_modules(dashboard: str, tmp_path: Path) -> None:
    playbook = tmp_path / "group.yml"
    playbook.write_text(PLAYBOOK)
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "ANSIBLE_NOCOLOR": "1",
    }
    extra_vars = {
        "dashboard_url": dashboard,
        "dashboard_token": TOKEN,
        "ansible_python_interpreter": sys.executable,
    }
    command = [sys.executable, "-m", "ansible", "playbook", "-i", "localhost,"]
    run = subprocess.run(
        [*command, "-e", json.dumps(extra_vars), str(playbook)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    paths, auths = zip(*StandInDashboard.received, strict=True)
    assert sorted(set(paths)) == sorted(ANSWERS)
    assert set(auths) == {f"Bearer {TOKEN}"}
