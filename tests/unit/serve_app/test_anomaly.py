"""Unit tests of seedcore_serve.anomaly (pure Python, no Ray needed)."""

from __future__ import annotations

import pytest

from seedcore_serve import anomaly


def point(
    cpu: float = 0.4, memory: float = 0.5, response_time: float = 120.0, error_rate: float = 0.001
) -> dict:
    return {
        "cpu_usage": cpu,
        "memory_usage": memory,
        "response_time": response_time,
        "error_rate": error_rate,
    }


def calm_series(n: int) -> list[dict]:
    """A series with a little deterministic jitter and nothing unusual."""
    return [
        point(
            cpu=0.40 + 0.01 * (i % 3),
            memory=0.50 + 0.01 * (i % 2),
            response_time=120.0 + 5 * (i % 4),
        )
        for i in range(n)
    ]


# ---------------------------------------------------------------------------
# Fixed thresholds
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "severity", "metric"),
    [
        ({}, "normal", None),
        ({"cpu": 0.85}, "normal", None),  # the limit itself does not trip
        ({"cpu": 0.86}, "warning", "cpu_usage"),
        ({"cpu": 0.96}, "critical", "cpu_usage"),
        ({"memory": 0.9}, "warning", "memory_usage"),
        ({"memory": 1.0}, "critical", "memory_usage"),
        ({"response_time": 1000.0}, "normal", None),
        ({"response_time": 1500.0}, "warning", "response_time"),
        ({"response_time": 6000.0}, "critical", "response_time"),
        ({"error_rate": 0.03}, "warning", "error_rate"),
        ({"error_rate": 0.06}, "critical", "error_rate"),
        ({"error_rate": 0.05}, "warning", "error_rate"),
    ],
)
def test_threshold_severity(overrides: dict, severity: str, metric: str | None) -> None:
    # A single point: the outlier test does not run, only thresholds apply.
    result = anomaly.predict({"metrics": [point(**overrides)]})
    (only,) = result["results"]
    assert only["severity"] == severity
    assert only["is_anomaly"] is (severity != "normal")
    if metric is None:
        assert only["reasons"] == []
    else:
        assert len(only["reasons"]) == 1
        assert only["reasons"][0].startswith(f"{metric}=")
        assert f"{severity} threshold" in only["reasons"][0]


def test_worst_finding_wins() -> None:
    result = anomaly.predict({"metrics": [point(cpu=0.9, error_rate=0.2)]})
    (only,) = result["results"]
    assert only["severity"] == "critical"
    assert [r.split("=")[0] for r in only["reasons"]] == ["cpu_usage", "error_rate"]


# ---------------------------------------------------------------------------
# Robust z-score
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 1.0, 1.0], [0.0, 0.0, 0.0]),
        # median 2, MAD 1: z = 0.6745 * (x - 2)
        ([1.0, 2.0, 3.0], [-0.6745, 0.0, 0.6745]),
        # MAD 0, mean absolute deviation 2: z = (x - 1) / (1.2533 * 2)
        ([1.0, 1.0, 1.0, 1.0, 11.0], [0.0, 0.0, 0.0, 0.0, 10 / (1.2533 * 2)]),
    ],
)
def test_robust_z_scores(values: list[float], expected: list[float]) -> None:
    assert anomaly.robust_z_scores(values) == pytest.approx(expected)


def test_outlier_flagged_with_metric_and_test_named() -> None:
    metrics = calm_series(10)
    metrics[4]["response_time"] = 900.0  # under the 1000 ms threshold, far from ~125 ms
    result = anomaly.predict({"metrics": metrics})
    flagged = result["results"][4]
    assert flagged["is_anomaly"] is True
    assert flagged["severity"] == "warning"
    (reason,) = flagged["reasons"]
    assert reason.startswith("response_time=900")
    assert "statistical outlier above" in reason and "robust z-score" in reason
    assert result["summary"]["anomalies"] == 1


def test_spike_gets_threshold_and_outlier_reasons() -> None:
    metrics = calm_series(8)
    metrics[5]["cpu_usage"] = 0.97
    flagged = anomaly.predict({"metrics": metrics})["results"][5]
    assert flagged["severity"] == "critical"
    assert any("critical threshold" in r for r in flagged["reasons"])
    assert any("outlier" in r for r in flagged["reasons"])
    assert all(r.startswith("cpu_usage=") for r in flagged["reasons"])


@pytest.mark.parametrize(
    ("metric", "low_value", "flagged"),
    [
        ("cpu_usage", 0.0, True),  # a sudden drop may be a dead worker
        ("memory_usage", 0.0, True),
        ("response_time", 0.0, False),  # faster is never a problem
        ("error_rate", 0.0, False),
    ],
)
def test_outlier_direction(metric: str, low_value: float, flagged: bool) -> None:
    metrics = [
        {"cpu_usage": 0.5, "memory_usage": 0.5, "response_time": 400.0, "error_rate": 0.015}
        for _ in range(9)
    ]
    metrics = [dict(m) for m in metrics]
    for i, m in enumerate(metrics):  # small jitter so MAD > 0
        m[metric] = m[metric] * (1 + 0.01 * (i % 3))
    metrics[3][metric] = low_value
    result = anomaly.predict({"metrics": metrics})["results"][3]
    assert result["is_anomaly"] is flagged
    if flagged:
        assert "below" in result["reasons"][0] and result["reasons"][0].startswith(metric)


def test_tiny_deviation_on_flat_series_is_not_an_outlier() -> None:
    metrics = [point(cpu=0.10) for _ in range(6)]
    metrics[2]["cpu_usage"] = 0.11  # z is large (MAD 0) but 0.01 is below the minimum distance
    result = anomaly.predict({"metrics": metrics})
    assert result["summary"]["anomalies"] == 0


def test_outlier_test_needs_three_points() -> None:
    two = [point(response_time=100.0), point(response_time=900.0)]
    result = anomaly.predict({"metrics": two})
    assert result["summary"]["outlier_test_applied"] is False
    assert result["summary"]["anomalies"] == 0

    three = [point(response_time=100.0), point(response_time=101.0), point(response_time=900.0)]
    result = anomaly.predict({"metrics": three})
    assert result["summary"]["outlier_test_applied"] is True
    assert result["results"][2]["is_anomaly"] is True


def test_calm_series_has_no_anomalies() -> None:
    result = anomaly.predict({"metrics": calm_series(50)})
    assert result["summary"] == {
        "total": 50,
        "anomalies": 0,
        "by_severity": {"normal": 50, "warning": 0, "critical": 0},
        "outlier_test_applied": True,
    }


def test_summary_counts_match_results() -> None:
    metrics = calm_series(20)
    metrics[3]["error_rate"] = 0.5
    metrics[7]["memory_usage"] = 0.9
    metrics[11]["response_time"] = 800.0
    result = anomaly.predict({"metrics": metrics})
    severities = [r["severity"] for r in result["results"]]
    summary = result["summary"]
    assert summary["total"] == len(metrics) == len(result["results"])
    assert summary["anomalies"] == sum(r["is_anomaly"] for r in result["results"]) == 3
    for name, count in summary["by_severity"].items():
        assert severities.count(name) == count
    assert severities[3] == "critical"


def test_predict_is_deterministic() -> None:
    metrics = calm_series(30)
    metrics[10]["cpu_usage"] = 0.99
    assert anomaly.predict({"metrics": metrics}) == anomaly.predict({"metrics": metrics})


def test_describe_lists_thresholds_and_test() -> None:
    info = anomaly.describe()
    assert info["name"] == "AnomalyDetector"
    assert set(info["thresholds"]) == set(info["input_fields"]["point"])
    assert info["outlier_test"]["min_points"] == 3
    assert {"results", "summary"} <= set(info["output_fields"])
