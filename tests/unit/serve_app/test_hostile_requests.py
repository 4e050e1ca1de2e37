"""Unit tests of the request-level checks in seedcore_serve.validation: what a hostile or
careless client sends gets a 4xx error (never an exception the HTTP layer would turn into
a 500), and the answer quotes only a short, escaped prefix of what was sent.

The HTTP boundary is the only thing stood in for: each case gives the header values and
body bytes the ingress would read, and runs the same calls it makes.
"""

from __future__ import annotations

import json

import pytest

from seedcore_serve import validation
from seedcore_serve.validation import BodyTooLarge, UnsupportedMediaType, ValidationError

GOOD_BODY = b'{"features": [{"type": "system_event", "severity": "high", "frequency": 0.5}]}'
VALIDATORS = {
    "SalienceScorer": validation.validate_salience_request,
    "AnomalyDetector": validation.validate_anomaly_request,
    "ScalingPredictor": validation.validate_scaling_request,
}
# An answer never carries more than this much text, whatever was sent.
MAX_ANSWER_CHARS = 400


def handle(
    body: bytes,
    content_type: str | None = "application/json",
    content_length: str | None = None,
    route: str = "SalienceScorer",
) -> dict:
    """What the ingress does with one POST, in its order: Content-Type, declared length,
    parse, validate."""
    validation.check_content_type(content_type)
    validation.check_declared_length(content_length)
    return VALIDATORS[route](validation.parse_json_body(body))


def rejected(**kwargs: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        handle(**kwargs)  # type: ignore[arg-type]
    error = caught.value
    answer = json.dumps(error.to_dict())  # what the HTTP layer sends: must always encode
    assert answer.isascii()
    assert len(answer) <= MAX_ANSWER_CHARS, answer
    return error


# ---------------------------------------------------------------------------
# Content-Type
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        'application/json; charset="utf-8"',
    ],
)
def test_json_content_types_accepted(content_type: str) -> None:
    assert handle(GOOD_BODY, content_type=content_type)["features"][0]["severity"] == "high"


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        "application/json-patch+json",
        "application/json; charset=latin-1",
        "application/json; charset=utf-8; extra=1",
        "application/json; boundary=x",
        "application/json" + "x" * 10_000,
    ],
)
def test_other_content_types_are_415(content_type: str | None) -> None:
    error = rejected(body=GOOD_BODY, content_type=content_type)
    assert isinstance(error, UnsupportedMediaType)
    assert error.status == 415
    assert error.field == "Content-Type"
    assert error.message.startswith(
        "Content-Type must be application/json (optionally with ; charset=utf-8)"
    )


def test_content_type_is_checked_before_the_body() -> None:
    error = rejected(body=b"\xff" * 10, content_type="text/plain")
    assert error.status == 415


# ---------------------------------------------------------------------------
# Size
# ---------------------------------------------------------------------------


def test_declared_length_over_limit_is_413_before_reading() -> None:
    error = rejected(body=b"", content_length=str(validation.MAX_BODY_BYTES + 1))
    assert isinstance(error, BodyTooLarge) and error.status == 413
    assert error.message == f"body must be at most {validation.MAX_BODY_BYTES} bytes"


def test_body_over_limit_is_413_whatever_was_declared() -> None:
    body = b'{"features": "' + b"x" * validation.MAX_BODY_BYTES + b'"}'
    error = rejected(body=body, content_length="10")
    assert error.status == 413


def test_largest_valid_request_fits_the_limit() -> None:
    point = {
        "cpu_avg": 0.12345678901234568,
        "memory_avg": 0.12345678901234568,
        "response_time": 123456.78901234568,
        "request_rate": 123456789.01234568,
    }
    body = json.dumps(
        {"history": [point] * validation.MAX_ITEMS, "current_workers": 1000}, indent=2
    ).encode()
    assert len(body) <= validation.MAX_BODY_BYTES
    result = handle(body, content_length=str(len(body)), route="ScalingPredictor")
    assert len(result["history"]) == validation.MAX_ITEMS


@pytest.mark.parametrize("declared", ["", "abc", "-1", "0", "12"])
def test_harmless_declared_lengths_pass_to_the_reader(declared: str) -> None:
    assert handle(GOOD_BODY, content_length=declared)["features"]


# ---------------------------------------------------------------------------
# Bodies: each hostile body, the status and words of its answer
# ---------------------------------------------------------------------------

HOSTILE_BODIES = [
    ("lone-surrogate-key", b'{"\\ud800": 1}', "lone UTF-16 surrogate"),
    ("lone-surrogate-value", b'{"features": "\\udfff"}', "lone UTF-16 surrogate"),
    (
        "lone-surrogate-deep",
        b'{"features": [{"type": "system_event", "severity": ["\\ud83d"]}]}',
        "lone UTF-16 surrogate",
    ),
    ("reversed-surrogate-pair", b'{"a": "\\ude00\\ud83d"}', "lone UTF-16 surrogate"),
    ("invalid-utf8-key", b'{"\xff\xfe": 1}', "not valid UTF-8"),
    ("invalid-utf8-value", b'{"features": "\xc3\x28"}', "not valid UTF-8"),
    ("encoded-surrogate-bytes", b'{"a": "\xed\xa0\x80"}', "not valid UTF-8"),
    ("overlong-utf8", b'{"a": "\xc0\xaf"}', "not valid UTF-8"),
    ("utf16-body", '{"features": []}'.encode("utf-16"), "not valid UTF-8"),
    ("duplicate-key", b'{"features": [], "features": []}', 'the key "features" more than once'),
    (
        "duplicate-nested-key",
        b'{"features": [{"type": "system_event", "type": "resource_usage"}]}',
        'the key "type" more than once',
    ),
    ("deep-nesting", b"[" * 200_000, "nested too deeply"),
    ("deep-objects", b'{"a":' * 40_000 + b"1" + b"}" * 40_000, "nested too deeply"),
    ("huge-integer-literal", b'{"features": ' + b"9" * 5000 + b"}", "too many digits"),
    ("empty", b"", "empty"),
    ("whitespace", b" \r\n\t ", "empty"),
    ("bom", b'\xef\xbb\xbf{"features": []}', "not valid JSON"),
    ("truncated", b'{"features": [', "not valid JSON"),
    ("single-quotes", b"{'features': []}", "not valid JSON"),
    ("trailing-garbage", GOOD_BODY + b"x", "not valid JSON"),
    ("two-documents", GOOD_BODY + GOOD_BODY, "not valid JSON"),
    ("nul-byte", b'{"features": []}\x00', "not valid JSON"),
    ("control-char-in-string", b'{"a\x01": 1}', "not valid JSON"),
    ("js-comment", b'{"features": [] /* x */}', "not valid JSON"),
]


@pytest.mark.parametrize(
    ("body", "words"),
    [case[1:] for case in HOSTILE_BODIES],
    ids=[case[0] for case in HOSTILE_BODIES],
)
def test_hostile_body_is_400(body: bytes, words: str) -> None:
    error = rejected(body=body)
    assert error.status == 400
    assert error.field == "body"
    assert words in error.message


def test_valid_surrogate_pair_is_accepted() -> None:
    body = b'{"features": [{"type": "system_event", "severity": "\\ud83d\\ude00", "frequency": 0}]}'
    error = rejected(body=body)
    # The pair decodes to one character; only the field check refuses it.
    assert error.field == "features[0].severity"
    assert '"\\ud83d\\ude00"' in error.message


def test_escaped_backslash_before_u_is_not_a_surrogate() -> None:
    assert validation.parse_json_body(b'{"a": "\\\\ud800"}') == {"a": "\\ud800"}


# ---------------------------------------------------------------------------
# Values: numbers, booleans, NaN, Infinity name their field
# ---------------------------------------------------------------------------

METRIC = '{"cpu_usage": %s, "memory_usage": 0.5, "response_time": 100, "error_rate": 0}'
BAD_VALUES = [
    ("nan", "NaN", "got NaN"),
    ("infinity", "Infinity", "got Infinity"),
    ("minus-infinity", "-Infinity", "got -Infinity"),
    ("overflowing-float", "1e999", "got Infinity"),
    ("true", "true", "got true"),
    ("false", "false", "got false"),
    ("null", "null", "got null"),
    ("string-number", '"0.5"', 'got string "0.5"'),
    ("huge-int", "1" + "0" * 4000, "got an integer of 13288 bits"),
    ("list", "[0.5]", "got a list"),
    ("object", '{"v": 0.5}', "got an object"),
    ("negative", "-0.5", "got -0.5"),
    ("over-one", "1.0000001", "got 1.0000001"),
]


@pytest.mark.parametrize(
    ("literal", "shown"),
    [case[1:] for case in BAD_VALUES],
    ids=[case[0] for case in BAD_VALUES],
)
def test_bad_number_is_400_naming_field(literal: str, shown: str) -> None:
    body = ('{"metrics": [' + METRIC % literal + "]}").encode()
    error = rejected(body=body, route="AnomalyDetector")
    assert error.status == 400
    assert error.field == "metrics[0].cpu_usage"
    assert error.message.endswith(shown)


# ---------------------------------------------------------------------------
# Echoes: never a whole key or value
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("x" * 500_000, '"' + "x" * 40 + '..."'),
        ("é" * 1000, '"' + "\\u00e9" * 6 + '..."'),
        ('a"b\\c', '"a\\"b\\\\c"'),
        ("<script>alert(1)</script>", '"<script>alert(1)</script>"'),
        ("line\nbreak", '"line\\nbreak"'),
        ("cpu_usge", "cpu_usge"),
    ],
    ids=["500k-key", "non-ascii", "quotes", "markup", "newline", "plain-typo"],
)
def test_unknown_key_is_quoted_short_and_escaped(key: str, field: str) -> None:
    # The validator alone: a 500 KB key is over the body limit, but the 1 MiB limit of
    # before let it through, and the answer quoted it twice.
    with pytest.raises(ValidationError) as caught:
        validation.validate_salience_request({"features": [], key: 1})
    error = caught.value
    assert error.status == 400
    assert error.field == field
    assert error.message == f"{field} is not an accepted field in the body (accepted: features)"
    assert len(json.dumps(error.to_dict())) < 200


def test_unknown_key_in_an_item_is_quoted_with_its_path() -> None:
    item = {"cpu_usage": 0.5, "memory_usage": 0.5, "response_time": 1, "error_rate": 0}
    item["\u2028" * 100] = 1
    with pytest.raises(ValidationError) as caught:
        validation.validate_anomaly_request({"metrics": [item]})
    assert caught.value.field == 'metrics[0]."' + "\\u2028" * 6 + '..."'


def test_long_bad_value_is_quoted_short() -> None:
    body = json.dumps({"features": [{"type": "y" * 100_000}]}).encode()
    error = rejected(body=body)
    assert error.field == "features[0].type"
    assert error.message.endswith('got string "' + "y" * 40 + '..."')


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("", '""'),
        ("abc", '"abc"'),
        ("x" * 40, '"' + "x" * 40 + '"'),
        ("x" * 41, '"' + "x" * 40 + '..."'),
        ("\ud800", '"\\ud800"'),
        # never cut inside an escape: 39 plain characters leave no room for \u00e9
        ("x" * 39 + "é", '"' + "x" * 39 + '..."'),
        ("\\" * 30, '"' + "\\\\" * 20 + '..."'),
    ],
)
def test_quote(text: str, quoted: str) -> None:
    assert validation.quote(text) == quoted
