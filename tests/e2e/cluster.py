"""Helpers for the end-to-end tests: playbooks, modules and docker, run for real."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The ansible commands of the venv that runs these tests, whether or not it is activated.
BIN = pathlib.Path(sys.executable).parent
INVENTORY = ROOT / "tests" / "e2e" / "inventory" / "hosts.yml"
# With SEEDCORE_E2E_SERVE_URL (below) the tests may run against a cluster of your own:
# these name its cluster, dashboard and Prometheus.
CLUSTER = os.environ.get("SEEDCORE_E2E_CLUSTER", "seedcore-e2e")
SERVE_URL = "http://127.0.0.1:18000"
# The serve URL of a cluster deployed by someone else (the serve_url fixture then deploys
# and tears down nothing), e.g. to run one test file against a cluster of your own.
EXTERNAL_SERVE_URL = os.environ.get("SEEDCORE_E2E_SERVE_URL", "").rstrip("/")
DASHBOARD_URL = os.environ.get("SEEDCORE_E2E_DASHBOARD_URL", "http://127.0.0.1:18265").rstrip("/")
# Prometheus (seedcore_metrics), published on loopback by tests/e2e/inventory.
PROMETHEUS_URL = os.environ.get("SEEDCORE_E2E_PROMETHEUS_URL", "http://127.0.0.1:19090").rstrip("/")
COUNTS = ("ok", "changed", "unreachable", "failed")
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


class PlaybookRun:
    def __init__(self, completed: subprocess.CompletedProcess[str]):
        self.returncode = completed.returncode
        self.output = completed.stdout + completed.stderr

    def recap(self) -> dict[str, dict[str, int]]:
        """Totals per host over every PLAY RECAP in the output."""
        totals: dict[str, dict[str, int]] = {}
        for line in self.output.splitlines():
            match = RECAP.match(line.strip())
            if match:
                host, *numbers = match.groups()
                counts = totals.setdefault(host, dict.fromkeys(COUNTS, 0))
                for key, value in zip(
                    ("ok", "changed", "unreachable", "failed"), numbers, strict=True
                ):
                    counts[key] += int(value)
        return totals

    def changed_tasks(self) -> list[str]:
        """The task headers under which something reported 'changed'."""
        task, found = "", []
        for line in self.output.splitlines():
            if line.startswith("TASK ["):
                task = line
            elif line.startswith("changed:"):
                found.append(task)
        return found


def ansible_env() -> dict[str, str]:
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_NOCOLOR"] = "1"
    return env


def playbook(
    name: str, *extra: str, timeout: float = 1200, inventory: pathlib.Path = INVENTORY
) -> PlaybookRun:
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(ROOT / name), *extra]
    completed = subprocess.run(
        command, cwd=ROOT, env=ansible_env(), capture_output=True, text=True, timeout=timeout
    )
    return PlaybookRun(completed)


def run_drill(fault: str, results: pathlib.Path, inventory: pathlib.Path = INVENTORY) -> dict:
    """Run playbooks/drill.yml for one fault (40 s of load); return its figures."""
    run = playbook(
        "playbooks/drill.yml",
        "-e",
        f"fault={fault}",
        "-e",
        "drill_duration=40",
        "-e",
        f"drill_results_dir={results}",
        timeout=900,
        inventory=inventory,
    )
    assert run.returncode == 0, run.output[-5000:]
    return json.loads((results / f"{fault}.json").read_text())


def module(name: str, **args: object) -> dict:
    """Run one of the collection's modules ad hoc against localhost; return its JSON."""
    command = [
        str(BIN / "ansible"),
        "localhost",
        "-i",
        str(INVENTORY),
        "-m",
        name,
        "-a",
        json.dumps(args),
    ]
    env = ansible_env() | {"ANSIBLE_LOAD_CALLBACK_PLUGINS": "1", "ANSIBLE_STDOUT_CALLBACK": "json"}
    completed = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    result = json.loads(completed.stdout)
    task = result["plays"][0]["tasks"][0]["hosts"]["localhost"]
    return task


def docker(*args: str, check: bool = True) -> str:
    completed = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=300)
    if check and completed.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {completed.stderr}")
    return completed.stdout.strip()


def cluster_containers() -> list[str]:
    out = docker(
        "ps", "-a", "--filter", f"label=seedcore.cluster={CLUSTER}", "--format", "{{.Names}}"
    )
    return sorted(out.split()) if out else []


def wait_for_health(timeout: float = 300, url: str = SERVE_URL) -> float:
    """Seconds until GET /health answers 200 with status RUNNING; fails at timeout."""
    started = time.monotonic()
    last = "no answer"
    while time.monotonic() - started < timeout:
        try:
            response = requests.get(f"{url}/health", timeout=3)
            if response.status_code == 200 and response.json().get("status") == "RUNNING":
                return time.monotonic() - started
            last = f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as error:
            last = str(error)
        time.sleep(1)
    raise AssertionError(f"{url}/health not RUNNING after {timeout}s: {last}")
