"""The serve loop's decisions, one observation at a time."""

from __future__ import annotations

import pytest

from seedcore_serve.supervisor import (
    MAX_FAILED_LOOKS,
    PROXY_DOWN_REJOIN_AFTER_S,
    REDEPLOY_FAILED_AFTER_S,
    Action,
    Memory,
    Observation,
    decide,
)

JOINED = "session_a"


@pytest.mark.parametrize(
    ("seen", "expected"),
    [
        (Observation(JOINED, True, "RUNNING"), Action.WATCH),
        (Observation(JOINED, True, "DEPLOYING"), Action.WATCH),
        (Observation(JOINED, True, "UNHEALTHY", "replica died"), Action.WATCH),
        (Observation(JOINED, True, None), Action.DEPLOY),
        (Observation(JOINED, True, "RUNNING", config_matches=False), Action.DEPLOY),
        (Observation("session_b", True, "RUNNING"), Action.JOIN),
        (Observation("session_b", True, None), Action.JOIN),
        (Observation(JOINED, True, "DEPLOY_FAILED", "import error"), Action.WATCH),
    ],
    ids=[
        "running",
        "deploying",
        "unhealthy-left-to-serve",
        "app-gone",
        "config-changed",
        "head-restarted",
        "head-restarted-app-gone",
        "deploy-failed-first-look",
    ],
)
def test_one_look(seen: Observation, expected: Action) -> None:
    assert decide(seen, Memory(joined_session=JOINED), now=100.0) is expected


@pytest.mark.parametrize(
    ("seen", "after_limit"),
    [
        (Observation(None, True, None), Action.WAIT_FOR_HEAD),
        (Observation(JOINED, False, "RUNNING"), Action.JOIN),
    ],
    ids=["dashboard-unreachable", "own-node-down"],
)
def test_failed_looks_are_tolerated_until_the_limit(seen: Observation, after_limit: Action) -> None:
    memory = Memory(joined_session=JOINED)
    actions = [decide(seen, memory, now=float(i)) for i in range(MAX_FAILED_LOOKS)]
    assert actions[:-1] == [Action.WATCH] * (MAX_FAILED_LOOKS - 1)
    assert actions[-1] is after_limit


def test_a_good_look_resets_the_failure_count() -> None:
    memory = Memory(joined_session=JOINED)
    for _ in range(MAX_FAILED_LOOKS - 1):
        decide(Observation(None, True, None), memory, now=0.0)
    assert decide(Observation(JOINED, True, "RUNNING"), memory, now=0.0) is Action.WATCH
    assert memory.failed_looks == 0
    assert decide(Observation(None, True, None), memory, now=0.0) is Action.WATCH


def test_deploy_failed_is_redeployed_after_a_pause() -> None:
    memory = Memory(joined_session=JOINED)
    failed = Observation(JOINED, True, "DEPLOY_FAILED", "no resources")
    assert decide(failed, memory, now=10.0) is Action.WATCH
    assert decide(failed, memory, now=10.0 + REDEPLOY_FAILED_AFTER_S - 1) is Action.WATCH
    assert decide(failed, memory, now=10.0 + REDEPLOY_FAILED_AFTER_S) is Action.DEPLOY
    # The pause starts over after a redeploy.
    assert decide(failed, memory, now=10.0 + REDEPLOY_FAILED_AFTER_S + 1) is Action.WATCH


def test_recovery_clears_a_pending_redeploy() -> None:
    memory = Memory(joined_session=JOINED)
    decide(Observation(JOINED, True, "DEPLOY_FAILED"), memory, now=0.0)
    decide(Observation(JOINED, True, "RUNNING"), memory, now=1.0)
    assert memory.deploy_failed_since is None


def test_a_proxy_that_stays_down_makes_the_node_rejoin() -> None:
    memory = Memory(joined_session=JOINED)
    no_proxy = Observation(JOINED, True, "RUNNING", proxy_healthy=False)
    assert decide(no_proxy, memory, now=0.0) is Action.WATCH
    assert decide(no_proxy, memory, now=PROXY_DOWN_REJOIN_AFTER_S - 1) is Action.WATCH
    assert decide(no_proxy, memory, now=PROXY_DOWN_REJOIN_AFTER_S) is Action.JOIN
    assert memory.proxy_down_since is None


def test_a_proxy_that_comes_back_clears_the_countdown() -> None:
    memory = Memory(joined_session=JOINED)
    decide(Observation(JOINED, True, "RUNNING", proxy_healthy=False), memory, now=0.0)
    decide(Observation(JOINED, True, "RUNNING", proxy_healthy=True), memory, now=1.0)
    assert memory.proxy_down_since is None
    later = Observation(JOINED, True, "RUNNING", proxy_healthy=False)
    assert decide(later, memory, now=PROXY_DOWN_REJOIN_AFTER_S + 1) is Action.WATCH
