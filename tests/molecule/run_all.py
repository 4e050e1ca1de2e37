"""Run every molecule scenario, one after another, and report each one's wall time.

    .venv/bin/python tests/molecule/run_all.py [--only NAME ...]

Scenarios: each role's `default` (run from roles/<role>) and the cluster scenario
(molecule/default, run from the repository root). Each `molecule test` creates its test
hosts, converges, checks idempotence, verifies and destroys the hosts, also when it fails.

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
    "seedcore_precheck": (ROOT / "roles" / "seedcore_precheck", "default"),
    "cluster": (ROOT, "default"),
}
TIMEOUT_S = 40 * 60
LOG_DIR = ROOT / ".molecule-logs"
ANSI = re.compile(r"\x1b?\[[0-9;]*m")  # nested results keep the codes without ESC
# Molecule frames each playbook's output in a box: "  │ " before every line.
BOX = re.compile(r"^\s*│ ?")
# Lines that start a failure's account: Ansible's failed task results, and molecule's
# own verdicts (an idempotence failure lists the tasks that changed).
TASK_FAILED = re.compile(r"^(fatal|failed): ")
MOLECULE_FAILED = re.compile(r"^(CRITICAL|ERROR) |^Idempotence test failed")
# Molecule says this when a project has no `default` scenario; harmless.
MOLECULE_NOISE = re.compile(r"glob failed")
# An account's continuation lines are indented (YAML result format) or list items.
CONTINUATION = re.compile(r"^(\s+\S|\* )")
MSG = re.compile(r"^\s+msg: ")
MAX_CAUSE_LINES = 14
MAX_LINE_CHARS = 300


def _clean(raw: str) -> str:
    return BOX.sub("", ANSI.sub("", raw.rstrip("\n")))


def _accounts(lines: list[str], start: re.Pattern[str]) -> list[list[str]]:
    """Each failure's account: its task's name, its first line and its indented lines."""
    accounts: list[list[str]] = []
    task = ""
    in_failure = False
    for line in map(_clean, lines):
        if line.startswith("TASK ["):
            task = line.rstrip("* ")
        if line.strip() == "...ignoring" and accounts:
            accounts.pop()  # ignore_errors: not a cause
            in_failure = False
        elif start.match(line) and not MOLECULE_NOISE.search(line):
            in_failure = True
            accounts.append(([task] if task and start is TASK_FAILED else []) + [line])
        elif in_failure and CONTINUATION.match(line):
            accounts[-1].append(line)
        else:
            in_failure = False
    return accounts


def _essentials(account: list[str]) -> list[str]:
    """An account's head and, when it has one, its message rather than its other keys."""
    head = [line for line in account[:2] if not CONTINUATION.match(line)]
    body = account[len(head) :]
    at_msg = next((i for i, line in enumerate(body) if MSG.match(line)), 0)
    return head + body[at_msg:]


def failure_causes(lines: list[str]) -> list[str]:
    """Why a scenario failed, trimmed to the last lines a CI log shows.

    Ansible's failed tasks when there are any (the first is the cause; later ones are
    mostly the clean-up's noise), else molecule's own verdicts.
    """
    accounts = _accounts(lines, TASK_FAILED) or _accounts(lines, MOLECULE_FAILED)
    causes = [line for account in accounts for line in _essentials(account)]
    return [line[:MAX_LINE_CHARS] for line in causes[:MAX_CAUSE_LINES]]


def run(name: str, project: pathlib.Path, scenario: str) -> tuple[bool, float, list[str]]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("ANSIBLE_CONFIG", None)  # molecule writes its own
    env.setdefault("COLUMNS", "200")  # molecule's frames wrap at 80 columns in a pipe
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
