"""End-to-end fixtures: a real SeedCore cluster on this machine's Docker engine.

The cluster is deployed once per test session with the real playbooks (site.yml
against tests/e2e/inventory), under its own name and ports, and torn down at the end.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from cluster import SERVE_URL, PlaybookRun, playbook, wait_for_health

HERE = pathlib.Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if pathlib.Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def deployed_cluster() -> Iterator[PlaybookRun]:
    """site.yml from a clean state; torn down at the end of the session."""
    playbook("teardown.yml")
    run = playbook("site.yml")
    assert run.returncode == 0, run.output[-6000:]
    yield run
    playbook("teardown.yml")


@pytest.fixture(scope="session")
def serve_url(deployed_cluster: PlaybookRun) -> str:
    wait_for_health()
    return SERVE_URL
