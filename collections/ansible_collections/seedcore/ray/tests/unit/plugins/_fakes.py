# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Stand-ins for the HTTP boundary and the clock, shared by the collection's unit tests.

Only ``fetch_url`` and ``time`` as the private ``_ray_dashboard`` module util imports them are
replaced (see the fixtures in ``conftest.py``). A test lists the HTTP calls it expects, in
order, and what each one answers.
"""

from __future__ import annotations

import dataclasses
import json
import typing as t

URL = "http://127.0.0.1:8265"

# What fetch_url reports when nothing listens on the dashboard's port.
CONNECTION_REFUSED = "Request failed: <urlopen error [Errno 111] Connection refused>"


@dataclasses.dataclass(frozen=True)
class Call:
    """One expected fetch_url call and its answer.

    ``status`` -1 means no HTTP answer at all. The answer's body is ``body`` when given, else
    ``json`` encoded. ``answer``, when given, is returned as it is instead: a (response, info)
    pair of a shape fetch_url gives rarely.
    """

    method: str
    url: str
    status: int = 200
    json: t.Any = None
    body: bytes | None = None
    msg: str = ""
    answer: tuple[t.Any, dict[str, t.Any]] | None = None


def refused(url: str) -> Call:
    """GET ``url`` while nothing listens there (the head down or restarting)."""
    return Call("GET", url, status=-1, msg=CONNECTION_REFUSED)


class FakeResponse:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def read(self) -> bytes:
        body, self._body = self._body, b""
        return body

    def close(self) -> None:
        pass


class FakeFetchUrl:
    """Stands in for fetch_url; answers the expected calls in order, like fetch_url does.

    With ``module``, every call must pass that very object as the module.
    """

    def __init__(self, calls: list[Call], module: object | None = None) -> None:
        self.calls = list(calls)
        self.module = module
        self.seen: list[dict[str, t.Any]] = []

    def __call__(self, module, url, data=None, headers=None, method=None, timeout=10, **kwargs):
        assert self.calls, f"unexpected call: {method} {url}"
        call = self.calls.pop(0)
        assert (method, url) == (call.method, call.url)
        if self.module is not None:
            assert module is self.module
        self.seen.append(
            dict(method=method, url=url, headers=headers, timeout=timeout, data=data, kwargs=kwargs)
        )
        if call.answer is not None:
            return call.answer
        body = call.body if call.body is not None else json.dumps(call.json).encode()
        if call.status == -1:
            return None, {"url": url, "status": -1, "msg": call.msg}
        if call.status >= 400:
            # fetch_url hands back the HTTPError, already read, and the body in info.
            return FakeResponse(b""), {
                "url": url,
                "status": call.status,
                "msg": call.msg or f"HTTP Error {call.status}",
                "body": body,
            }
        return FakeResponse(body), {"url": url, "status": call.status, "msg": "OK"}

    def assert_done(self) -> None:
        assert not self.calls, f"calls not made: {self.calls}"


class FakeTime:
    """Replaces ``time`` in the module util: sleeping advances the clock at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
