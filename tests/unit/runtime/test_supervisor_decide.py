"""The serve loop's decisions, one observation at a time."""

from __future__ import annotations

import pytest

from seedcore_serve.supervisor import (
    IDLE_STUCK_REJOIN_AFTER_S,
    MAX_NODE_DOWN_LOOKS,
    PROXY_DOWN_REJOIN_AFTER_S,
    REDEPLOY_FAILED_AFTER_S,
    STUCK_AFTER_S,
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


def test_an_unreachable_head_is_waited_out_while_this_node_is_healthy() -> None:
    # Under GCS fault tolerance the head returns with the same session: leaving the
    # cluster meanwhile would throw away the proxy and replicas that keep serving.
    memory = Memory(joined_session=JOINED)
    away = [
        Observation(None, True, None),
        Observation(JOINED, True, None, apps_readable=False),  # controller restarting
    ]
    for look in range(10 * MAX_NODE_DOWN_LOOKS):
        assert decide(away[look % 2], memory, now=float(look)) is Action.WATCH
    assert decide(Observation(JOINED, True, "RUNNING"), memory, now=99.0) is Action.WATCH


def test_a_new_session_behind_an_unreadable_controller_still_rejoins() -> None:
    seen = Observation("session_b", True, None, apps_readable=False)
    assert decide(seen, Memory(joined_session=JOINED), now=0.0) is Action.JOIN


@pytest.mark.parametrize("session", [JOINED, None], ids=["head-answers", "head-unreachable-too"])
def test_own_node_down_rejoins_after_the_limit(session: str | None) -> None:
    memory = Memory(joined_session=JOINED)
    seen = Observation(session, False, "RUNNING" if session else None)
    actions = [decide(seen, memory, now=float(i)) for i in range(MAX_NODE_DOWN_LOOKS)]
    assert actions[:-1] == [Action.WATCH] * (MAX_NODE_DOWN_LOOKS - 1)
    assert actions[-1] is Action.JOIN


def test_a_good_look_resets_the_node_down_count() -> None:
    memory = Memory(joined_session=JOINED)
    for _ in range(MAX_NODE_DOWN_LOOKS - 1):
        decide(Observation(JOINED, False, "RUNNING"), memory, now=0.0)
    assert decide(Observation(JOINED, True, "RUNNING"), memory, now=0.0) is Action.WATCH
    assert memory.node_down_looks == 0
    assert decide(Observation(JOINED, False, "RUNNING"), memory, now=0.0) is Action.WATCH


@pytest.mark.parametrize("status", ["DEPLOYING", "UNHEALTHY"])
def test_a_stuck_app_is_redeployed_then_the_node_rejoins(status: str) -> None:
    memory = Memory(joined_session=JOINED)
    stuck = Observation(JOINED, True, status, "replica STARTING")
    assert decide(stuck, memory, now=0.0) is Action.WATCH
    assert decide(stuck, memory, now=STUCK_AFTER_S - 1) is Action.WATCH
    assert decide(stuck, memory, now=STUCK_AFTER_S) is Action.DEPLOY
    assert decide(stuck, memory, now=STUCK_AFTER_S + 1) is Action.WATCH
    assert decide(stuck, memory, now=2 * STUCK_AFTER_S) is Action.WATCH
    assert decide(stuck, memory, now=2 * STUCK_AFTER_S + 1) is Action.JOIN


def test_an_app_that_recovers_is_not_acted_on() -> None:
    memory = Memory(joined_session=JOINED)
    decide(Observation(JOINED, True, "DEPLOYING"), memory, now=0.0)
    decide(Observation(JOINED, True, "RUNNING"), memory, now=STUCK_AFTER_S - 1)
    later = Observation(JOINED, True, "DEPLOYING")
    assert decide(later, memory, now=STUCK_AFTER_S + 1) is Action.WATCH
    assert memory.stuck_since == STUCK_AFTER_S + 1


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


def test_a_stuck_app_with_nothing_on_this_node_makes_it_rejoin_once_per_spell() -> None:
    memory = Memory(joined_session="s1")
    idle = Observation("s1", True, "DEPLOYING", hosts_replica=False)
    assert decide(idle, memory, now=0.0) is Action.WATCH
    assert decide(idle, memory, now=IDLE_STUCK_REJOIN_AFTER_S) is Action.JOIN
    # Still stuck after the rejoin: no second rejoin for the same spell.
    for now in (50.0, 80.0, 100.0):
        assert decide(idle, memory, now=now) is Action.WATCH
    # Once the app runs, the next spell may rejoin again.
    assert decide(Observation("s1", True, "RUNNING"), memory, now=110.0) is Action.WATCH
    assert decide(idle, memory, now=111.0) is Action.WATCH
    assert decide(idle, memory, now=111.0 + IDLE_STUCK_REJOIN_AFTER_S) is Action.JOIN


def test_a_stuck_app_with_a_replica_here_is_not_a_reason_to_rejoin_early() -> None:
    memory = Memory(joined_session="s1")
    busy = Observation("s1", True, "DEPLOYING", hosts_replica=True)
    for now in (0.0, IDLE_STUCK_REJOIN_AFTER_S, IDLE_STUCK_REJOIN_AFTER_S * 2):
        assert decide(busy, memory, now=now) is Action.WATCH
