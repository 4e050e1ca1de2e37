"""End-to-end fixtures: a real SeedCore cluster on this machine's Docker engine.

The cluster is deployed once per test session with the real playbooks (site.yml
against tests/e2e/inventory), under its own name and ports, and torn down at the end.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from cluster import EXTERNAL_SERVE_URL, SERVE_URL, PlaybookRun, playbook, wait_for_health

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
def serve_url(request: pytest.FixtureRequest) -> str:
    """The app's base URL once /health answers: the session's own cluster, or with
    SEEDCORE_E2E_SERVE_URL set, that cluster (nothing is deployed or torn down)."""
    if EXTERNAL_SERVE_URL:
        wait_for_health(url=EXTERNAL_SERVE_URL)
        return EXTERNAL_SERVE_URL
    request.getfixturevalue("deployed_cluster")
    wait_for_health()
    return SERVE_URL
