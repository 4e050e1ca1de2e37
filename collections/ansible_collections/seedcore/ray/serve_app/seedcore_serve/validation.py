"""Request validation for the SeedCore ML routes (standard library only).

Every public ``validate_*`` function takes the decoded JSON body and either returns a
normalised plain-data copy (numbers as ``float``, counts as ``int``) or raises
``ValidationError(field, message)``. The HTTP layer turns that error into a 400 response
``{"error": "<message>", "field": "<field>"}``; the model modules only ever see data that
passed through here.

Field names in errors use a JSON-path-like notation: ``features[1].cpu``, ``current_workers``,
or ``body`` for the request body as a whole.

The request-level checks (``check_content_type``, ``check_declared_length``,
``parse_json_body``) raise subclasses of ``ValidationError`` that carry their own HTTP
status (415, 413); everything else is a 400. A message quotes at most a short, escaped,
ASCII prefix of anything the client sent (``quote``), so an answer never grows with the
request and always encodes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

#: Largest request body the HTTP layer reads, in bytes (413 above it, before parsing).
#: The largest valid request (1000 points of four full-precision numbers) is about
#: 140 KB; parsing a body this size takes a few milliseconds of the ingress's event loop.
MAX_BODY_BYTES = 256 * 1024
#: Most items accepted in one ``features`` / ``metrics`` / ``history`` list.
MAX_ITEMS = 1000
#: Most workers ``current_workers`` may state.
MAX_WORKERS = 1000

#: Largest accepted response time: one hour, in milliseconds.
MAX_RESPONSE_TIME_MS = 3_600_000.0
#: Largest accepted request rate, in requests per second.
MAX_REQUEST_RATE = 1_000_000_000.0

#: Most characters of client-sent text an error message quotes (after escaping).
MAX_QUOTED_CHARS = 40
_MAX_SHOWN_CHARS = MAX_QUOTED_CHARS

#: The media type the POST routes accept (with at most a ``charset=utf-8`` parameter).
JSON_MEDIA_TYPE = "application/json"
# A \uD800-\uDFFF escape: only then can a decoded string hold a lone surrogate (strict
# UTF-8 decoding refuses encoded surrogates), so only then is the decoded body walked.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class ValidationError(ValueError):
    """A request field is missing, of the wrong type or out of range (HTTP 400)."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, str]:
        """The JSON error body the HTTP layer sends."""
        return {"error": self.message, "field": self.field}


class UnsupportedMediaType(ValidationError):
    """The request's Content-Type is not JSON (HTTP 415)."""

    status = 415


class BodyTooLarge(ValidationError):
    """The request body is over ``MAX_BODY_BYTES`` (HTTP 413)."""

    status = 413

    def __init__(self) -> None:
        super().__init__("body", f"body must be at most {MAX_BODY_BYTES} bytes")


# ---------------------------------------------------------------------------
# Field specifications (also used by the GET routes to describe the inputs)
# ---------------------------------------------------------------------------


def _fmt_bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class NumberField:
    """A finite JSON number (never a boolean) within ``[minimum, maximum]``."""

    minimum: float
    maximum: float
    unit: str = ""

    def describe(self) -> str:
        text = f"number in [{_fmt_bound(self.minimum)}, {_fmt_bound(self.maximum)}]"
        return f"{text} ({self.unit})" if self.unit else text

    def check(self, value: Any, field: str) -> float:
        expected = f"{field} must be a {self.describe()}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(field, f"{expected}, got {describe_value(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(field, f"{expected}, got {describe_value(value)}")
        # int/float comparisons are exact in Python, so huge ints are rejected here
        # before float() could overflow.
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(field, f"{expected}, got {describe_value(value)}")
        return float(value)


@dataclass(frozen=True)
class IntegerField:
    """A JSON integer (``3`` or ``3.0``, never a boolean) within ``[minimum, maximum]``."""

    minimum: int
    maximum: int
    unit: str = ""

    def describe(self) -> str:
        text = f"integer in [{self.minimum}, {self.maximum}]"
        return f"{text} ({self.unit})" if self.unit else text

    def check(self, value: Any, field: str) -> int:
        expected = f"{field} must be an {self.describe()}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(field, f"{expected}, got {describe_value(value)}")
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise ValidationError(field, f"{expected}, got {describe_value(value)}")
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(field, f"{expected}, got {describe_value(value)}")
        return int(value)


@dataclass(frozen=True)
class ChoiceField:
    """A JSON string that is one of ``choices`` (case-sensitive)."""

    choices: tuple[str, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(f'"{choice}"' for choice in self.choices)

    def check(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise ValidationError(
                field, f"{field} must be {self.describe()}, got {describe_value(value)}"
            )
        return value


FRACTION = NumberField(0.0, 1.0, "fraction")

#: SalienceScorer: accepted item types and the fields each one requires.
SEVERITY_LEVELS = ("low", "medium", "high", "critical")
SALIENCE_TYPES: dict[str, dict[str, Any]] = {
    "system_event": {
        "severity": ChoiceField(SEVERITY_LEVELS),
        "frequency": NumberField(0.0, 1.0, "fraction of the observation window"),
    },
    "resource_usage": {
        "cpu": NumberField(0.0, 1.0, "utilisation fraction"),
        "memory": NumberField(0.0, 1.0, "utilisation fraction"),
    },
    "service_health": {
        "error_rate": NumberField(0.0, 1.0, "fraction of failed requests"),
        "latency_ms": NumberField(0.0, MAX_RESPONSE_TIME_MS, "milliseconds"),
    },
}

#: AnomalyDetector: fields of every point in ``metrics``.
ANOMALY_FIELDS: dict[str, NumberField] = {
    "cpu_usage": NumberField(0.0, 1.0, "utilisation fraction"),
    "memory_usage": NumberField(0.0, 1.0, "utilisation fraction"),
    "response_time": NumberField(0.0, MAX_RESPONSE_TIME_MS, "milliseconds"),
    "error_rate": NumberField(0.0, 1.0, "fraction of failed requests"),
}

#: ScalingPredictor: fields of every point in ``history`` (oldest first).
SCALING_FIELDS: dict[str, NumberField] = {
    "cpu_avg": NumberField(0.0, 1.0, "mean utilisation fraction"),
    "memory_avg": NumberField(0.0, 1.0, "mean utilisation fraction"),
    "response_time": NumberField(0.0, MAX_RESPONSE_TIME_MS, "milliseconds"),
    "request_rate": NumberField(0.0, MAX_REQUEST_RATE, "requests per second"),
}
CURRENT_WORKERS = IntegerField(1, MAX_WORKERS, "workers")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def describe_value(value: Any) -> str:
    """A short, JSON-flavoured rendering of a bad value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() < 128:
            return str(value)
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, str):
        return "string " + quote(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def quote(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """Client-sent text for a message: a JSON string literal of at most ``limit``
    characters between its quotes, ASCII only (non-ASCII and lone surrogates escaped,
    never cut inside an escape), ending in ``...`` when cut. Only a prefix is looked at,
    however long the text."""
    pieces: list[str] = []
    size = 0
    for char in text[:limit]:
        piece = json.dumps(char)[1:-1]
        if size + len(piece) > limit:
            break
        pieces.append(piece)
        size += len(piece)
    shown = "".join(pieces)
    return f'"{shown}..."' if len(pieces) < len(text) else f'"{shown}"'


def _field_name(prefix: str, key: str) -> str:
    """``prefix.key`` for a plain key; an escaped, cut quotation of anything else."""
    plain = len(key) <= MAX_QUOTED_CHARS and re.fullmatch(r"\w+", key, re.ASCII) is not None
    shown = key if plain else quote(key)
    return f"{prefix}.{shown}" if prefix else shown


def check_content_type(header: str | None) -> None:
    """Accept ``application/json``, optionally with ``charset=utf-8`` (any case, quoted
    or not). Anything else, or no header, raises ``UnsupportedMediaType`` (415): a
    browser may send a text/plain or form POST cross-site without a preflight, never a
    JSON one."""
    allowed = f"Content-Type must be {JSON_MEDIA_TYPE} (optionally with ; charset=utf-8)"
    if not header:
        raise UnsupportedMediaType("Content-Type", f"{allowed}; none was given")
    media_type, *params = header.split(";")
    ok = media_type.strip().lower() == JSON_MEDIA_TYPE and len(params) <= 1
    for param in params:
        name, _equals, value = param.partition("=")
        ok = ok and name.strip().lower() == "charset"
        ok = ok and value.strip().strip('"').lower() in ("utf-8", "utf8")
    if not ok:
        raise UnsupportedMediaType("Content-Type", f"{allowed}, got {quote(header)}")


def check_declared_length(header: str | None) -> None:
    """Refuse a body whose declared Content-Length is over the limit, before reading it."""
    if header and header.strip().isdigit() and int(header) > MAX_BODY_BYTES:
        raise BodyTooLarge()


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise ValidationError("body", f"body has the key {quote(key)} more than once")
            seen.add(key)
    return obj


def _check_unicode(value: Any) -> None:
    """Raise on any key or string holding a lone surrogate (it has no UTF-8 form)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, "a key")
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            _check_text(item, "a string")


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "body",
            f"body has {what} with a lone UTF-16 surrogate escape ({quote(text)}); "
            "strings must be valid Unicode",
        ) from None


def parse_json_body(raw: bytes | str) -> Any:
    """Decode a request body. Raises ``ValidationError("body", ...)`` on any failure:
    over the size limit (``BodyTooLarge``), not UTF-8, not JSON, nested too deeply, an
    integer too long to convert, a key twice in one object, a lone surrogate escape.

    ``NaN``/``Infinity`` literals decode to non-finite floats here; the field checks
    reject them afterwards, so the error can name the field that held them.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationError(
            "body", f"body is not valid UTF-8: {error.reason} at byte {error.start}"
        ) from None
    if not text.strip():
        raise ValidationError("body", "body is empty; expected a JSON object")
    try:
        value = json.loads(text, object_pairs_hook=_reject_duplicates)
    except ValidationError:
        raise
    except json.JSONDecodeError as error:
        raise ValidationError(
            "body",
            f"body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from None
    except RecursionError:
        raise ValidationError("body", "body is nested too deeply") from None
    except ValueError:
        # An integer literal with more digits than Python converts to int.
        raise ValidationError("body", "body has a number with too many digits") from None
    if _SURROGATE_ESCAPE.search(raw):
        _check_unicode(value)
    return value


def _require_object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(field, f"{field} must be a JSON object, got {describe_value(value)}")
    return value


def _check_keys(obj: dict[str, Any], allowed: list[str], prefix: str, what: str) -> None:
    """Reject unknown keys (typos such as ``cpu_usge`` would otherwise pass silently)."""
    for key in obj:
        if key not in allowed:
            field = _field_name(prefix, key)
            raise ValidationError(
                field,
                f"{field} is not an accepted field {what} (accepted: {', '.join(allowed)})",
            )


def _require_list(body: dict[str, Any], key: str) -> list[Any]:
    if key not in body:
        raise ValidationError(key, f"{key} is required: a list of 1 to {MAX_ITEMS} objects")
    value = body[key]
    if not isinstance(value, list):
        raise ValidationError(
            key, f"{key} must be a list of 1 to {MAX_ITEMS} objects, got {describe_value(value)}"
        )
    if not value:
        raise ValidationError(key, f"{key} must not be empty (1 to {MAX_ITEMS} items)")
    if len(value) > MAX_ITEMS:
        raise ValidationError(key, f"{key} must have at most {MAX_ITEMS} items, got {len(value)}")
    return value


def _check_fields(item: dict[str, Any], spec: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, checker in spec.items():
        field = f"{prefix}.{name}"
        if name not in item:
            raise ValidationError(field, f"{field} is required: {checker.describe()}")
        out[name] = checker.check(item[name], field)
    return out


# ---------------------------------------------------------------------------
# Request validators
# ---------------------------------------------------------------------------


def validate_salience_request(body: Any) -> dict[str, Any]:
    """``{"features": [{"type": ..., ...}, ...]}`` -> normalised copy."""
    body = _require_object(body, "body")
    _check_keys(body, ["features"], "", "in the body")
    features = _require_list(body, "features")
    type_names = list(SALIENCE_TYPES)
    type_field = ChoiceField(tuple(type_names))
    out = []
    for index, item in enumerate(features):
        prefix = f"features[{index}]"
        item = _require_object(item, prefix)
        if "type" not in item:
            raise ValidationError(
                f"{prefix}.type", f"{prefix}.type is required: {type_field.describe()}"
            )
        kind = type_field.check(item["type"], f"{prefix}.type")
        spec = SALIENCE_TYPES[kind]
        _check_keys(item, ["type", *spec], prefix, f"for type {kind}")
        out.append({"type": kind, **_check_fields(item, spec, prefix)})
    return {"features": out}


def validate_anomaly_request(body: Any) -> dict[str, Any]:
    """``{"metrics": [{"cpu_usage": ..., ...}, ...]}`` -> normalised copy."""
    body = _require_object(body, "body")
    _check_keys(body, ["metrics"], "", "in the body")
    metrics = _require_list(body, "metrics")
    out = []
    for index, item in enumerate(metrics):
        prefix = f"metrics[{index}]"
        item = _require_object(item, prefix)
        _check_keys(item, list(ANOMALY_FIELDS), prefix, "for a metrics point")
        out.append(_check_fields(item, ANOMALY_FIELDS, prefix))
    return {"metrics": out}


def validate_scaling_request(body: Any) -> dict[str, Any]:
    """``{"history": [...], "current_workers": N}`` -> normalised copy."""
    body = _require_object(body, "body")
    _check_keys(body, ["history", "current_workers"], "", "in the body")
    history = _require_list(body, "history")
    out = []
    for index, item in enumerate(history):
        prefix = f"history[{index}]"
        item = _require_object(item, prefix)
        _check_keys(item, list(SCALING_FIELDS), prefix, "for a history point")
        out.append(_check_fields(item, SCALING_FIELDS, prefix))
    if "current_workers" not in body:
        raise ValidationError(
            "current_workers", f"current_workers is required: {CURRENT_WORKERS.describe()}"
        )
    workers = CURRENT_WORKERS.check(body["current_workers"], "current_workers")
    return {"history": out, "current_workers": workers}


def describe_fields(spec: dict[str, Any]) -> dict[str, str]:
    """``{field: "number in [0, 1] (fraction)", ...}`` for the GET routes."""
    return {name: checker.describe() for name, checker in spec.items()}


# ---------------------------------------------------------------------------
# Application builder arguments (the ``args`` of the Serve config)
# ---------------------------------------------------------------------------

#: Defaults of ``seedcore_serve.app:build_app`` arguments.
APP_ARG_DEFAULTS: dict[str, Any] = {
    "num_cpus": 0.1,
    "num_replicas": 1,
    "max_batch_size": 16,
    "batch_wait_timeout_s": 0.01,
    "app_name": "seedcore-ml",
    # A custom resource the ingress replica asks 0.01 of, pinning it to the nodes that
    # offer it. Serve runs a proxy only on nodes with a replica (and the head), so the
    # serve container's :8000 answers only if a replica lives there. "" for no pinning.
    "ingress_resource": "",
    "ingress_replicas": 1,
    "model_resource": "",
    # At most this many replicas of one model deployment on a node (0: no limit). The
    # serve role sets it so that the replicas of each model spread over two or more
    # nodes, and a replica lost with its node comes back on a node without one.
    "max_replicas_per_node": 0,
    # Requests one ingress replica works on at once, and requests each Serve proxy holds
    # for the ingress beyond those before it answers 429 at once. Two ingress replicas
    # admit 2 x (32 + 32) = 128 requests, about 2 s of work at the ~64 requests/s two
    # cores serve: a flood is answered quickly instead of queueing without bound.
    "ingress_max_ongoing_requests": 32,
    "ingress_max_queued_requests": 32,
}
_APP_ARG_CHECKS: dict[str, Any] = {
    "num_cpus": NumberField(0.0, 1024.0),
    "num_replicas": IntegerField(1, 1000),
    "ingress_replicas": IntegerField(1, 1000),
    "max_replicas_per_node": IntegerField(0, 1000),
    "ingress_max_ongoing_requests": IntegerField(1, 10_000),
    "ingress_max_queued_requests": IntegerField(1, 100_000),
    "max_batch_size": IntegerField(1, MAX_ITEMS),
    "batch_wait_timeout_s": NumberField(0.0, 10.0, "seconds"),
}


def parse_app_args(args: Any) -> dict[str, Any]:
    """Validate ``build_app`` args, fill in defaults. Raises ``ValueError`` with a clear message.

    ``num_cpus`` must be > 0 (a fractional CPU, Serve's default of 1 per replica does not fit
    small nodes); ``num_replicas``, ``max_batch_size`` are integers >= 1;
    ``batch_wait_timeout_s`` is seconds >= 0; ``app_name`` a non-empty string.
    """
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ValueError(f"build_app args must be a mapping, got {describe_value(args)}")
    unknown = sorted(str(key) for key in args if key not in APP_ARG_DEFAULTS)
    if unknown:
        raise ValueError(
            f"build_app got unknown argument(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(APP_ARG_DEFAULTS)}"
        )
    options = dict(APP_ARG_DEFAULTS)
    for key, value in args.items():
        field = f"build_app args.{key}"
        if key == "app_name":
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{field} must be a non-empty string, got {describe_value(value)}")
            options[key] = value
            continue
        if key in ("ingress_resource", "model_resource"):
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_.-]*", value):
                raise ValueError(
                    f"{field} must be a resource name of letters, digits, '_', '.' or '-' "
                    f"(or '' for none), got {describe_value(value)}"
                )
            options[key] = value
            continue
        try:
            options[key] = _APP_ARG_CHECKS[key].check(value, field)
            if key == "num_cpus" and options[key] <= 0:
                raise ValidationError(field, "not > 0")
        except ValidationError as error:
            if key == "num_cpus":
                raise ValueError(
                    f"{field} must be a number in (0, 1024] (CPUs per replica), "
                    f"got {describe_value(value)}"
                ) from None
            raise ValueError(error.message) from None
    return options
