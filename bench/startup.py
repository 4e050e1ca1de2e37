"""Startup and recovery figures for a single-host SeedCore cluster, in one run.

(a) a plain `docker run` script of the same containers (the baseline), nothing
    running to the app answering;
(b) `ansible-playbook site.yml`, nothing running to the app answering;
(c) a no-change re-run of site.yml;
(d) `docker restart` of the head to the app answering again (site.yml's cluster).

Images are built (or found) first and are not part of any figure. Prints a table and
writes bench/results/startup.json. Usage: python bench/startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "bench" / "inventory" / "hosts.yml"
CLUSTER, APP_PORT = "seedcore-bench", 28000
PLAIN, PLAIN_PORT = "seedcore-plain", 29000
RESULTS = ROOT / "bench" / "results" / "startup.json"


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    path = f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PATH=path)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done


def playbook(name: str) -> subprocess.CompletedProcess[str]:
    return run("ansible-playbook", "-i", str(INVENTORY), name)


def answering(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as response:
            return response.status == 200 and json.load(response).get("status") == "RUNNING"
    except (OSError, ValueError, urllib.error.HTTPError):
        return False


def wait_answering(port: int, started: float, timeout: float = 600) -> float:
    while time.monotonic() - started < timeout:
        if answering(port):
            return time.monotonic() - started
        time.sleep(0.25)
    raise SystemExit(f"the app on :{port} did not answer within {timeout}s")


def plain_startup(image: str) -> float:
    run("bench/plain_docker_run.sh", "--rm", PLAIN)
    started = time.monotonic()
    run("bench/plain_docker_run.sh", image, PLAIN, str(PLAIN_PORT))
    seconds = wait_answering(PLAIN_PORT, started)
    run("bench/plain_docker_run.sh", "--rm", PLAIN)
    return seconds


def site_startup() -> float:
    playbook("teardown.yml")
    started = time.monotonic()
    playbook("site.yml")
    return wait_answering(APP_PORT, started)


def site_rerun() -> float:
    started = time.monotonic()
    done = playbook("site.yml")
    seconds = time.monotonic() - started
    if sum(int(n) for n in re.findall(r"\bchanged=(\d+)", done.stdout)) != 0:
        raise SystemExit("the re-run of site.yml changed something:\n" + done.stdout[-3000:])
    return seconds


def head_restart() -> float:
    wait_answering(APP_PORT, time.monotonic())
    started = time.monotonic()
    run("docker", "restart", f"{CLUSTER}-ray-head")
    time.sleep(2)  # the old cluster's proxy may still answer for a moment
    return wait_answering(APP_PORT, started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="measurements of each figure")
    args = parser.parse_args()

    print("warm-up: images and a first deploy (not measured)", flush=True)
    playbook("site.yml")
    image = run("docker", "inspect", "-f", "{{.Config.Image}}", f"{CLUSTER}-serve").stdout.strip()

    figures: dict[str, list[float]] = {key: [] for key in "abcd"}
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number}/{args.rounds}", flush=True)
        figures["a"].append(plain_startup(image))
        figures["b"].append(site_startup())
        figures["c"].append(site_rerun())
        figures["d"].append(head_restart())
    playbook("teardown.yml")

    labels = {
        "a": "plain docker run script: nothing -> answering",
        "b": "ansible-playbook site.yml: nothing -> answering",
        "c": "site.yml re-run, no change",
        "d": "docker restart of the head -> answering again",
    }
    rows = {
        key: {
            "label": labels[key],
            "seconds": values,
            "median_s": round(statistics.median(values), 1),
        }
        for key, values in figures.items()
    }
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "image": image,
        "figures": rows,
        "site_vs_plain": round(rows["b"]["median_s"] / rows["a"]["median_s"], 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{'figure':<52} {'median s':>9}  runs")
    for key, row in rows.items():
        runs = ", ".join(f"{value:.1f}" for value in row["seconds"])
        print(f"({key}) {row['label']:<48} {row['median_s']:>9.1f}  {runs}")
    print(f"site.yml / plain script: {report['site_vs_plain']}x   written to {RESULTS}")


if __name__ == "__main__":
    main()
