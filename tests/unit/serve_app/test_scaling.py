"""Unit tests of seedcore_serve.scaling (pure Python, no Ray needed)."""

from __future__ import annotations

import pytest

from seedcore_serve import scaling


def series(
    cpu: list[float],
    memory: float | list[float] = 0.5,
    response_time: float | list[float] = 300.0,
    rate: float | list[float] = 100.0,
) -> list[dict]:
    n = len(cpu)

    def expand(value: float | list[float]) -> list[float]:
        return value if isinstance(value, list) else [value] * n

    return [
        {"cpu_avg": c, "memory_avg": m, "response_time": t, "request_rate": r}
        for c, m, t, r in zip(cpu, expand(memory), expand(response_time), expand(rate), strict=True)
    ]


def predict(history: list[dict], workers: int) -> dict:
    return scaling.predict({"history": history, "current_workers": workers})


# ---------------------------------------------------------------------------
# Least squares
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "slope", "intercept", "r2"),
    [
        ([0.5], 0.0, 0.5, 1.0),
        ([0.3, 0.3, 0.3], 0.0, 0.3, 1.0),
        ([0.1, 0.2, 0.3, 0.4], 0.1, 0.1, 1.0),
        ([1.0, 0.5, 0.0], -0.5, 1.0, 1.0),
        # y = 0, 1, 0, 1: slope 0.2, intercept 0.2, R^2 = 0.2
        ([0.0, 1.0, 0.0, 1.0], 0.2, 0.2, 0.2),
    ],
)
def test_linear_fit(values: list[float], slope: float, intercept: float, r2: float) -> None:
    assert scaling.linear_fit(values) == pytest.approx((slope, intercept, r2))


# ---------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------

RISING = series(
    [0.3, 0.4, 0.5, 0.6, 0.7, 0.8], response_time=250.0, rate=[100, 200, 300, 400, 500, 600]
)
HOT = series([0.9] * 6, memory=0.85, response_time=800.0)
IDLE = series([0.1] * 8, memory=0.2, response_time=50.0, rate=10.0)
STEADY = series([0.5] * 6)
HOT_BUT_EASING = series([0.99, 0.97, 0.95, 0.9, 0.85, 0.8], rate=[600, 500, 400, 300, 200, 100])
IDLE_BUT_GROWING = series(
    [0.05, 0.08, 0.11, 0.14, 0.17, 0.2],
    memory=0.2,
    response_time=50.0,
    rate=[10, 20, 30, 40, 50, 60],
)


@pytest.mark.parametrize(
    ("history", "workers", "action", "recommended"),
    [
        # cpu projected to 1.1 -> ceil(2 * 1.1 / 0.6) = 4 (and at most doubling)
        (RISING, 2, "scale_up", 4),
        # utilisation 0.9 -> ceil(4 * 0.9 / 0.6) = 6
        (HOT, 4, "scale_up", 6),
        # never more than double in one step
        (HOT, 1, "scale_up", 2),
        # utilisation 0.2 -> ceil(4 * 0.2 / 0.6) = 2, never below half
        (IDLE, 4, "scale_down", 2),
        (IDLE, 10, "scale_down", 5),
        (IDLE, 2, "scale_down", 1),
        (IDLE, 1, "maintain", 1),
        (STEADY, 3, "maintain", 3),
        (HOT_BUT_EASING, 3, "monitor", 3),
        (IDLE_BUT_GROWING, 3, "monitor", 3),
        (series([0.99, 0.99]), 2, "monitor", 2),
        (series([0.5]), 7, "monitor", 7),
    ],
    ids=[
        "rising",
        "hot",
        "hot-at-one",
        "idle",
        "idle-ten",
        "idle-two",
        "idle-at-min",
        "steady",
        "hot-easing",
        "idle-growing",
        "two-points",
        "one-point",
    ],
)
def test_decision(history: list[dict], workers: int, action: str, recommended: int) -> None:
    result = predict(history, workers)
    assert result["action"] == action, result["reasons"]
    assert result["recommended_workers"] == recommended
    assert 0.0 <= result["confidence"] <= 1.0
    assert result["reasons"]
    if action == "scale_up":
        assert recommended > workers
    if action == "scale_down":
        assert 1 <= recommended < workers


@pytest.mark.parametrize(
    ("field", "value"),
    [("memory_avg", 0.9), ("response_time", 900.0)],
)
def test_any_overloaded_level_scales_up(field: str, value: float) -> None:
    history = series([0.5] * 5)
    for item in history:
        item[field] = value
    result = predict(history, 2)
    assert result["action"] == "scale_up"
    assert result["recommended_workers"] >= 3
    assert any(field in reason for reason in result["reasons"])


def test_rising_reasons_name_the_trend() -> None:
    result = predict(RISING, 2)
    reasons = " | ".join(result["reasons"])
    assert "cpu_avg trend is rising" in reasons
    assert "request_rate trend is rising" in reasons
    assert "projected cpu_avg" in reasons
    assert result["analysis"]["trend"] == "rising"
    assert result["analysis"]["projected_cpu_avg"] == pytest.approx(1.1)


def test_short_history_reason() -> None:
    result = predict(series([0.5, 0.6]), 3)
    assert "at least 3" in result["reasons"][0]
    assert result["confidence"] == pytest.approx(0.06)  # 0.3 * 2 / 10


def test_confidence_grows_with_history_length() -> None:
    short = predict(series([0.9] * 3, memory=0.9, response_time=900.0), 2)["confidence"]
    long = predict(series([0.9] * 12, memory=0.9, response_time=900.0), 2)["confidence"]
    assert short < long <= 1.0
    # all three levels vote up, no trend votes: agreement 1.0
    assert long == pytest.approx(1.0)
    assert short == pytest.approx(0.4 * 0.3 + 0.6)


def test_zero_request_rate_has_no_trend() -> None:
    result = predict(series([0.5] * 4, rate=0.0), 2)
    assert result["analysis"]["request_rate_trend_relative_per_step"] == 0.0
    assert result["action"] == "maintain"


@pytest.mark.parametrize("workers", [1, 2, 5, 999, 1000])
def test_recommendation_always_at_least_one(workers: int) -> None:
    for history in (RISING, HOT, IDLE, STEADY, HOT_BUT_EASING, IDLE_BUT_GROWING):
        result = predict(history, workers)
        assert result["recommended_workers"] >= 1
        assert isinstance(result["recommended_workers"], int)
        assert result["action"] in scaling.ACTIONS


def test_only_recent_window_sets_level() -> None:
    # Old overload, calm for the last 3 points and a falling trend: scale down, not up.
    history = series([0.95, 0.95, 0.95, 0.1, 0.1, 0.1], memory=0.2, response_time=50.0, rate=10.0)
    result = predict(history, 4)
    assert result["action"] == "scale_down"
    assert result["analysis"]["recent"]["cpu_avg"] == pytest.approx(0.1)


def test_predict_is_deterministic() -> None:
    assert predict(RISING, 3) == predict(RISING, 3)


def test_describe_lists_limits() -> None:
    info = scaling.describe()
    assert info["name"] == "ScalingPredictor"
    assert set(info["level_limits"]) == {"cpu_avg", "memory_avg", "response_time"}
    assert "current_workers" in info["input_fields"]
    assert {"action", "recommended_workers", "confidence", "reasons"} <= set(info["output_fields"])
