"""ScalingPredictor: recommends a worker count from recent load and its trend.

Input is validated by ``validation.validate_scaling_request``: ``history`` (oldest point
first) and ``current_workers``. The rules, all deterministic:

* Fewer than 3 history points: ``monitor`` (not enough data for a trend).
* Five signals each vote up, down or neutral:

  - level of the recent window (mean of the last 3 points):
    cpu_avg > 0.75 up, < 0.30 down; memory_avg > 0.80 up, < 0.40 down;
    response_time > 500 ms up, < 200 ms down;
  - least-squares trend over the whole history: cpu_avg slope > +0.02 per step up,
    < -0.02 down; request_rate slope relative to its mean > +5 % per step up, < -5 % down.

* The trend is ``rising`` (only up trend votes), ``falling`` (only down), ``mixed`` or
  ``flat``. The cpu_avg line is projected 3 steps ahead.
* ``scale_up`` when any level votes up and the trend is not falling, or when cpu_avg is
  rising and its projection exceeds 0.75. Overloaded but falling: ``monitor``.
* ``scale_down`` when all three levels vote down and the trend is neither rising nor
  mixed (``maintain`` at 1 worker); underloaded but rising or mixed: ``monitor``.
* Otherwise ``maintain``.

Worker count: ``ceil(current * utilisation / 0.6)`` where utilisation is the largest of
the recent cpu_avg, the recent memory_avg and (when rising) the projected cpu_avg capped
at 1.5; scale-up adds at least 1 and at most doubles, scale-down removes at least 1 and at
most halves, never below 1.

Confidence: ``0.4 * min(1, points / 10) + 0.6 * agreement`` where agreement is the share
of non-neutral votes that agree with the action (for ``maintain``: the share of neutral
votes); ``monitor`` has ``0.3 * min(1, points / 10)``.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from seedcore_serve import validation

NAME = "ScalingPredictor"
VERSION = "1.0.0"

MIN_HISTORY = 3
RECENT_WINDOW = 3
FULL_CONFIDENCE_POINTS = 10
PROJECTION_STEPS = 3
TARGET_UTILISATION = 0.6
PROJECTION_CAP = 1.5

#: metric -> (up when above, down when below) for the recent-window mean.
LEVEL_LIMITS: dict[str, tuple[float, float]] = {
    "cpu_avg": (0.75, 0.30),
    "memory_avg": (0.80, 0.40),
    "response_time": (500.0, 200.0),
}
CPU_SLOPE_LIMIT = 0.02
RATE_RELATIVE_SLOPE_LIMIT = 0.05
MIN_RATE_FOR_TREND = 1e-6
PROJECTED_CPU_LIMIT = LEVEL_LIMITS["cpu_avg"][0]

ACTIONS = ("scale_up", "scale_down", "maintain", "monitor")


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def linear_fit(values: list[float]) -> tuple[float, float, float]:
    """Least-squares line through ``(i, values[i])``: ``(slope, intercept, r_squared)``.

    ``r_squared`` is 1.0 for a perfectly flat series (the line explains it exactly).
    """
    n = len(values)
    if n == 1 or min(values) == max(values):
        return 0.0, values[0], 1.0
    x_mean = (n - 1) / 2
    y_mean = statistics.fmean(values)
    sxx = sum((i - x_mean) ** 2 for i in range(n))
    sxy = sum((i - x_mean) * (y - y_mean) for i, y in enumerate(values))
    slope = sxy / sxx
    intercept = y_mean - slope * x_mean
    ss_tot = sum((y - y_mean) ** 2 for y in values)
    if ss_tot <= 0.0:  # spread too small to square without underflow
        return slope, intercept, 1.0
    ss_res = sum((y - (intercept + slope * i)) ** 2 for i, y in enumerate(values))
    return slope, intercept, max(0.0, 1.0 - ss_res / ss_tot)


def _ceil(value: float) -> int:
    # Guard against float noise such as 2 * 0.9 / 0.6 == 3.0000000000000004.
    return math.ceil(round(value, 9))


def predict(request: dict[str, Any]) -> dict[str, Any]:
    """``{"history": [...], "current_workers": N}`` (validated) -> recommendation."""
    history = request["history"]
    current = request["current_workers"]
    n = len(history)
    data_factor = min(1.0, n / FULL_CONFIDENCE_POINTS)

    if n < MIN_HISTORY:
        return {
            "action": "monitor",
            "recommended_workers": current,
            "confidence": round(0.3 * data_factor, 3),
            "reasons": [
                f"history has {n} point(s); at least {MIN_HISTORY} are needed to judge "
                "load and trend"
            ],
            "analysis": {"points": n},
        }

    window = history[-RECENT_WINDOW:]
    recent = {
        metric: statistics.fmean(point[metric] for point in window)
        for metric in validation.SCALING_FIELDS
    }
    votes: dict[str, int] = {}
    reasons: list[str] = []

    for metric, (up_limit, down_limit) in LEVEL_LIMITS.items():
        value = recent[metric]
        if value > up_limit:
            votes[metric] = 1
            reasons.append(
                f"recent {metric} {_fmt(value)} (mean of last {len(window)}) is above "
                f"{_fmt(up_limit)}"
            )
        elif value < down_limit:
            votes[metric] = -1
            reasons.append(
                f"recent {metric} {_fmt(value)} (mean of last {len(window)}) is below "
                f"{_fmt(down_limit)}"
            )
        else:
            votes[metric] = 0

    cpu_slope, cpu_intercept, cpu_r2 = linear_fit([p["cpu_avg"] for p in history])
    projected_cpu = cpu_intercept + cpu_slope * (n - 1 + PROJECTION_STEPS)
    if cpu_slope > CPU_SLOPE_LIMIT:
        votes["cpu_trend"] = 1
        reasons.append(
            f"cpu_avg trend is rising by {_fmt(cpu_slope)} per step (least squares, "
            f"r2={cpu_r2:.2f}); projected {_fmt(projected_cpu)} in {PROJECTION_STEPS} steps"
        )
    elif cpu_slope < -CPU_SLOPE_LIMIT:
        votes["cpu_trend"] = -1
        reasons.append(
            f"cpu_avg trend is falling by {_fmt(-cpu_slope)} per step (least squares, "
            f"r2={cpu_r2:.2f})"
        )
    else:
        votes["cpu_trend"] = 0

    rates = [p["request_rate"] for p in history]
    rate_mean = statistics.fmean(rates)
    rate_slope = linear_fit(rates)[0]
    # Below a negligible mean rate the relative slope is meaningless (and could overflow).
    rate_relative = rate_slope / rate_mean if rate_mean > MIN_RATE_FOR_TREND else 0.0
    if rate_relative > RATE_RELATIVE_SLOPE_LIMIT:
        votes["request_rate_trend"] = 1
        reasons.append(f"request_rate trend is rising by {rate_relative:.1%} of its mean per step")
    elif rate_relative < -RATE_RELATIVE_SLOPE_LIMIT:
        votes["request_rate_trend"] = -1
        reasons.append(
            f"request_rate trend is falling by {-rate_relative:.1%} of its mean per step"
        )
    else:
        votes["request_rate_trend"] = 0

    level_votes = [votes[m] for m in LEVEL_LIMITS]
    trend_votes = [votes["cpu_trend"], votes["request_rate_trend"]]
    overloaded = any(v > 0 for v in level_votes)
    underloaded = all(v < 0 for v in level_votes)
    trend_up, trend_down = any(v > 0 for v in trend_votes), any(v < 0 for v in trend_votes)
    trend = {
        (True, True): "mixed",
        (True, False): "rising",
        (False, True): "falling",
        (False, False): "flat",
    }[(trend_up, trend_down)]
    cpu_heading_over = votes["cpu_trend"] > 0 and projected_cpu > PROJECTED_CPU_LIMIT

    utilisation = max(recent["cpu_avg"], recent["memory_avg"])
    if votes["cpu_trend"] > 0:
        utilisation = max(utilisation, min(projected_cpu, PROJECTION_CAP))
    desired = _ceil(current * utilisation / TARGET_UTILISATION)

    if overloaded and trend == "falling":
        action, direction = "monitor", 0
        reasons.append("load is above limits but trending down: watch before scaling")
    elif overloaded or cpu_heading_over:
        action, direction = "scale_up", 1
        recommended = min(max(desired, current + 1), current * 2)
        if not overloaded:
            reasons.append(
                f"projected cpu_avg {_fmt(projected_cpu)} exceeds {_fmt(PROJECTED_CPU_LIMIT)}"
            )
    elif underloaded and trend in ("rising", "mixed"):
        action, direction = "monitor", 0
        reasons.append("load is below limits but trending up: watch before scaling")
    elif underloaded:
        direction = -1
        if current == 1:
            action, recommended = "maintain", 1
            reasons.append("load is low but already at the minimum of 1 worker")
        else:
            action = "scale_down"
            recommended = max(min(desired, current - 1), math.ceil(current / 2), 1)
    else:
        action, direction, recommended = "maintain", 0, current
        reasons.append("load is within limits")

    if action == "monitor":
        recommended = current
        confidence = 0.3 * data_factor
    else:
        all_votes = list(votes.values())
        if direction == 0:
            agreement = sum(1 for v in all_votes if v == 0) / len(all_votes)
        else:
            decided = [v for v in all_votes if v != 0]
            agreement = sum(1 for v in decided if v == direction) / len(decided)
        confidence = 0.4 * data_factor + 0.6 * agreement

    if action in ("scale_up", "scale_down"):
        limit = "at least +1, at most x2" if direction > 0 else "at least -1, at most /2"
        reasons.append(
            f"utilisation {_fmt(utilisation)} on {current} worker(s) calls for {desired} "
            f"at a {TARGET_UTILISATION:.0%} target; recommending {recommended} "
            f"(one step is {limit})"
        )

    return {
        "action": action,
        "recommended_workers": recommended,
        "confidence": round(min(1.0, max(0.0, confidence)), 3),
        "reasons": reasons,
        "analysis": {
            "points": n,
            "recent_window": len(window),
            "recent": {metric: round(value, 6) for metric, value in recent.items()},
            "cpu_trend_per_step": round(cpu_slope, 6),
            "cpu_trend_r2": round(cpu_r2, 6),
            "projected_cpu_avg": round(projected_cpu, 6),
            "request_rate_trend_relative_per_step": round(rate_relative, 6),
            "trend": trend,
            "votes": votes,
        },
    }


def describe() -> dict[str, Any]:
    """What GET /ScalingPredictor returns."""
    return {
        "name": NAME,
        "version": VERSION,
        "description": (
            "Recommends a worker count from the mean of the last "
            f"{RECENT_WINDOW} history points against fixed limits plus a least-squares "
            f"trend of cpu_avg (projected {PROJECTION_STEPS} steps ahead) and request_rate. "
            f"'monitor' when history has fewer than {MIN_HISTORY} points or level and trend "
            "disagree. Scale-up at most doubles, scale-down at most halves. Deterministic."
        ),
        "input_fields": {
            "history": (
                f"list of 1 to {validation.MAX_ITEMS} points, oldest first, each with "
                "exactly these fields"
            ),
            "point": validation.describe_fields(validation.SCALING_FIELDS),
            "current_workers": validation.CURRENT_WORKERS.describe(),
        },
        "output_fields": {
            "action": " | ".join(f'"{a}"' for a in ACTIONS),
            "recommended_workers": "integer >= 1",
            "confidence": "number in [0, 1]",
            "reasons": "list of strings explaining the decision",
            "analysis": "the numbers behind the decision (recent means, trend, votes)",
        },
        "level_limits": {
            metric: {"up_above": up, "down_below": down}
            for metric, (up, down) in LEVEL_LIMITS.items()
        },
        "trend_limits": {
            "cpu_avg_slope_per_step": CPU_SLOPE_LIMIT,
            "request_rate_relative_slope_per_step": RATE_RELATIVE_SLOPE_LIMIT,
            "projected_cpu_avg_up_above": PROJECTED_CPU_LIMIT,
        },
        "target_utilisation": TARGET_UTILISATION,
    }
