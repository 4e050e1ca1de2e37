"""run_all.py's summary of why a scenario failed, from molecule's own output format."""

from __future__ import annotations

import importlib.util
import pathlib

SCRIPT = pathlib.Path(__file__).parents[3] / "tests/molecule/run_all.py"
_spec = importlib.util.spec_from_file_location("run_all", SCRIPT)
assert _spec and _spec.loader
run_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_all)

VERIFY_FAILURE = """\
TASK [Wait until the head is ALIVE again] **************************************
FAILED - RETRYING: [h1]: Wait until the head is ALIVE again (20 retries left).
\x1b[0;31mfatal: [h1]: FAILED! => changed=false \x1b[0m
\x1b[0;31m  attempts: 20\x1b[0m
\x1b[0;31m  msg: 'cannot reach http://172.30.11.11:8265: connection refused'\x1b[0m

PLAY RECAP *********************************************************************
h1                         : ok=7    changed=1    unreachable=0    failed=1
"""


def test_a_failed_task_is_named_with_its_message_only_and_colours_stripped() -> None:
    causes = run_all.failure_causes(VERIFY_FAILURE.splitlines(keepends=True))
    assert causes == [
        "TASK [Wait until the head is ALIVE again]",
        "fatal: [h1]: FAILED! => changed=false ",
        "  msg: 'cannot reach http://172.30.11.11:8265: connection refused'",
    ]


def test_ignored_failures_are_not_causes() -> None:
    output = """\
TASK [Probe an optional thing] *************************************************
fatal: [h1]: FAILED! => changed=false
  msg: optional
...ignoring

TASK [Check the real thing] ****************************************************
failed: [h1] (item=/health) => changed=false
  msg: Status code was 502
"""
    causes = run_all.failure_causes(output.splitlines())
    assert causes == [
        "TASK [Check the real thing]",
        "failed: [h1] (item=/health) => changed=false",
        "  msg: Status code was 502",
    ]


def test_an_idempotence_failure_lists_the_tasks_that_changed() -> None:
    output = """\
CRITICAL Idempotence test failed because of the following tasks:
* [h1] => seedcore_head : Run the head container
WARNING  An error occurred during the test sequence action: 'idempotence'.
"""
    causes = run_all.failure_causes(output.splitlines())
    assert causes == [
        "CRITICAL Idempotence test failed because of the following tasks:",
        "* [h1] => seedcore_head : Run the head container",
    ]


def test_long_accounts_are_cut_to_fit_the_end_of_a_ci_log() -> None:
    output = ["TASK [t] ***", "fatal: [h1]: FAILED! => " + "x" * 1000]
    output += [f"  line {i}" for i in range(50)]
    causes = run_all.failure_causes(output)
    assert len(causes) == run_all.MAX_CAUSE_LINES
    assert all(len(line) <= run_all.MAX_LINE_CHARS for line in causes)


# Molecule 26 frames a playbook's output in a box; the nested playbook's own failure is
# inside the command's result, and molecule adds its verdicts after the box.
BOXED_FAILURE = """\
INFO     Found config file /work/main/.config/molecule/config.yml
\x1b[31m\x1b[1mCRITICAL\x1b[0m 'molecule/default/molecule.yml' glob failed.  Exiting.
  \x1b[2m\x1b[31m│\x1b[0m TASK [Ask for 1 worker] ***
  \x1b[2m\x1b[31m│\x1b[0m \x1b[0;31m[ERROR]: Task failed: Module failed: non-zero return code\x1b[0m
  \x1b[2m\x1b[31m│\x1b[0m \x1b[0;31mfatal: [localhost]: FAILED! => \x1b[0m
  \x1b[2m\x1b[31m│\x1b[0m     changed: false
  \x1b[2m\x1b[31m│\x1b[0m     cmd:
  \x1b[2m\x1b[31m│\x1b[0m     - ansible-playbook
  \x1b[2m\x1b[31m│\x1b[0m     msg: non-zero return code
  \x1b[2m\x1b[31m│\x1b[0m     rc: 2
  \x1b[2m\x1b[31m│\x1b[0m
  \x1b[2m\x1b[31m│\x1b[0m PLAY RECAP ***
  └─ Return code: 2 ───
CRITICAL Ansible return code was 2, command was: ansible-playbook verify.yml
\x1b[31mERROR   \x1b[0m cluster ➜ verify: Executed: Failed
"""


def test_molecule_frames_are_stripped_and_its_own_verdicts_give_way_to_the_task() -> None:
    causes = run_all.failure_causes(BOXED_FAILURE.splitlines())
    assert causes == [
        "TASK [Ask for 1 worker]",
        "fatal: [localhost]: FAILED! => ",
        "    msg: non-zero return code",
        "    rc: 2",
    ]


def test_with_no_failed_task_molecule_verdicts_are_the_cause_but_not_its_noise() -> None:
    output = [line for line in BOXED_FAILURE.splitlines() if "│" not in line]
    causes = run_all.failure_causes(output)
    assert causes == [
        "CRITICAL Ansible return code was 2, command was: ansible-playbook verify.yml",
        "ERROR    cluster ➜ verify: Executed: Failed",
    ]
