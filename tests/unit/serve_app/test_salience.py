"""Unit tests of seedcore_serve.salience (pure Python, no Ray needed)."""

from __future__ import annotations

import itertools

import pytest

from seedcore_serve import salience, validation


def event(severity: str, frequency: float) -> dict:
    return {"type": "system_event", "severity": severity, "frequency": frequency}


def usage(cpu: float, memory: float) -> dict:
    return {"type": "resource_usage", "cpu": cpu, "memory": memory}


def health(error_rate: float, latency_ms: float) -> dict:
    return {"type": "service_health", "error_rate": error_rate, "latency_ms": latency_ms}


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        # system_event: 0.7 * severity_weight + 0.3 * frequency
        (event("low", 0.0), 0.175),
        (event("medium", 0.5), 0.5),
        (event("high", 0.7), 0.735),
        (event("critical", 0.0), 0.7),
        (event("critical", 1.0), 1.0),
        # resource_usage: 0.6 * max(cpu, memory) + 0.4 * mean(cpu, memory)
        (usage(0.0, 0.0), 0.0),
        (usage(0.9, 0.8), 0.88),
        (usage(0.8, 0.9), 0.88),
        (usage(1.0, 0.0), 0.8),
        (usage(1.0, 1.0), 1.0),
        # service_health: 0.6 * min(1, error_rate / 0.1) + 0.4 * min(1, latency_ms / 2000)
        (health(0.0, 0.0), 0.0),
        (health(0.02, 300.0), 0.18),
        (health(0.1, 0.0), 0.6),
        (health(0.5, 2000.0), 1.0),
        (health(1.0, 3_600_000.0), 1.0),
        (health(0.0, 1000.0), 0.2),
    ],
)
def test_score_item_formula(item: dict, expected: float) -> None:
    assert salience.score_item(item) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "item",
    [
        event(severity, frequency)
        for severity, frequency in itertools.product(
            validation.SEVERITY_LEVELS, (0.0, 0.25, 0.5, 1.0)
        )
    ]
    + [usage(c, m) for c, m in itertools.product((0.0, 0.3, 0.99, 1.0), repeat=2)]
    + [health(e, lat) for e, lat in itertools.product((0.0, 0.05, 1.0), (0.0, 1999.0, 1e6))],
)
def test_scores_in_unit_interval(item: dict) -> None:
    score = salience.score_item(item)
    assert isinstance(score, float)
    assert 0.0 <= score <= 1.0


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        (event("low", 0.5), event("medium", 0.5)),
        (event("medium", 0.5), event("high", 0.5)),
        (event("high", 0.5), event("critical", 0.5)),
        (event("high", 0.1), event("high", 0.9)),
        (usage(0.5, 0.5), usage(0.6, 0.5)),
        (usage(0.5, 0.5), usage(0.5, 0.6)),
        (health(0.01, 100.0), health(0.02, 100.0)),
        (health(0.01, 100.0), health(0.01, 200.0)),
    ],
)
def test_scores_are_monotonic(lower: dict, higher: dict) -> None:
    assert salience.score_item(lower) < salience.score_item(higher)


def test_predict_one_score_per_item_in_order() -> None:
    features = [event("critical", 1.0), usage(0.0, 0.0), health(0.02, 300.0), event("low", 0.0)]
    result = salience.predict({"features": features})
    assert result == {"scores": [1.0, 0.0, 0.18, 0.175]}
    reversed_result = salience.predict({"features": features[::-1]})
    assert reversed_result["scores"] == result["scores"][::-1]


def test_predict_is_deterministic() -> None:
    request = {"features": [usage(0.123456789, 0.987654321), event("medium", 0.333)]}
    assert salience.predict(request) == salience.predict(request)


def test_scores_rounded_to_six_decimals() -> None:
    score = salience.score_item(usage(0.123456789, 0.987654321))
    assert score == round(score, 6)


def test_unknown_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown feature type"):
        salience.score_item({"type": "weather"})


def test_describe_documents_every_type_and_formula() -> None:
    info = salience.describe()
    assert info["name"] == "SalienceScorer"
    assert info["version"]
    assert set(info["input_fields"]["types"]) == set(validation.SALIENCE_TYPES)
    assert set(info["formulas"]) == set(validation.SALIENCE_TYPES)
    assert "scores" in info["output_fields"]
    assert info["input_fields"]["types"]["resource_usage"]["cpu"].startswith("number in [0, 1]")
