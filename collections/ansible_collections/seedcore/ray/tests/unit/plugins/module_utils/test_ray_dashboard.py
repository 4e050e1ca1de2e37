# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of the collection's private _ray_dashboard module util.

Only ``fetch_url`` as imported there is replaced; each test states the call it expects.
"""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.seedcore.ray.plugins.module_utils import _ray_dashboard
from ansible_collections.seedcore.ray.plugins.module_utils._ray_dashboard import (
    DashboardError,
    body_snippet,
    check_base_url,
    dashboard_argument_spec,
    get_json,
    join_url,
    poll,
    strip_ansi,
)

URL = "http://127.0.0.1:8265"
# Ray 2.60.0's exact answer to GET /api/version.
VERSION_BODY = (
    b'{"version": "4", "ray_version": "2.60.0",'
    b' "ray_commit": "b7f4259e944bf6959f721b106adc366ddfa0c356",'
    b' "session_name": "session_2026-11-22_00-41-30_066660_25683"}'
)

MODULE = object()  # fetch_url is replaced, so the module object is only passed through.


class FakeResponse:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self) -> bytes:
        return self.body


class OneCall:
    """fetch_url answering one expected call with (resp, info)."""

    def __init__(self, method: str, url: str, resp: t.Any, info: dict[str, t.Any]) -> None:
        self.expected = (method, url)
        self.answer = (resp, info)
        self.seen: list[dict[str, t.Any]] = []

    def __call__(self, module, url, data=None, headers=None, method=None, timeout=10, **kwargs):
        assert module is MODULE
        assert (method, url) == self.expected
        assert len(self.seen) == 0, "called twice"
        self.seen.append(dict(headers=headers, timeout=timeout, data=data, kwargs=kwargs))
        return self.answer


def install(monkeypatch: pytest.MonkeyPatch, fake: OneCall) -> OneCall:
    monkeypatch.setattr(_ray_dashboard, "fetch_url", fake)
    return fake


def test_get_json_returns_parsed_body(monkeypatch):
    fake = install(
        monkeypatch,
        OneCall(
            "GET",
            "http://127.0.0.1:8265/api/version",
            FakeResponse(VERSION_BODY),
            {"status": 200, "msg": "OK (152 bytes)"},
        ),
    )
    assert get_json(MODULE, URL, "/api/version") == {
        "version": "4",
        "ray_version": "2.60.0",
        "ray_commit": "b7f4259e944bf6959f721b106adc366ddfa0c356",
        "session_name": "session_2026-11-22_00-41-30_066660_25683",
    }
    assert fake.seen == [
        dict(headers={"Accept": "application/json"}, timeout=10.0, data=None, kwargs={})
    ]


def test_get_json_sends_bearer_token_and_timeout(monkeypatch):
    fake = install(
        monkeypatch,
        OneCall(
            "GET",
            "https://head.example:8443/api/version",
            FakeResponse(b"{}"),
            {"status": 200},
        ),
    )
    assert get_json(MODULE, "https://head.example:8443/", "api/version", "tok", 3.5) == {}
    assert fake.seen[0]["headers"] == {
        "Accept": "application/json",
        "Authorization": "Bearer tok",
    }
    assert fake.seen[0]["timeout"] == 3.5


def test_get_json_http_error_carries_method_url_status_and_body(monkeypatch):
    install(
        monkeypatch,
        OneCall(
            "GET",
            "http://127.0.0.1:8265/api/serve/applications/",
            FakeResponse(b""),
            {
                "status": 503,
                "msg": "HTTP Error 503: Service Unavailable",
                "body": b"Failed to get a response from the controller.\nThe GCS may be down",
            },
        ),
    )
    with pytest.raises(DashboardError) as caught:
        get_json(MODULE, URL, "/api/serve/applications/")
    error = caught.value
    assert (error.method, error.url, error.status) == (
        "GET",
        "http://127.0.0.1:8265/api/serve/applications/",
        503,
    )
    assert error.body == "Failed to get a response from the controller. The GCS may be down"
    assert error.transient is True
    assert str(error) == (
        "GET http://127.0.0.1:8265/api/serve/applications/ failed: HTTP status 503"
        " (HTTP Error 503: Service Unavailable): Failed to get a response from the"
        " controller. The GCS may be down"
    )


def test_get_json_http_error_without_body(monkeypatch):
    # fetch_url gives an empty text body when the HTTPError cannot be read.
    install(
        monkeypatch,
        OneCall(
            "GET",
            "http://127.0.0.1:8265/nope",
            None,
            {"status": 404, "msg": "HTTP Error 404: Not Found", "body": ""},
        ),
    )
    with pytest.raises(DashboardError) as caught:
        get_json(MODULE, URL, "/nope")
    assert str(caught.value) == (
        "GET http://127.0.0.1:8265/nope failed: HTTP status 404 (HTTP Error 404: Not Found)"
    )
    assert caught.value.transient is False


def test_get_json_no_response(monkeypatch):
    install(
        monkeypatch,
        OneCall(
            "GET",
            "http://127.0.0.1:8265/api/version",
            None,
            {"status": -1, "msg": "Connection failure: timed out", "url": URL},
        ),
    )
    with pytest.raises(DashboardError) as caught:
        get_json(MODULE, URL, "/api/version")
    assert caught.value.status == -1
    assert caught.value.transient is True
    assert str(caught.value) == (
        "GET http://127.0.0.1:8265/api/version failed: no HTTP response"
        " (Connection failure: timed out)"
    )


def test_get_json_malformed_json(monkeypatch):
    install(
        monkeypatch,
        OneCall(
            "GET",
            "http://127.0.0.1:8265/api/version",
            FakeResponse(b'{"ray_version": '),
            {"status": 200},
        ),
    )
    with pytest.raises(DashboardError) as caught:
        get_json(MODULE, URL, "/api/version")
    error = caught.value
    assert error.status == 200
    assert error.transient is False
    assert error.reason.startswith("the answer is not valid JSON: Expecting value")
    assert str(error).endswith(': {"ray_version":')


def test_get_json_reads_body_from_info_when_response_is_unreadable(monkeypatch):
    install(
        monkeypatch,
        OneCall("GET", "http://127.0.0.1:8265/x", None, {"status": 200, "body": b"[1, 2]"}),
    )
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


class FakeTime:
    def __init__(self) -> None:
        self.now = 50.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


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
def test_poll(monkeypatch, answers, timeout, interval, done, sleeps, probes):
    clock = FakeTime()
    monkeypatch.setattr(_ray_dashboard, "time", clock)
    calls = iter(answers)
    count = []

    def probe() -> bool:
        count.append(clock.now)
        return next(calls)

    assert poll(probe, timeout, interval) is done
    assert clock.sleeps == sleeps
    assert len(count) == probes


def test_poll_stops_when_probe_raises(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr(_ray_dashboard, "time", clock)

    def probe() -> bool:
        raise DashboardError("GET", URL, 403, "Forbidden")

    with pytest.raises(DashboardError):
        poll(probe, 10, 1)
    assert clock.sleeps == []
