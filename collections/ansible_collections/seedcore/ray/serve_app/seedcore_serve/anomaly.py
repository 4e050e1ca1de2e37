"""AnomalyDetector: flags unusual points in a series of service metrics.

Two tests, both deterministic, on validated input (``validation.validate_anomaly_request``):

1. Fixed thresholds per metric (a value strictly above the limit trips it):

   ============== ========= ========= =====================================
   metric         warning   critical  unit
   ============== ========= ========= =====================================
   cpu_usage      0.85      0.95      utilisation fraction in [0, 1]
   memory_usage   0.85      0.95      utilisation fraction in [0, 1]
   response_time  1000      5000      milliseconds, >= 0
   error_rate     0.02      0.05      fraction of failed requests in [0, 1]
   ============== ========= ========= =====================================

2. A robust z-score across the series, per metric, when it has at least 3 points:
   ``z = 0.6745 * (x - median) / MAD`` (MAD: median absolute deviation). When MAD is 0
   (most points identical), ``z = (x - median) / (1.2533 * mean absolute deviation)``.
   A point is an outlier when ``|z| > 3.5`` (Iglewicz & Hoaglin) and it is at least a
   minimum distance from the median (0.05 for cpu/memory, 50 ms, 0.005 error rate), so
   that noise on a flat series is not flagged. cpu_usage and memory_usage are tested in
   both directions (a sudden drop can mean a dead worker); response_time and error_rate
   only upwards (lower is never a problem). An outlier is a ``warning``.

A point's severity is the worst of its findings: ``critical`` > ``warning`` > ``normal``.
"""

from __future__ import annotations

import statistics
from typing import Any

from seedcore_serve import validation

NAME = "AnomalyDetector"
VERSION = "1.0.0"

SEVERITIES = ("normal", "warning", "critical")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

#: metric -> (warning limit, critical limit); a value strictly above a limit trips it.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "cpu_usage": (0.85, 0.95),
    "memory_usage": (0.85, 0.95),
    "response_time": (1000.0, 5000.0),
    "error_rate": (0.02, 0.05),
}

MIN_POINTS_FOR_OUTLIER_TEST = 3
Z_THRESHOLD = 3.5
MAD_SCALE = 0.6745
MEAN_AD_SCALE = 1.2533
#: metric -> (smallest |x - median| that can count as an outlier, directions tested)
OUTLIER_RULES: dict[str, tuple[float, str]] = {
    "cpu_usage": (0.05, "both"),
    "memory_usage": (0.05, "both"),
    "response_time": (50.0, "high"),
    "error_rate": (0.005, "high"),
}


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def robust_z_scores(values: list[float]) -> list[float]:
    """Modified z-score of every value; all 0.0 when the series has no spread."""
    median = statistics.median(values)
    deviations = [abs(v - median) for v in values]
    mad = statistics.median(deviations)
    if mad > 0:
        return [MAD_SCALE * (v - median) / mad for v in values]
    mean_ad = statistics.fmean(deviations)
    if mean_ad > 0:
        return [(v - median) / (MEAN_AD_SCALE * mean_ad) for v in values]
    return [0.0] * len(values)


def threshold_findings(point: dict[str, float]) -> list[tuple[str, str]]:
    """``[(severity, reason), ...]`` for one point's fixed-threshold test."""
    findings = []
    for metric, (warning, critical) in THRESHOLDS.items():
        value = point[metric]
        if value > critical:
            findings.append(
                ("critical", f"{metric}={_fmt(value)} above critical threshold {_fmt(critical)}")
            )
        elif value > warning:
            findings.append(
                ("warning", f"{metric}={_fmt(value)} above warning threshold {_fmt(warning)}")
            )
    return findings


def outlier_findings(points: list[dict[str, float]]) -> list[list[tuple[str, str]]]:
    """Per point, ``[(severity, reason), ...]`` from the robust z-score test."""
    findings: list[list[tuple[str, str]]] = [[] for _point in points]
    if len(points) < MIN_POINTS_FOR_OUTLIER_TEST:
        return findings
    for metric, (min_delta, direction) in OUTLIER_RULES.items():
        values = [point[metric] for point in points]
        median = statistics.median(values)
        for index, (value, z) in enumerate(zip(values, robust_z_scores(values), strict=True)):
            if abs(value - median) < min_delta or abs(z) <= Z_THRESHOLD:
                continue
            if direction == "high" and z < 0:
                continue
            side = "above" if z > 0 else "below"
            findings[index].append(
                (
                    "warning",
                    f"{metric}={_fmt(value)} is a statistical outlier {side} the series median "
                    f"{_fmt(median)} (robust z-score {z:.2f}, |z| > {Z_THRESHOLD})",
                )
            )
    return findings


def predict(request: dict[str, Any]) -> dict[str, Any]:
    """``{"metrics": [...]}`` (validated) -> ``{"results": [...], "summary": {...}}``."""
    points = request["metrics"]
    outliers = outlier_findings(points)
    results = []
    by_severity = dict.fromkeys(SEVERITIES, 0)
    for point, point_outliers in zip(points, outliers, strict=True):
        found = threshold_findings(point) + point_outliers
        severity = max((sev for sev, _reason in found), key=_RANK.__getitem__, default="normal")
        by_severity[severity] += 1
        results.append(
            {
                "is_anomaly": severity != "normal",
                "severity": severity,
                "reasons": [reason for _sev, reason in found],
            }
        )
    return {
        "results": results,
        "summary": {
            "total": len(points),
            "anomalies": len(points) - by_severity["normal"],
            "by_severity": by_severity,
            "outlier_test_applied": len(points) >= MIN_POINTS_FOR_OUTLIER_TEST,
        },
    }


def describe() -> dict[str, Any]:
    """What GET /AnomalyDetector returns."""
    return {
        "name": NAME,
        "version": VERSION,
        "description": (
            "Flags each metrics point that crosses a fixed threshold (warning or critical) "
            f"or is a statistical outlier across the series (robust z-score from median and "
            f"MAD, |z| > {Z_THRESHOLD}, needs >= {MIN_POINTS_FOR_OUTLIER_TEST} points; "
            "outliers are warnings). cpu_usage/memory_usage outliers count in both "
            "directions, response_time/error_rate only upwards. Deterministic."
        ),
        "input_fields": {
            "metrics": (
                f"list of 1 to {validation.MAX_ITEMS} points, oldest first, each with "
                "exactly these fields"
            ),
            "point": validation.describe_fields(validation.ANOMALY_FIELDS),
        },
        "output_fields": {
            "results": (
                "one per point, in order: {is_anomaly: bool, severity: "
                '"normal"|"warning"|"critical", reasons: [string naming metric and test]}'
            ),
            "summary": (
                "{total: int, anomalies: int, by_severity: {normal, warning, critical: int}, "
                "outlier_test_applied: bool}"
            ),
        },
        "thresholds": {
            metric: {"warning": warning, "critical": critical}
            for metric, (warning, critical) in THRESHOLDS.items()
        },
        "outlier_test": {
            "method": "robust z-score (median/MAD; mean absolute deviation when MAD is 0)",
            "z_threshold": Z_THRESHOLD,
            "min_points": MIN_POINTS_FOR_OUTLIER_TEST,
            "min_distance_from_median": {m: d for m, (d, _direction) in OUTLIER_RULES.items()},
            "directions": {m: direction for m, (_d, direction) in OUTLIER_RULES.items()},
        },
    }
