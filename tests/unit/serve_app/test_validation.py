"""Unit tests of seedcore_serve.validation (pure Python, no Ray needed)."""

from __future__ import annotations

import copy

import pytest

from seedcore_serve import validation
from seedcore_serve.validation import ValidationError

EVENT = {"type": "system_event", "severity": "high", "frequency": 0.5}
USAGE = {"type": "resource_usage", "cpu": 0.5, "memory": 0.25}
HEALTH = {"type": "service_health", "error_rate": 0.01, "latency_ms": 250}
METRIC = {"cpu_usage": 0.5, "memory_usage": 0.5, "response_time": 100, "error_rate": 0.0}
POINT = {"cpu_avg": 0.5, "memory_avg": 0.5, "response_time": 100, "request_rate": 10}


def with_field(item: dict, key: str, value: object) -> dict:
    changed = dict(item)
    changed[key] = value
    return changed


def without(item: dict, key: str) -> dict:
    return {k: v for k, v in item.items() if k != key}


# ---------------------------------------------------------------------------
# parse_json_body
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a": 1}', {"a": 1}),
        ('{"a": [1, 2.5]}', {"a": [1, 2.5]}),
        (b"  [1]  ", [1]),
        ('"text"', "text"),
    ],
)
def test_parse_json_body_accepts_json(raw: bytes | str, expected: object) -> None:
    assert validation.parse_json_body(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b'{"a": ', "not valid JSON"),
        (b"{'a': 1}", "not valid JSON"),
        (b'{"a": 1} trailing', "not valid JSON"),
        (b'{"a": "\xff"}', "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"9" * 5000, "too many digits"),
        (b" " * (validation.MAX_BODY_BYTES + 1), "at most"),
    ],
    ids=[
        "empty",
        "blank",
        "truncated",
        "single-quotes",
        "trailing",
        "utf8",
        "deep",
        "digits",
        "big",
    ],
)
def test_parse_json_body_rejects(raw: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.parse_json_body(raw)
    assert caught.value.field == "body"
    assert message in caught.value.message


def test_parse_json_body_lets_field_checks_name_non_finite_numbers() -> None:
    body = validation.parse_json_body(
        b'{"features": [{"type": "resource_usage", "cpu": Infinity, "memory": 0}]}'
    )
    with pytest.raises(ValidationError) as caught:
        validation.validate_salience_request(body)
    assert caught.value.field == "features[0].cpu"
    assert "Infinity" in caught.value.message


def test_validation_error_to_dict() -> None:
    error = ValidationError("features[1].cpu", "features[1].cpu must be a number")
    assert error.to_dict() == {
        "error": "features[1].cpu must be a number",
        "field": "features[1].cpu",
    }
    assert isinstance(error, ValueError)


# ---------------------------------------------------------------------------
# Field checkers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0.0), (1, 1.0), (0.5, 0.5), (1.0, 1.0), (0.0, 0.0)],
)
def test_fraction_accepts(value: object, expected: float) -> None:
    result = validation.FRACTION.check(value, "x")
    assert result == expected and isinstance(result, float)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "true"),
        (False, "false"),
        (None, "null"),
        ("0.5", 'string "0.5"'),
        ([0.5], "a list"),
        ({"v": 0.5}, "an object"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        (1.0000001, "1.0000001"),
        (-0.1, "-0.1"),
        (10**400, "an integer of 1329 bits"),
    ],
)
def test_fraction_rejects(value: object, shown: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.FRACTION.check(value, "m[3].cpu")
    assert caught.value.field == "m[3].cpu"
    assert caught.value.message == f"m[3].cpu must be a number in [0, 1] (fraction), got {shown}"


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (7, 7), (3.0, 3), (1000, 1000)])
def test_integer_field_accepts(value: object, expected: int) -> None:
    result = validation.CURRENT_WORKERS.check(value, "current_workers")
    assert result == expected and isinstance(result, int)


@pytest.mark.parametrize("value", [0, -1, 1001, 2.5, True, "2", None, float("nan"), 10**30])
def test_integer_field_rejects(value: object) -> None:
    with pytest.raises(ValidationError, match=r"current_workers must be an integer in \[1, 1000\]"):
        validation.CURRENT_WORKERS.check(value, "current_workers")


def test_describe_value_truncates_long_strings() -> None:
    shown = validation.describe_value("x" * 500)
    assert shown.startswith('string "xxx') and shown.endswith('..."') and len(shown) < 60


# ---------------------------------------------------------------------------
# validate_salience_request
# ---------------------------------------------------------------------------


def test_salience_request_normalised() -> None:
    body = {"features": [EVENT, {"type": "resource_usage", "cpu": 1, "memory": 0}, HEALTH]}
    original = copy.deepcopy(body)
    result = validation.validate_salience_request(body)
    assert result == {
        "features": [
            {"type": "system_event", "severity": "high", "frequency": 0.5},
            {"type": "resource_usage", "cpu": 1.0, "memory": 0.0},
            {"type": "service_health", "error_rate": 0.01, "latency_ms": 250.0},
        ]
    }
    assert isinstance(result["features"][1]["cpu"], float)
    assert body == original  # the input is not modified


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ([], "body", "body must be a JSON object, got a list"),
        ("x", "body", "body must be a JSON object"),
        (None, "body", "got null"),
        ({}, "features", "features is required"),
        ({"features": None}, "features", "features must be a list"),
        ({"features": "abc"}, "features", "features must be a list"),
        ({"features": []}, "features", "must not be empty"),
        ({"features": [EVENT] * 1001}, "features", "at most 1000 items, got 1001"),
        ({"features": [EVENT], "extra": 1}, "extra", "not an accepted field in the body"),
        ({"features": [EVENT, 3]}, "features[1]", "features[1] must be a JSON object, got 3"),
        ({"features": [{"severity": "low"}]}, "features[0].type", "features[0].type is required"),
        (
            {"features": [with_field(EVENT, "type", "weather")]},
            "features[0].type",
            'one of "system_event", "resource_usage", "service_health", got string "weather"',
        ),
        (
            {"features": [with_field(EVENT, "type", 1)]},
            "features[0].type",
            "got 1",
        ),
        (
            {"features": [EVENT, with_field(USAGE, "cpu", 1.5)]},
            "features[1].cpu",
            "features[1].cpu must be a number in [0, 1]",
        ),
        (
            {"features": [with_field(USAGE, "cpu", True)]},
            "features[0].cpu",
            "got true",
        ),
        (
            {"features": [with_field(USAGE, "memory", float("nan"))]},
            "features[0].memory",
            "got NaN",
        ),
        ({"features": [without(USAGE, "memory")]}, "features[0].memory", "is required"),
        (
            {"features": [with_field(EVENT, "severity", "High")]},
            "features[0].severity",
            'one of "low", "medium", "high", "critical"',
        ),
        (
            {"features": [with_field(EVENT, "frequency", -0.1)]},
            "features[0].frequency",
            "got -0.1",
        ),
        (
            {"features": [with_field(EVENT, "cpu", 0.5)]},
            "features[0].cpu",
            "not an accepted field for type system_event (accepted: type, severity, frequency)",
        ),
        (
            {"features": [with_field(HEALTH, "latency_ms", -1)]},
            "features[0].latency_ms",
            "features[0].latency_ms must be a number in [0, 3600000]",
        ),
    ],
)
def test_salience_request_rejected(body: object, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.validate_salience_request(body)
    assert caught.value.field == field
    assert message in caught.value.message
    assert field in caught.value.message


def test_salience_request_max_items_accepted() -> None:
    result = validation.validate_salience_request({"features": [USAGE] * validation.MAX_ITEMS})
    assert len(result["features"]) == validation.MAX_ITEMS


# ---------------------------------------------------------------------------
# validate_anomaly_request
# ---------------------------------------------------------------------------


def test_anomaly_request_normalised() -> None:
    result = validation.validate_anomaly_request(
        {"metrics": [METRIC, with_field(METRIC, "cpu_usage", 1)]}
    )
    assert result["metrics"][1] == {
        "cpu_usage": 1.0,
        "memory_usage": 0.5,
        "response_time": 100.0,
        "error_rate": 0.0,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"metrics": []}, "metrics"),
        ({"metric": [METRIC]}, "metric"),
        ({}, "metrics"),
        ({"metrics": [METRIC] * 1001}, "metrics"),
        ({"metrics": [METRIC, without(METRIC, "error_rate")]}, "metrics[1].error_rate"),
        ({"metrics": [with_field(METRIC, "cpu_usage", 90)]}, "metrics[0].cpu_usage"),
        ({"metrics": [with_field(METRIC, "memory_usage", "high")]}, "metrics[0].memory_usage"),
        ({"metrics": [with_field(METRIC, "response_time", -1)]}, "metrics[0].response_time"),
        ({"metrics": [with_field(METRIC, "response_time", 1e10)]}, "metrics[0].response_time"),
        ({"metrics": [with_field(METRIC, "error_rate", float("inf"))]}, "metrics[0].error_rate"),
        ({"metrics": [with_field(METRIC, "error_rate", False)]}, "metrics[0].error_rate"),
        ({"metrics": [with_field(METRIC, "disk", 0.5)]}, "metrics[0].disk"),
        ({"metrics": [[0.5, 0.5, 100, 0]]}, "metrics[0]"),
    ],
)
def test_anomaly_request_rejected(body: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.validate_anomaly_request(body)
    assert caught.value.field == field
    assert field in caught.value.message


# ---------------------------------------------------------------------------
# validate_scaling_request
# ---------------------------------------------------------------------------


def test_scaling_request_normalised() -> None:
    result = validation.validate_scaling_request({"history": [POINT], "current_workers": 3.0})
    assert result == {
        "history": [
            {"cpu_avg": 0.5, "memory_avg": 0.5, "response_time": 100.0, "request_rate": 10.0}
        ],
        "current_workers": 3,
    }
    assert isinstance(result["current_workers"], int)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_workers": 1}, "history"),
        ({"history": [POINT]}, "current_workers"),
        ({"history": [POINT], "current_workers": 0}, "current_workers"),
        ({"history": [POINT], "current_workers": 1.5}, "current_workers"),
        ({"history": [POINT], "current_workers": True}, "current_workers"),
        ({"history": [POINT], "current_workers": "2"}, "current_workers"),
        ({"history": [POINT], "current_workers": 1001}, "current_workers"),
        ({"history": [POINT], "current_workers": 1, "max": 3}, "max"),
        ({"history": [], "current_workers": 1}, "history"),
        ({"history": [POINT, None], "current_workers": 1}, "history[1]"),
        (
            {"history": [with_field(POINT, "request_rate", -1)], "current_workers": 1},
            "history[0].request_rate",
        ),
        (
            {"history": [with_field(POINT, "cpu_avg", None)], "current_workers": 1},
            "history[0].cpu_avg",
        ),
        (
            {"history": [without(POINT, "memory_avg")], "current_workers": 1},
            "history[0].memory_avg",
        ),
    ],
)
def test_scaling_request_rejected(body: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validation.validate_scaling_request(body)
    assert caught.value.field == field
    assert field in caught.value.message


# ---------------------------------------------------------------------------
# parse_app_args (build_app's args)
# ---------------------------------------------------------------------------


def test_app_args_defaults() -> None:
    assert validation.parse_app_args({}) == {
        "num_cpus": 0.1,
        "num_replicas": 1,
        "max_batch_size": 16,
        "batch_wait_timeout_s": 0.01,
        "app_name": "seedcore-ml",
        "ingress_resource": "",
        "ingress_replicas": 1,
        "model_resource": "",
        "max_replicas_per_node": 0,
        "ingress_max_ongoing_requests": 32,
        "ingress_max_queued_requests": 32,
    }
    assert validation.parse_app_args(None) == validation.parse_app_args({})


def test_app_args_overrides() -> None:
    options = validation.parse_app_args(
        {
            "num_cpus": 1,
            "num_replicas": 3,
            "max_batch_size": 4.0,
            "batch_wait_timeout_s": 0,
            "app_name": "other",
            "ingress_resource": "seedcore_serve",
            "ingress_replicas": 2,
            "model_resource": "seedcore_worker",
            "max_replicas_per_node": 2,
            "ingress_max_ongoing_requests": 8,
            "ingress_max_queued_requests": 4,
        }
    )
    assert options == {
        "num_cpus": 1.0,
        "num_replicas": 3,
        "max_batch_size": 4,
        "batch_wait_timeout_s": 0.0,
        "app_name": "other",
        "ingress_resource": "seedcore_serve",
        "ingress_replicas": 2,
        "model_resource": "seedcore_worker",
        "max_replicas_per_node": 2,
        "ingress_max_ongoing_requests": 8,
        "ingress_max_queued_requests": 4,
    }
    assert isinstance(options["max_batch_size"], int)


@pytest.mark.parametrize("key", ["ingress_resource", "model_resource"])
@pytest.mark.parametrize("value", [1, None, "has space", 'q"uote', "{}"])
def test_app_args_resources_must_be_resource_names(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"{key} must be a resource name"):
        validation.parse_app_args({key: value})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"num_cpu": 1}, "unknown argument(s) num_cpu"),
        ({"max_replicas_per_node": -1}, "max_replicas_per_node"),
        ({"num_cpus": 0}, "num_cpus must be a number in (0, 1024]"),
        ({"num_cpus": -0.5}, "num_cpus must be a number in (0, 1024]"),
        ({"num_cpus": "0.5"}, "num_cpus must be a number in (0, 1024]"),
        ({"num_cpus": True}, "num_cpus"),
        ({"num_replicas": 0}, "num_replicas must be an integer"),
        ({"num_replicas": 1.5}, "num_replicas must be an integer"),
        ({"ingress_replicas": 0}, "ingress_replicas must be an integer"),
        ({"max_batch_size": 0}, "max_batch_size must be an integer"),
        ({"max_batch_size": None}, "max_batch_size must be an integer"),
        ({"batch_wait_timeout_s": -0.01}, "batch_wait_timeout_s must be a number"),
        ({"batch_wait_timeout_s": float("nan")}, "batch_wait_timeout_s must be a number"),
        ({"app_name": ""}, "app_name must be a non-empty string"),
        ({"app_name": 3}, "app_name must be a non-empty string"),
        ([1], "must be a mapping"),
    ],
)
def test_app_args_rejected(args: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        validation.parse_app_args(args)
    assert message in str(caught.value)
