# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of the collection's private _ray_dashboard module util.

Only ``fetch_url`` as imported there is replaced; each test states the call it expects.
"""

from __future__ import annotations

import types

import pytest
from ansible_collections.seedcore.ray.plugins.module_utils._ray_dashboard import (
    DashboardError,
    body_snippet,
    check_base_url,
    check_timings,
    dashboard_argument_spec,
    get_json,
    join_url,
    poll,
    poll_dashboard,
    read_json,
    strip_ansi,
)
from ansible_collections.seedcore.ray.tests.unit.plugins._fakes import URL, Call

VERSION_URL = URL + "/api/version"
# Ray 2.60.0's exact answer to GET /api/version.
VERSION_BODY = (
    b'{"version": "4", "ray_version": "2.60.0",'
    b' "ray_commit": "b7f4259e944bf6959f721b106adc366ddfa0c356",'
    b' "session_name": "session_2026-11-22_00-41-30_066660_25683"}'
)

MODULE = object()  # fetch_url is replaced, so the module object is only passed through.


def test_get_json_returns_parsed_body(fetch_url):
    fake = fetch_url([Call("GET", VERSION_URL, body=VERSION_BODY)], MODULE)
    assert get_json(MODULE, URL, "/api/version") == {
        "version": "4",
        "ray_version": "2.60.0",
        "ray_commit": "b7f4259e944bf6959f721b106adc366ddfa0c356",
        "session_name": "session_2026-11-22_00-41-30_066660_25683",
    }
    assert fake.seen == [
        dict(
            method="GET",
            url=VERSION_URL,
            headers={"Accept": "application/json"},
            timeout=10.0,
            data=None,
            kwargs={},
        )
    ]


def test_get_json_sends_bearer_token_and_timeout(fetch_url):
    fake = fetch_url([Call("GET", "https://head.example:8443/api/version", body=b"{}")], MODULE)
    assert get_json(MODULE, "https://head.example:8443/", "api/version", "tok", 3.5) == {}
    assert fake.seen[0]["headers"] == {
        "Accept": "application/json",
        "Authorization": "Bearer tok",
    }
    assert fake.seen[0]["timeout"] == 3.5


def test_read_json_takes_url_token_and_timeout_from_module_params(fetch_url):
    module = types.SimpleNamespace(
        params={"url": "https://head.example:8443/", "auth_token": "tok", "request_timeout": 2.5}
    )
    fake = fetch_url([Call("GET", "https://head.example:8443/api/version", body=b"[1]")], module)
    assert read_json(module, "/api/version") == [1]
    assert fake.seen[0]["headers"] == {
        "Accept": "application/json",
        "Authorization": "Bearer tok",
    }
    assert fake.seen[0]["timeout"] == 2.5


@pytest.mark.parametrize(
    ("path", "call", "status", "transient", "body", "message"),
    [
        pytest.param(
            "/api/serve/applications/",
            Call(
                "GET",
                URL + "/api/serve/applications/",
                status=503,
                body=b"Failed to get a response from the controller.\nThe GCS may be down",
                msg="HTTP Error 503: Service Unavailable",
            ),
            503,
            True,
            "Failed to get a response from the controller. The GCS may be down",
            "GET http://127.0.0.1:8265/api/serve/applications/ failed: HTTP status 503"
            " (HTTP Error 503: Service Unavailable): Failed to get a response from the"
            " controller. The GCS may be down",
            id="http-error-with-body",
        ),
        pytest.param(
            "/nope",
            # fetch_url gives an empty text body when the HTTPError cannot be read.
            Call(
                "GET",
                URL + "/nope",
                answer=(None, {"status": 404, "msg": "HTTP Error 404: Not Found", "body": ""}),
            ),
            404,
            False,
            "",
            "GET http://127.0.0.1:8265/nope failed: HTTP status 404 (HTTP Error 404: Not Found)",
            id="http-error-without-body",
        ),
        pytest.param(
            "/api/version",
            Call("GET", VERSION_URL, status=-1, msg="Connection failure: timed out"),
            -1,
            True,
            "",
            "GET http://127.0.0.1:8265/api/version failed: no HTTP response"
            " (Connection failure: timed out)",
            id="no-response",
        ),
    ],
)
def test_get_json_error_carries_method_url_status_and_body(
    fetch_url, path, call, status, transient, body, message
):
    fetch_url([call], MODULE)
    with pytest.raises(DashboardError) as caught:
        get_json(MODULE, URL, path)
    error = caught.value
    assert (error.method, error.url, error.status) == ("GET", call.url, status)
    assert error.body == body
    assert error.transient is transient
    assert str(error) == message


def test_get_json_malformed_json(fetch_url):
    fetch_url([Call("GET", VERSION_URL, body=b'{"ray_version": ')], MODULE)
    with pytest.raises(DashboardError) as caught:
        get_json(MODULE, URL, "/api/version")
    error = caught.value
    assert error.status == 200
    assert error.transient is False
    assert error.reason.startswith("the answer is not valid JSON: Expecting value")
    assert str(error).endswith(': {"ray_version":')


def test_get_json_reads_body_from_info_when_response_is_unreadable(fetch_url):
    fetch_url([Call("GET", URL + "/x", answer=(None, {"status": 200, "body": b"[1, 2]"}))], MODULE)
    assert get_json(MODULE, URL, "/x") == [1, 2]


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (-1, True),
        (502, True),
        (503, True),
        (504, True),
        (500, False),
        (401, False),
        (403, False),
        (404, False),
        (501, False),
        (200, False),
    ],
)
def test_transient_statuses(status, transient):
    assert DashboardError("GET", URL, status, "").transient is transient


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("http://h:8265", "/api/version", "http://h:8265/api/version"),
        ("http://h:8265/", "/api/version", "http://h:8265/api/version"),
        ("http://h:8265", "api/version", "http://h:8265/api/version"),
        ("http://h:8265/ray/", "/nodes?view=summary", "http://h:8265/ray/nodes?view=summary"),
    ],
)
def test_join_url(base, path, expected):
    assert join_url(base, path) == expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:8265", True),
        ("https://ray-head:8443/", True),
        ("127.0.0.1:8265", False),
        ("http://", False),
        ("", False),
        ("ftp://h", False),
    ],
)
def test_check_base_url(url, ok):
    assert (check_base_url(url) is None) is ok


@pytest.mark.parametrize(
    ("body", "limit", "expected"),
    [
        (None, 300, ""),
        (b"", 300, ""),
        (b"a\n  b\tc ", 300, "a b c"),
        ("text", 300, "text"),
        (b"\xff ok", 300, "\ufffd ok"),
        ("x" * 20, 10, "xxxxxxx..."),
    ],
)
def test_body_snippet(body, limit, expected):
    assert body_snippet(body, limit) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ""),
        ("plain", "plain"),
        ("\x1b[36mray::ServeReplica\x1b[39m (pid=1)", "ray::ServeReplica (pid=1)"),
        ("\x1b[1;31mred\x1b[0m", "red"),
    ],
)
def test_strip_ansi(text, expected):
    assert strip_ansi(text) == expected


def test_argument_spec_is_a_fresh_copy_with_secret_token():
    spec = dashboard_argument_spec()
    assert spec == {
        "url": {"type": "str", "default": "http://127.0.0.1:8265"},
        "auth_token": {"type": "str", "no_log": True},
        "validate_certs": {"type": "bool", "default": True},
        "request_timeout": {"type": "float", "default": 10.0},
    }
    spec["url"]["default"] = "changed"
    assert dashboard_argument_spec()["url"]["default"] == "http://127.0.0.1:8265"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"timeout": 0, "interval": 0.1, "request_timeout": 0.1}, None),
        ({"timeout": -1, "interval": 0, "request_timeout": 0}, "timeout must be 0 or more, got -1"),
        (
            {"timeout": 5, "interval": 0.0, "request_timeout": 0},
            "interval must be more than 0, got 0.0",
        ),
        (
            {"timeout": 5, "interval": 1, "request_timeout": -2.0},
            "request_timeout must be more than 0, got -2.0",
        ),
    ],
)
def test_check_timings(params, expected):
    assert check_timings(params) == expected


@pytest.mark.parametrize(
    ("answers", "timeout", "interval", "done", "sleeps", "probes"),
    [
        ([True], 10, 2, True, [], 1),
        ([False, False, True], 10, 2, True, [2, 2], 3),
        ([False] * 10, 5, 2, False, [2, 2, 1], 4),
        ([False] * 10, 0, 2, False, [], 1),
        ([False] * 10, 1, 0.4, False, [0.4, 0.4, pytest.approx(0.2)], 4),
    ],
)
def test_poll(fake_time, answers, timeout, interval, done, sleeps, probes):
    calls = iter(answers)
    count = []

    def probe() -> bool:
        count.append(fake_time.now)
        return next(calls)

    assert poll(probe, timeout, interval) is done
    assert fake_time.sleeps == sleeps
    assert len(count) == probes


def test_poll_stops_when_probe_raises(fake_time):
    def probe() -> bool:
        raise DashboardError("GET", URL, 403, "Forbidden")

    with pytest.raises(DashboardError):
        poll(probe, 10, 1)
    assert fake_time.sleeps == []


GATEWAY_DOWN = DashboardError("GET", VERSION_URL, 502, "Bad Gateway")


@pytest.mark.parametrize(
    ("answers", "timeout", "done", "last_error", "sleeps"),
    [
        pytest.param([True], 10, True, None, [], id="at-once"),
        pytest.param([GATEWAY_DOWN, False, True], 10, True, None, [2, 2], id="after-restart"),
        pytest.param([False, GATEWAY_DOWN], 2, False, GATEWAY_DOWN, [2], id="timeout-on-error"),
        pytest.param([GATEWAY_DOWN, False], 2, False, None, [2], id="timeout-on-answer"),
    ],
)
def test_poll_dashboard_rides_out_transient_errors(
    fake_time, answers, timeout, done, last_error, sleeps
):
    calls = iter(answers)

    def check() -> bool:
        answer = next(calls)
        if isinstance(answer, DashboardError):
            raise answer
        return answer

    assert poll_dashboard(check, timeout, 2) == (done, last_error)
    assert fake_time.sleeps == sleeps
    assert next(calls, "all used") == "all used"


def test_poll_dashboard_raises_other_errors(fake_time):
    forbidden = DashboardError("GET", VERSION_URL, 403, "Forbidden")

    def check() -> bool:
        raise forbidden

    with pytest.raises(DashboardError) as caught:
        poll_dashboard(check, 10, 2)
    assert caught.value is forbidden
    assert fake_time.sleeps == []
