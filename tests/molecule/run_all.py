"""Run every molecule scenario, one after another, and report each one's wall time.

    .venv/bin/python tests/molecule/run_all.py [--only NAME ...]

Scenarios: each role's `default` (run from roles/<role>) and the cluster scenario (run
from tests/cluster). Each `molecule test` creates its test hosts, converges,
checks idempotence, verifies and destroys the hosts, also when it fails.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
SCENARIOS = {
    "seedcore_image": (ROOT / "roles" / "seedcore_image", "default"),
    "seedcore_head": (ROOT / "roles" / "seedcore_head", "default"),
    "seedcore_worker": (ROOT / "roles" / "seedcore_worker", "default"),
    "seedcore_serve": (ROOT / "roles" / "seedcore_serve", "default"),
    "cluster": (ROOT / "tests" / "cluster", "cluster"),
}
TIMEOUT_S = 40 * 60


def run(name: str, project: pathlib.Path, scenario: str) -> tuple[bool, float]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("ANSIBLE_CONFIG", None)  # molecule writes its own
    started = time.monotonic()
    print(f"=== molecule test -s {scenario} ({name}, in {project.relative_to(ROOT)})", flush=True)
    try:
        completed = subprocess.run(
            [str(BIN / "molecule"), "test", "-s", scenario],
            cwd=project,
            env=env,
            timeout=TIMEOUT_S,
            check=False,
        )
        passed = completed.returncode == 0
    except subprocess.TimeoutExpired:
        print(f"=== {name}: timed out after {TIMEOUT_S} s", flush=True)
        subprocess.run([str(BIN / "molecule"), "destroy", "-s", scenario], cwd=project, env=env)
        passed = False
    return passed, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run these only")
    names = parser.parse_args().only or list(SCENARIOS)
    results = {name: run(name, *SCENARIOS[name]) for name in names}
    print("\nscenario          result  wall time")
    for name, (passed, seconds) in results.items():
        print(f"{name:<17} {'passed' if passed else 'FAILED':<7} {seconds / 60:5.1f} min")
    failed = sum(not passed for passed, _ in results.values())
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
