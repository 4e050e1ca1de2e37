"""SalienceScorer: how much attention each observed item deserves, as a score in [0, 1].

A transparent weighted formula per item type (inputs already validated by
``validation.validate_salience_request``):

* ``system_event``: ``0.7 * severity_weight + 0.3 * frequency`` with severity weights
  low 0.25, medium 0.5, high 0.75, critical 1.0.
* ``resource_usage``: ``0.6 * max(cpu, memory) + 0.4 * (cpu + memory) / 2``: the most
  saturated resource dominates, the average tempers it.
* ``service_health``: ``0.6 * min(1, error_rate / 0.10) + 0.4 * min(1, latency_ms / 2000)``:
  a 10 % error rate or a 2 s latency saturates its term.

Scores are rounded to 6 decimals and clamped to [0, 1]; the same input always gives the
same output.
"""

from __future__ import annotations

from typing import Any

from seedcore_serve import validation

NAME = "SalienceScorer"
VERSION = "1.0.0"

SEVERITY_WEIGHTS = {"low": 0.25, "medium": 0.5, "high": 0.75, "critical": 1.0}
EVENT_SEVERITY_WEIGHT = 0.7
EVENT_FREQUENCY_WEIGHT = 0.3
RESOURCE_PEAK_WEIGHT = 0.6
RESOURCE_MEAN_WEIGHT = 0.4
HEALTH_ERROR_WEIGHT = 0.6
HEALTH_LATENCY_WEIGHT = 0.4
HEALTH_ERROR_SATURATION = 0.10
HEALTH_LATENCY_SATURATION_MS = 2000.0

FORMULAS = {
    "system_event": (
        f"{EVENT_SEVERITY_WEIGHT} * severity_weight + {EVENT_FREQUENCY_WEIGHT} * frequency, "
        "severity_weight: " + ", ".join(f"{k}={v}" for k, v in SEVERITY_WEIGHTS.items())
    ),
    "resource_usage": (
        f"{RESOURCE_PEAK_WEIGHT} * max(cpu, memory) + {RESOURCE_MEAN_WEIGHT} * (cpu + memory) / 2"
    ),
    "service_health": (
        f"{HEALTH_ERROR_WEIGHT} * min(1, error_rate / {HEALTH_ERROR_SATURATION}) + "
        f"{HEALTH_LATENCY_WEIGHT} * min(1, latency_ms / {HEALTH_LATENCY_SATURATION_MS:g})"
    ),
}


def _clamp01(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 6)


def score_item(item: dict[str, Any]) -> float:
    """The salience of one validated item."""
    kind = item["type"]
    if kind == "system_event":
        raw = (
            EVENT_SEVERITY_WEIGHT * SEVERITY_WEIGHTS[item["severity"]]
            + EVENT_FREQUENCY_WEIGHT * item["frequency"]
        )
    elif kind == "resource_usage":
        cpu, memory = item["cpu"], item["memory"]
        raw = RESOURCE_PEAK_WEIGHT * max(cpu, memory) + RESOURCE_MEAN_WEIGHT * (cpu + memory) / 2
    elif kind == "service_health":
        raw = HEALTH_ERROR_WEIGHT * min(
            1.0, item["error_rate"] / HEALTH_ERROR_SATURATION
        ) + HEALTH_LATENCY_WEIGHT * min(1.0, item["latency_ms"] / HEALTH_LATENCY_SATURATION_MS)
    else:  # validation rejects unknown types; this is a programming error
        raise ValueError(f"unknown feature type {kind!r}")
    return _clamp01(raw)


def predict(request: dict[str, Any]) -> dict[str, Any]:
    """``{"features": [...]}`` (validated) -> ``{"scores": [...]}``, one score per item."""
    return {"scores": [score_item(item) for item in request["features"]]}


def describe() -> dict[str, Any]:
    """What GET /SalienceScorer returns."""
    return {
        "name": NAME,
        "version": VERSION,
        "description": (
            "Scores how much attention each observed item deserves, 0 (ignore) to 1 "
            "(act now), with a fixed weighted formula per item type; deterministic."
        ),
        "input_fields": {
            "features": (
                f"list of 1 to {validation.MAX_ITEMS} objects, each with a 'type' "
                "and that type's fields (no other keys)"
            ),
            "types": {
                kind: validation.describe_fields(spec)
                for kind, spec in validation.SALIENCE_TYPES.items()
            },
        },
        "output_fields": {
            "scores": "list of numbers in [0, 1], one per feature, in request order",
        },
        "formulas": FORMULAS,
    }
