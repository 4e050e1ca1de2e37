"""Run every molecule scenario, one after another, and report each one's wall time.

    .venv/bin/python tests/molecule/run_all.py [--only NAME ...]

Scenarios: each role's `default` (run from roles/<role>) and the cluster scenario (run
from tests/cluster). Each `molecule test` creates its test hosts, converges,
checks idempotence, verifies and destroys the hosts, also when it fails.

Each scenario's whole output goes to the terminal and to .molecule-logs/<name>.log. A
failed scenario's cause (its failed tasks and their messages) is repeated under the
summary, so it is in the last lines a CI log shows.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import subprocess
import sys
import threading
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
LOG_DIR = ROOT / ".molecule-logs"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Lines that start a failure's account: Ansible's failed task results, and molecule's
# own errors (an idempotence failure lists the tasks that changed).
FAILURE_START = re.compile(r"^(fatal: |failed: |ERROR|CRITICAL|Idempotence test failed)")
# An account's continuation lines are indented (YAML result format) or list items.
CONTINUATION = re.compile(r"^(\s+\S|\* )")
MAX_CAUSE_LINES = 12
MAX_LINE_CHARS = 300


def failure_causes(lines: list[str]) -> list[str]:
    """The failed tasks of a scenario's output, each under its task's name, trimmed."""
    accounts: list[list[str]] = []
    task = ""
    in_failure = False
    for raw in lines:
        line = ANSI.sub("", raw.rstrip("\n"))
        if line.startswith("TASK ["):
            task = line.rstrip("* ")
        if line.strip() == "...ignoring" and accounts:
            accounts.pop()  # ignore_errors: not a cause
            in_failure = False
        elif FAILURE_START.match(line):
            in_failure = True
            accounts.append(([task] if task else []) + [line[:MAX_LINE_CHARS]])
        elif in_failure and CONTINUATION.match(line):
            accounts[-1].append(line[:MAX_LINE_CHARS])
        else:
            in_failure = False
    # The first failure is the cause; what follows it is mostly the clean-up's noise.
    return [line for account in accounts for line in account][:MAX_CAUSE_LINES]


def run(name: str, project: pathlib.Path, scenario: str) -> tuple[bool, float, list[str]]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("ANSIBLE_CONFIG", None)  # molecule writes its own
    LOG_DIR.mkdir(exist_ok=True)
    log_path = LOG_DIR / f"{name}.log"
    started = time.monotonic()
    print(f"=== molecule test -s {scenario} ({name}, in {project.relative_to(ROOT)})", flush=True)
    lines: list[str] = []
    with (
        subprocess.Popen(
            [str(BIN / "molecule"), "test", "-s", scenario],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as process,
        log_path.open("w") as log,
    ):
        # A hung scenario is killed even if it prints nothing more.
        watchdog = threading.Timer(TIMEOUT_S, process.kill)
        watchdog.start()
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            log.write(line)
            lines.append(line)
        returncode = process.wait()
        timed_out = not watchdog.is_alive()
        watchdog.cancel()
    sys.stdout.flush()
    if timed_out:
        lines.append(f"ERROR: timed out after {TIMEOUT_S} s\n")
        subprocess.run([str(BIN / "molecule"), "destroy", "-s", scenario], cwd=project, env=env)
    passed = returncode == 0 and not timed_out
    return passed, time.monotonic() - started, [] if passed else failure_causes(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run these only")
    names = parser.parse_args().only or list(SCENARIOS)
    results = {name: run(name, *SCENARIOS[name]) for name in names}
    print("\nscenario          result  wall time")
    for name, (passed, seconds, _) in results.items():
        print(f"{name:<17} {'passed' if passed else 'FAILED':<7} {seconds / 60:5.1f} min")
    failed = [name for name, (passed, _, _) in results.items() if not passed]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    for name in failed:
        causes = results[name][2] or ["(no failed task found in the output)"]
        print(f"\n{name} failed (whole output: {(LOG_DIR / name).relative_to(ROOT)}.log):")
        print("\n".join(f"  {line}" for line in causes))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
