"""Real-HTTP tests of every route of the SeedCore ML Serve application.

The base URL (e.g. ``http://127.0.0.1:8000``) comes from the ``serve_url`` fixture that
``tests/e2e/conftest.py`` provides once the application answers.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.e2e

TIMEOUT = 30
MODEL_ROUTES = ("SalienceScorer", "AnomalyDetector", "ScalingPredictor")


def post(serve_url: str, route: str, payload: object) -> requests.Response:
    return requests.post(f"{serve_url}/{route}", json=payload, timeout=TIMEOUT)


def post_raw(serve_url: str, route: str, data: bytes | str) -> requests.Response:
    return requests.post(
        f"{serve_url}/{route}",
        data=data,
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )


def normal_point(i: int) -> dict[str, float]:
    """A calm metrics point with a little deterministic jitter."""
    return {
        "cpu_usage": 0.40 + 0.01 * (i % 3),
        "memory_usage": 0.50 + 0.01 * (i % 2),
        "response_time": 120.0 + 5 * (i % 4),
        "error_rate": 0.001,
    }


# ---------------------------------------------------------------------------
# /health and the GET descriptions
# ---------------------------------------------------------------------------


def test_health_reports_running_application(serve_url: str) -> None:
    response = requests.get(f"{serve_url}/health", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "RUNNING"
    assert body["application"] == "seedcore-ml"
    for name in (*MODEL_ROUTES, "SeedCoreIngress"):
        assert body["deployments"][name] == "HEALTHY"


def test_health_answers_head(serve_url: str) -> None:
    response = requests.head(f"{serve_url}/health", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.content == b""


def test_health_rejects_post(serve_url: str) -> None:
    response = requests.post(f"{serve_url}/health", timeout=TIMEOUT)
    assert response.status_code == 405


@pytest.mark.parametrize("route", MODEL_ROUTES)
def test_get_describes_model(serve_url: str, route: str) -> None:
    response = requests.get(f"{serve_url}/{route}", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == route
    assert body["version"]
    assert isinstance(body["description"], str) and len(body["description"]) > 20
    assert body["input_fields"] and body["output_fields"]
    assert body["batching"]["max_batch_size"] >= 1


def test_unknown_route_is_404(serve_url: str) -> None:
    assert requests.get(f"{serve_url}/NoSuchModel", timeout=TIMEOUT).status_code == 404


@pytest.mark.parametrize("route", MODEL_ROUTES)
def test_wrong_method_is_405(serve_url: str, route: str) -> None:
    response = requests.delete(f"{serve_url}/{route}", timeout=TIMEOUT)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


# ---------------------------------------------------------------------------
# SalienceScorer
# ---------------------------------------------------------------------------


def test_salience_scores_follow_documented_formula(serve_url: str) -> None:
    features = [
        {"type": "system_event", "severity": "high", "frequency": 0.7},
        {"type": "resource_usage", "cpu": 0.9, "memory": 0.8},
        {"type": "service_health", "error_rate": 0.02, "latency_ms": 300},
        {"type": "system_event", "severity": "low", "frequency": 0.0},
    ]
    response = post(serve_url, "SalienceScorer", {"features": features})
    assert response.status_code == 200, response.text
    scores = response.json()["scores"]
    # 0.7*0.75 + 0.3*0.7 | 0.6*0.9 + 0.4*0.85 | 0.6*0.2 + 0.4*0.15 | 0.7*0.25
    assert scores == pytest.approx([0.735, 0.88, 0.18, 0.175])
    assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for s in scores)


def test_salience_one_score_per_item_in_order(serve_url: str) -> None:
    features = [
        {"type": "system_event", "severity": severity, "frequency": frequency}
        for severity in ("low", "medium", "high", "critical")
        for frequency in (0.0, 0.5, 1.0)
    ]
    forward = post(serve_url, "SalienceScorer", {"features": features}).json()["scores"]
    backward = post(serve_url, "SalienceScorer", {"features": features[::-1]}).json()["scores"]
    assert len(forward) == len(features)
    assert backward == forward[::-1]
    grid = [forward[i : i + 3] for i in range(0, 12, 3)]  # rows: severity, columns: frequency
    for row in grid:
        assert row == sorted(row) and row[0] < row[-1]
    for column in zip(*grid, strict=True):
        assert list(column) == sorted(column) and column[0] < column[-1]
    assert forward[0] == pytest.approx(0.175)
    assert forward[-1] == pytest.approx(1.0)


def test_salience_extremes_stay_in_unit_interval(serve_url: str) -> None:
    features = [
        {"type": "resource_usage", "cpu": 0, "memory": 0},
        {"type": "resource_usage", "cpu": 1, "memory": 1},
        {"type": "service_health", "error_rate": 1, "latency_ms": 3_600_000},
        {"type": "service_health", "error_rate": 0, "latency_ms": 0},
    ]
    scores = post(serve_url, "SalienceScorer", {"features": features}).json()["scores"]
    assert scores == pytest.approx([0.0, 1.0, 1.0, 0.0])


# ---------------------------------------------------------------------------
# AnomalyDetector
# ---------------------------------------------------------------------------


def test_anomaly_flags_spike_and_names_metric(serve_url: str) -> None:
    metrics = [normal_point(i) for i in range(12)]
    metrics[6]["cpu_usage"] = 0.99  # above the critical threshold and far off the median
    metrics[9]["response_time"] = 900.0  # under the 1000 ms threshold: only an outlier
    response = post(serve_url, "AnomalyDetector", {"metrics": metrics})
    assert response.status_code == 200, response.text
    body = response.json()
    results = body["results"]
    assert len(results) == 12

    spike = results[6]
    assert spike["is_anomaly"] is True
    assert spike["severity"] == "critical"
    assert any("cpu_usage" in r and "threshold" in r for r in spike["reasons"])
    assert any("cpu_usage" in r and "outlier" in r for r in spike["reasons"])

    slow = results[9]
    assert slow["is_anomaly"] is True
    assert slow["severity"] == "warning"
    assert any("response_time" in r and "outlier" in r for r in slow["reasons"])

    for index, result in enumerate(results):
        if index not in (6, 9):
            assert result == {"is_anomaly": False, "severity": "normal", "reasons": []}

    summary = body["summary"]
    assert summary["total"] == 12
    assert summary["anomalies"] == 2
    assert summary["by_severity"] == {"normal": 10, "warning": 1, "critical": 1}
    assert summary["outlier_test_applied"] is True


def test_anomaly_thresholds_apply_to_short_series(serve_url: str) -> None:
    metrics = [
        {"cpu_usage": 0.5, "memory_usage": 0.5, "response_time": 100, "error_rate": 0.08},
        {"cpu_usage": 0.9, "memory_usage": 0.5, "response_time": 100, "error_rate": 0.0},
    ]
    body = post(serve_url, "AnomalyDetector", {"metrics": metrics}).json()
    assert body["summary"]["outlier_test_applied"] is False
    first, second = body["results"]
    assert first["severity"] == "critical"
    assert any("error_rate" in r for r in first["reasons"])
    assert second["severity"] == "warning"
    assert any("cpu_usage" in r for r in second["reasons"])
    assert body["summary"]["by_severity"] == {"normal": 0, "warning": 1, "critical": 1}


# ---------------------------------------------------------------------------
# ScalingPredictor
# ---------------------------------------------------------------------------


def history(cpu: list[float], memory: float, response_time: float, rate: list[float]) -> list:
    return [
        {"cpu_avg": c, "memory_avg": memory, "response_time": response_time, "request_rate": r}
        for c, r in zip(cpu, rate, strict=True)
    ]


def test_scaling_rising_load_scales_up(serve_url: str) -> None:
    points = history(
        [0.30, 0.40, 0.50, 0.60, 0.70, 0.80], 0.5, 250.0, [100, 200, 300, 400, 500, 600]
    )
    response = post(serve_url, "ScalingPredictor", {"history": points, "current_workers": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["action"] == "scale_up"
    assert 2 < body["recommended_workers"] <= 4
    assert 0.0 <= body["confidence"] <= 1.0
    assert any("cpu_avg" in reason for reason in body["reasons"])


def test_scaling_idle_load_scales_down(serve_url: str) -> None:
    points = history([0.1] * 8, 0.2, 50.0, [10.0] * 8)
    body = post(serve_url, "ScalingPredictor", {"history": points, "current_workers": 4}).json()
    assert body["action"] == "scale_down"
    assert 1 <= body["recommended_workers"] < 4
    assert 0.0 <= body["confidence"] <= 1.0


def test_scaling_steady_load_maintains(serve_url: str) -> None:
    points = history([0.5] * 6, 0.5, 300.0, [100.0] * 6)
    body = post(serve_url, "ScalingPredictor", {"history": points, "current_workers": 3}).json()
    assert body["action"] == "maintain"
    assert body["recommended_workers"] == 3


def test_scaling_short_history_monitors(serve_url: str) -> None:
    points = history([0.95, 0.97], 0.9, 900.0, [100.0, 120.0])
    body = post(serve_url, "ScalingPredictor", {"history": points, "current_workers": 2}).json()
    assert body["action"] == "monitor"
    assert body["recommended_workers"] == 2
    assert 0.0 <= body["confidence"] <= 1.0


# ---------------------------------------------------------------------------
# Determinism and batching
# ---------------------------------------------------------------------------

DETERMINISM_CASES = [
    (
        "SalienceScorer",
        {"features": [{"type": "resource_usage", "cpu": 0.33, "memory": 0.71}]},
    ),
    (
        "AnomalyDetector",
        {"metrics": [normal_point(i) for i in range(7)]},
    ),
    (
        "ScalingPredictor",
        {
            "history": history([0.2, 0.5, 0.4, 0.9], 0.6, 420.0, [5, 50, 20, 80]),
            "current_workers": 3,
        },
    ),
]


@pytest.mark.parametrize(
    ("route", "payload"), DETERMINISM_CASES, ids=[c[0] for c in DETERMINISM_CASES]
)
def test_same_request_same_response(serve_url: str, route: str, payload: dict) -> None:
    first = post(serve_url, route, payload)
    second = post(serve_url, route, payload)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content


def test_concurrent_requests_get_their_own_results(serve_url: str) -> None:
    """Concurrent requests are batched together; each must still get its own answer."""

    def score(i: int) -> tuple[int, list[float]]:
        cpu = i / 40
        payload = {"features": [{"type": "resource_usage", "cpu": cpu, "memory": cpu}] * (i + 1)}
        response = post(serve_url, "SalienceScorer", payload)
        assert response.status_code == 200, response.text
        return i, response.json()["scores"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(score, range(40)))
    for i, scores in answers:
        assert len(scores) == i + 1
        assert scores == pytest.approx([i / 40] * (i + 1))


# ---------------------------------------------------------------------------
# Bad input: always 4xx with the offending field named, never 500
# ---------------------------------------------------------------------------

GOOD_EVENT = {"type": "system_event", "severity": "high", "frequency": 0.5}
GOOD_METRIC = {"cpu_usage": 0.5, "memory_usage": 0.5, "response_time": 100, "error_rate": 0.0}
GOOD_POINT = {"cpu_avg": 0.5, "memory_avg": 0.5, "response_time": 100, "request_rate": 10}

BAD_REQUESTS = [
    # (id, route, raw body, text the error must contain)
    ("malformed-json", "SalienceScorer", '{"features": [', "body"),
    ("empty-body", "AnomalyDetector", "", "body"),
    ("not-an-object", "ScalingPredictor", "[1, 2, 3]", "body"),
    ("string-body", "SalienceScorer", '"features"', "body"),
    ("missing-features", "SalienceScorer", "{}", "features"),
    ("features-not-list", "SalienceScorer", '{"features": {"a": 1}}', "features"),
    ("empty-features", "SalienceScorer", '{"features": []}', "features"),
    ("item-not-object", "SalienceScorer", '{"features": [1]}', "features[0]"),
    ("missing-type", "SalienceScorer", '{"features": [{"cpu": 0.5}]}', "features[0].type"),
    (
        "unknown-type",
        "SalienceScorer",
        '{"features": [{"type": "weather", "cpu": 0.5}]}',
        "features[0].type",
    ),
    (
        "cpu-out-of-range",
        "SalienceScorer",
        json.dumps({"features": [GOOD_EVENT, {"type": "resource_usage", "cpu": 1.5, "memory": 0}]}),
        "features[1].cpu",
    ),
    (
        "cpu-bool",
        "SalienceScorer",
        '{"features": [{"type": "resource_usage", "cpu": true, "memory": 0.5}]}',
        "features[0].cpu",
    ),
    (
        "memory-string",
        "SalienceScorer",
        '{"features": [{"type": "resource_usage", "cpu": 0.5, "memory": "0.5"}]}',
        "features[0].memory",
    ),
    (
        "memory-nan",
        "SalienceScorer",
        '{"features": [{"type": "resource_usage", "cpu": 0.5, "memory": NaN}]}',
        "features[0].memory",
    ),
    (
        "severity-unknown",
        "SalienceScorer",
        '{"features": [{"type": "system_event", "severity": "HIGH", "frequency": 0.5}]}',
        "features[0].severity",
    ),
    (
        "missing-frequency",
        "SalienceScorer",
        '{"features": [{"type": "system_event", "severity": "low"}]}',
        "features[0].frequency",
    ),
    (
        "extra-field",
        "SalienceScorer",
        '{"features": [{"type": "system_event", "severity": "low", "frequency": 0, "x": 1}]}',
        "features[0].x",
    ),
    ("unknown-top-level", "SalienceScorer", json.dumps({"features": [GOOD_EVENT], "y": 1}), "y"),
    (
        "too-many-features",
        "SalienceScorer",
        json.dumps({"features": [GOOD_EVENT] * 1001}),
        "features",
    ),
    ("misspelt-metrics", "AnomalyDetector", '{"metric": []}', "metric"),
    ("missing-metrics", "AnomalyDetector", "{}", "metrics"),
    ("empty-metrics", "AnomalyDetector", '{"metrics": []}', "metrics"),
    (
        "response-time-infinity",
        "AnomalyDetector",
        json.dumps({"metrics": [GOOD_METRIC, {**GOOD_METRIC, "response_time": "X"}]}).replace(
            '"X"', "Infinity"
        ),
        "metrics[1].response_time",
    ),
    (
        "response-time-overflow",
        "AnomalyDetector",
        json.dumps({"metrics": [{**GOOD_METRIC, "response_time": "X"}]}).replace('"X"', "1e999"),
        "metrics[0].response_time",
    ),
    (
        "negative-response-time",
        "AnomalyDetector",
        json.dumps({"metrics": [{**GOOD_METRIC, "response_time": -5}]}),
        "metrics[0].response_time",
    ),
    (
        "error-rate-null",
        "AnomalyDetector",
        json.dumps({"metrics": [{**GOOD_METRIC, "error_rate": None}]}),
        "metrics[0].error_rate",
    ),
    (
        "missing-cpu-usage",
        "AnomalyDetector",
        json.dumps({"metrics": [{k: v for k, v in GOOD_METRIC.items() if k != "cpu_usage"}]}),
        "metrics[0].cpu_usage",
    ),
    (
        "too-many-metrics",
        "AnomalyDetector",
        json.dumps({"metrics": [GOOD_METRIC] * 1001}),
        "metrics",
    ),
    ("missing-history", "ScalingPredictor", '{"current_workers": 2}', "history"),
    (
        "missing-current-workers",
        "ScalingPredictor",
        json.dumps({"history": [GOOD_POINT]}),
        "current_workers",
    ),
    (
        "workers-zero",
        "ScalingPredictor",
        json.dumps({"history": [GOOD_POINT], "current_workers": 0}),
        "current_workers",
    ),
    (
        "workers-fraction",
        "ScalingPredictor",
        json.dumps({"history": [GOOD_POINT], "current_workers": 2.5}),
        "current_workers",
    ),
    (
        "workers-bool",
        "ScalingPredictor",
        json.dumps({"history": [GOOD_POINT], "current_workers": True}),
        "current_workers",
    ),
    (
        "workers-huge-int",
        "ScalingPredictor",
        json.dumps({"history": [GOOD_POINT], "current_workers": 10**400}),
        "current_workers",
    ),
    (
        "cpu-avg-negative",
        "ScalingPredictor",
        json.dumps(
            {"history": [GOOD_POINT, {**GOOD_POINT, "cpu_avg": -0.1}], "current_workers": 1}
        ),
        "history[1].cpu_avg",
    ),
    (
        "request-rate-list",
        "ScalingPredictor",
        json.dumps({"history": [{**GOOD_POINT, "request_rate": [1]}], "current_workers": 1}),
        "history[0].request_rate",
    ),
    (
        "history-item-null",
        "ScalingPredictor",
        json.dumps({"history": [GOOD_POINT, None], "current_workers": 1}),
        "history[1]",
    ),
]


@pytest.mark.parametrize(
    ("route", "raw", "field"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_request_is_4xx_naming_field(serve_url: str, route: str, raw: str, field: str) -> None:
    response = post_raw(serve_url, route, raw)
    assert response.status_code in (400, 422), response.text
    body = response.json()
    assert field in body["error"], body
    assert body["field"] == field or body["field"].startswith(field), body


def test_oversized_body_is_413(serve_url: str) -> None:
    raw = json.dumps({"features": [GOOD_EVENT], "padding": "x" * 1_100_000})
    response = post_raw(serve_url, "SalienceScorer", raw)
    assert response.status_code == 413
    assert "body" in response.json()["error"]


def test_bad_requests_leave_service_healthy(serve_url: str) -> None:
    for _, route, raw, _ in BAD_REQUESTS[:5]:
        post_raw(serve_url, route, raw)
    ok = post(serve_url, "SalienceScorer", {"features": [GOOD_EVENT]})
    assert ok.status_code == 200
    assert ok.json()["scores"] == pytest.approx([0.675])
