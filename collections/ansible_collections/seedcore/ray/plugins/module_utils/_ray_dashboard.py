# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any
# time. Do not use this from other collections or standalone plugins/modules!

"""Read JSON from the Ray dashboard's HTTP API with ``fetch_url``, and poll it."""

from __future__ import annotations

import copy
import json
import re
import time
import typing as t

from ansible.module_utils.urls import fetch_url

DEFAULT_URL = "http://127.0.0.1:8265"

# Options shared by every module of the collection; documented in the
# seedcore.ray.dashboard doc fragment.
_DASHBOARD_ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = dict(
    url=dict(type="str", default=DEFAULT_URL),
    auth_token=dict(type="str", no_log=True),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=10.0),
)

# fetch_url reports -1 when no HTTP answer came at all (refused, reset, timed out, DNS).
NO_RESPONSE = -1
# Answers that mean "the head is (re)starting": no connection, a proxy in front without a
# backend, or the dashboard saying the GCS or the Serve controller cannot be reached.
TRANSIENT_STATUSES = frozenset((NO_RESPONSE, 502, 503, 504))

_BODY_SNIPPET_CHARS = 300
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def dashboard_argument_spec() -> dict[str, dict[str, t.Any]]:
    """Return a fresh copy of the options every module of the collection accepts."""
    return copy.deepcopy(_DASHBOARD_ARGUMENT_SPEC)


class DashboardError(Exception):
    """A request to the Ray dashboard did not give usable JSON.

    ``status`` is the HTTP status, or -1 when no HTTP answer came. A 200 answer whose body is
    not JSON also raises this (with ``status`` 200).
    """

    def __init__(self, method: str, url: str, status: int, reason: str, body: str = "") -> None:
        self.method = method
        self.url = url
        self.status = status
        self.reason = reason
        self.body = body
        super().__init__(self._describe())

    @property
    def transient(self) -> bool:
        """Whether waiting and asking again may help (the head restarting, GCS down)."""
        return self.status in TRANSIENT_STATUSES

    def _describe(self) -> str:
        if self.status == NO_RESPONSE:
            return f"{self.method} {self.url} failed: no HTTP response ({self.reason})"
        text = f"{self.method} {self.url} failed: HTTP status {self.status}"
        if self.reason:
            text += f" ({self.reason})"
        if self.body:
            text += f": {self.body}"
        return text


def join_url(base_url: str, path: str) -> str:
    """Join the dashboard's base URL and an API path with exactly one slash."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def check_base_url(base_url: str) -> str | None:
    """Return an error message if ``base_url`` cannot be the dashboard's address."""
    if not re.match(r"^https?://[^/\s]+", base_url or ""):
        return f"url must start with http:// or https:// and name a host, got {base_url!r}"
    return None


def check_timings(params: dict[str, t.Any]) -> str | None:
    """Return an error message if ``timeout``, ``interval`` or ``request_timeout`` is out of range.

    ``params`` are a module's parameters: the dashboard options and ``timeout`` and
    ``interval`` for waiting.
    """
    if params["timeout"] < 0:
        return f"timeout must be 0 or more, got {params['timeout']}"
    if params["interval"] <= 0:
        return f"interval must be more than 0, got {params['interval']}"
    if params["request_timeout"] <= 0:
        return f"request_timeout must be more than 0, got {params['request_timeout']}"
    return None


def body_snippet(body: t.Any, limit: int = _BODY_SNIPPET_CHARS) -> str:
    """Shorten a response body (bytes or text) to one readable line for error messages."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = " ".join(str(body).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def strip_ansi(text: t.Any) -> str:
    """Remove terminal colour codes, which Ray leaves in tracebacks it reports."""
    if text is None:
        return ""
    return _ANSI_ESCAPE.sub("", str(text))


def get_json(
    module: t.Any,
    base_url: str,
    path: str,
    auth_token: str | None = None,
    timeout: float = 10.0,
) -> t.Any:
    """GET ``base_url`` + ``path`` and return the parsed JSON body.

    Raises DashboardError when there is no answer, the status is not 200, or the body is not
    JSON. ``validate_certs`` is read from ``module.params`` by ``fetch_url``.
    """
    method = "GET"
    url = join_url(base_url, path)
    headers = {"Accept": "application/json"}
    if auth_token:
        headers["Authorization"] = f"Bearer {auth_token}"

    resp, info = fetch_url(module, url, method=method, headers=headers, timeout=timeout)
    status = int(info.get("status", NO_RESPONSE))
    if status != 200:
        raise DashboardError(
            method, url, status, str(info.get("msg", "")), body_snippet(info.get("body"))
        )

    try:
        content = resp.read()
    except (AttributeError, TypeError):
        content = info.get("body") or b""
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    try:
        return json.loads(content)
    except ValueError as exc:
        raise DashboardError(
            method, url, status, f"the answer is not valid JSON: {exc}", body_snippet(content)
        ) from None


def read_json(module: t.Any, path: str) -> t.Any:
    """GET ``path`` from the dashboard and return the parsed JSON body.

    The module's ``url``, ``auth_token`` and ``request_timeout`` options say where and how;
    errors are those of ``get_json``.
    """
    params = module.params
    return get_json(
        module,
        params["url"],
        path,
        auth_token=params["auth_token"],
        timeout=params["request_timeout"],
    )


def poll(probe: t.Callable[[], bool], timeout: float, interval: float) -> bool:
    """Call ``probe`` until it returns True or ``timeout`` seconds have passed.

    ``probe`` raises to stop at once. Returns False when time ran out. ``probe`` runs at least
    once, and once more right at the deadline.
    """
    deadline = time.monotonic() + timeout
    while True:
        if probe():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(interval, remaining))


def monotonic() -> float:
    """The clock ``poll`` waits by, for a module that times something while it polls."""
    return time.monotonic()


def poll_dashboard(
    check: t.Callable[[], bool], timeout: float, interval: float
) -> tuple[bool, DashboardError | None]:
    """``poll`` ``check``, which reads the dashboard, riding out the head restarting.

    A transient DashboardError from ``check`` counts as "not yet"; any other one is raised.
    Returns whether ``check`` returned True in time, and the error of the last attempt when it
    was a transient one (None when the last attempt got an answer).
    """
    last_error: list[DashboardError | None] = [None]

    def probe() -> bool:
        try:
            done = check()
        except DashboardError as exc:
            if not exc.transient:
                raise
            last_error[0] = exc
            return False
        last_error[0] = None
        return done

    return poll(probe, timeout, interval), last_error[0]
