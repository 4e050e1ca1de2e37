"""Hostile requests against the real app: each gets its exact 4xx and a short answer,
never a 500, and the app stays healthy; a bounded flood is shed with 429s at once.

Runs against the ``serve_url`` fixture (tests/e2e/conftest.py). To aim it at a cluster
of your own instead: ``SEEDCORE_E2E_SERVE_URL=http://127.0.0.1:18100 pytest
tests/e2e/test_2_hostile.py``. The flood goes to that URL only, for a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e

TIMEOUT = 30
# No answer to a bad request may be longer than this, whatever was sent.
MAX_ANSWER_BYTES = 400
JSON = {"Content-Type": "application/json"}
GOOD_EVENT = {"type": "system_event", "severity": "high", "frequency": 0.5}
GOOD_BODY = json.dumps({"features": [GOOD_EVENT]}).encode()
GOOD_METRIC = '{"cpu_usage": %s, "memory_usage": 0.5, "response_time": 100, "error_rate": 0}'
GOOD_POINT = {"cpu_avg": 0.5, "memory_avg": 0.5, "response_time": 100, "request_rate": 10}
BODY_LIMIT = 256 * 1024


def metric_body(literal: str) -> bytes:
    return ('{"metrics": [' + GOOD_METRIC % literal + "]}").encode()


class Chunked(bytes):
    """A body sent with Transfer-Encoding: chunked, so no Content-Length announces it."""

    def chunks(self, size: int = 16 * 1024) -> Iterator[bytes]:
        for start in range(0, len(self), size):
            yield bytes(self[start : start + size])


# (id, method, path, headers, body, status, words in the answer's "error")
# fmt: off
CASES = [
    # --- Content-Type: 415 -----------------------------------------------------------
    ("text-plain", "POST", "/SalienceScorer", {"Content-Type": "text/plain"}, GOOD_BODY, 415,
     "Content-Type must be application/json"),
    ("no-content-type", "POST", "/SalienceScorer", {}, GOOD_BODY, 415, "none was given"),
    ("form-urlencoded", "POST", "/AnomalyDetector",
     {"Content-Type": "application/x-www-form-urlencoded"}, b"metrics=1", 415,
     "Content-Type must be application/json"),
    ("multipart", "POST", "/ScalingPredictor",
     {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--", 415,
     "Content-Type must be application/json"),
    ("latin-1-charset", "POST", "/SalienceScorer",
     {"Content-Type": "application/json; charset=latin-1"}, GOOD_BODY, 415, "charset=utf-8"),
    ("jsonp", "POST", "/SalienceScorer", {"Content-Type": "application/jsonp"}, GOOD_BODY, 415,
     "Content-Type must be application/json"),
    # --- Unicode: 400 ------------------------------------------------------------------
    ("lone-surrogate-key", "POST", "/SalienceScorer", JSON, b'{"\\ud800": 1}', 400,
     "lone UTF-16 surrogate"),
    ("lone-surrogate-value", "POST", "/SalienceScorer", JSON,
     b'{"features": [{"type": "\\udc00"}]}', 400, "lone UTF-16 surrogate"),
    ("invalid-utf8-key", "POST", "/SalienceScorer", JSON, b'{"\xff\xfe": 1}', 400,
     "not valid UTF-8"),
    ("encoded-surrogate-bytes", "POST", "/AnomalyDetector", JSON, b'{"a": "\xed\xa0\x80"}',
     400, "not valid UTF-8"),
    ("utf16-body", "POST", "/SalienceScorer", JSON, GOOD_BODY.decode().encode("utf-16"), 400,
     "not valid UTF-8"),
    # --- Echoes: short answers ---------------------------------------------------------
    ("100k-unknown-key", "POST", "/SalienceScorer", JSON,
     json.dumps({"features": [GOOD_EVENT], "k" * 100_000: 1}).encode(), 400,
     "is not an accepted field"),
    ("10k-bad-value", "POST", "/SalienceScorer", JSON,
     json.dumps({"features": [{**GOOD_EVENT, "severity": "s" * 10_000}]}).encode(), 400,
     "features[0].severity must be one of"),
    ("markup-key", "POST", "/ScalingPredictor", JSON,
     b'{"<script>alert(1)</script>": 1}', 400, "is not an accepted field"),
    # --- Size: 413 before parsing --------------------------------------------------------
    ("500k-key", "POST", "/SalienceScorer", JSON,
     json.dumps({"k" * 500_000: 1}).encode(), 413, f"at most {BODY_LIMIT} bytes"),
    ("300k-body", "POST", "/AnomalyDetector", JSON, b" " * 300_000 + b"{}", 413,
     f"at most {BODY_LIMIT} bytes"),
    ("300k-chunked", "POST", "/AnomalyDetector", JSON, Chunked(b" " * 300_000 + b"{}"), 413,
     f"at most {BODY_LIMIT} bytes"),
    # --- Structure: 400 ----------------------------------------------------------------
    ("deep-arrays", "POST", "/SalienceScorer", JSON, b"[" * 200_000, 400, "nested too deeply"),
    ("deep-objects", "POST", "/SalienceScorer", JSON,
     b'{"a":' * 40_000 + b"1" + b"}" * 40_000, 400, "nested too deeply"),
    ("duplicate-key", "POST", "/SalienceScorer", JSON,
     b'{"features": [], "features": [{"type": "system_event"}]}', 400, "more than once"),
    ("duplicate-nested-key", "POST", "/AnomalyDetector", JSON,
     b'{"metrics": [{"cpu_usage": 0.1, "cpu_usage": 2}]}', 400, "more than once"),
    ("empty-body", "POST", "/SalienceScorer", JSON, b"", 400, "body is empty"),
    ("trailing-garbage", "POST", "/SalienceScorer", JSON, GOOD_BODY + b"]", 400,
     "not valid JSON"),
    ("bom", "POST", "/SalienceScorer", JSON, b"\xef\xbb\xbf" + GOOD_BODY, 400, "not valid JSON"),
    # --- Numbers: 400 naming the field -------------------------------------------------
    ("huge-int-literal", "POST", "/AnomalyDetector", JSON, metric_body("9" * 5000), 400,
     "too many digits"),
    ("huge-int", "POST", "/AnomalyDetector", JSON, metric_body("1" + "0" * 400), 400,
     "got an integer of 1329 bits"),
    ("overflowing-float", "POST", "/AnomalyDetector", JSON, metric_body("1e999"), 400,
     "got Infinity"),
    ("nan", "POST", "/AnomalyDetector", JSON, metric_body("NaN"), 400, "got NaN"),
    ("infinity", "POST", "/AnomalyDetector", JSON, metric_body("Infinity"), 400, "got Infinity"),
    ("minus-infinity", "POST", "/AnomalyDetector", JSON, metric_body("-Infinity"), 400,
     "got -Infinity"),
    ("bool-for-number", "POST", "/AnomalyDetector", JSON, metric_body("true"), 400, "got true"),
    ("bool-for-count", "POST", "/ScalingPredictor", JSON,
     json.dumps({"history": [GOOD_POINT], "current_workers": True}).encode(), 400, "got true"),
    # --- Methods: 405 with Allow -------------------------------------------------------
    ("put-model", "PUT", "/SalienceScorer", JSON, GOOD_BODY, 405, "Method Not Allowed"),
    ("delete-model", "DELETE", "/AnomalyDetector", {}, b"", 405, "Method Not Allowed"),
    ("patch-model", "PATCH", "/ScalingPredictor", JSON, b"{}", 405, "Method Not Allowed"),
    ("post-health", "POST", "/health", JSON, b"{}", 405, "Method Not Allowed"),
    ("delete-health", "DELETE", "/health", {}, b"", 405, "Method Not Allowed"),
    # --- Paths: 404 --------------------------------------------------------------------
    ("trailing-slash-get", "GET", "/SalienceScorer/", {}, b"", 404, "Not Found"),
    ("trailing-slash-post", "POST", "/SalienceScorer/", JSON, GOOD_BODY, 404, "Not Found"),
    ("health-trailing-slash", "GET", "/health/", {}, b"", 404, "Not Found"),
    ("wrong-case", "GET", "/saliencescorer", {}, b"", 404, "Not Found"),
    ("nul-in-path", "GET", "/SalienceScorer%00", {}, b"", 404, "Not Found"),
]
# fmt: on
ALLOW = {"/health": {"GET", "HEAD"}}


def send(serve_url: str, method: str, path: str, headers: dict, body: bytes) -> requests.Response:
    data = body.chunks() if isinstance(body, Chunked) else body
    return requests.request(
        method, f"{serve_url}{path}", headers=headers, data=data, timeout=TIMEOUT
    )


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_hostile_request_gets_its_4xx(
    serve_url: str,
    method: str,
    path: str,
    headers: dict,
    body: bytes,
    status: int,
    words: str,
) -> None:
    response = send(serve_url, method, path, headers, body)
    assert response.status_code == status, response.text[:500]
    assert len(response.content) <= MAX_ANSWER_BYTES, response.content[:500]
    answer = response.json()
    assert words in answer["error"], answer
    if status == 405:
        allowed = ALLOW.get(path, {"GET", "POST"})
        assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed
    if status == 415:
        assert response.headers["Accept-Post"] == "application/json"


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"],
)
def test_json_content_types_still_work(serve_url: str, content_type: str) -> None:
    response = send(serve_url, "POST", "/SalienceScorer", {"Content-Type": content_type}, GOOD_BODY)
    assert response.status_code == 200, response.text
    assert response.json()["scores"] == pytest.approx([0.675])


def test_health_answers_after_the_hostile_requests(serve_url: str) -> None:
    for case in CASES[:8]:
        send(serve_url, *case[1:5])
    response = requests.get(f"{serve_url}/health", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "RUNNING"


# ---------------------------------------------------------------------------
# A bounded flood: the queue cap answers at once, and the app stays up
# ---------------------------------------------------------------------------

FLOOD_CLIENTS = 200
FLOOD_SECONDS = 4.0


async def _request(host: str, port: int, method: str, path: str, body: bytes = b"") -> int:
    """One HTTP/1.1 request on its own connection; the answer's status. An asyncio
    client, so 200 of them cost the test machine little next to 200 threads."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # the rest, until the server closes
        return int(status_line.split()[1])
    finally:
        writer.close()


async def _flood(serve_url: str) -> tuple[list[tuple[int, float]], dict[str, list[int]]]:
    parts = urlsplit(serve_url)
    host, port = parts.hostname or "", parts.port or 80
    results: list[tuple[int, float]] = []
    probes: dict[str, list[int]] = {"/health": [], "/-/healthz": []}
    loop = asyncio.get_running_loop()
    stop = loop.time() + FLOOD_SECONDS

    async def client() -> None:
        while loop.time() < stop:
            started = loop.time()
            try:
                status = await asyncio.wait_for(
                    _request(host, port, "POST", "/SalienceScorer", GOOD_BODY), TIMEOUT
                )
            except (OSError, TimeoutError, ValueError, IndexError):
                status = 0
            results.append((status, loop.time() - started))

    async def probe(path: str) -> None:
        while loop.time() < stop:
            try:
                probes[path].append(await asyncio.wait_for(_request(host, port, "GET", path), 10))
            except (OSError, TimeoutError, ValueError, IndexError):
                probes[path].append(0)
            await asyncio.sleep(0.2)

    await asyncio.gather(
        *(probe(path) for path in probes), *(client() for _ in range(FLOOD_CLIENTS))
    )
    return results, probes


def test_flood_is_shed_with_429_quickly(serve_url: str) -> None:
    """200 clients, each sending its next request as soon as the last is answered, for
    4 s, to this machine only. The queue cap answers the excess 429 at once (faster
    than an admitted request, far under the 20 s request timeout); nothing is a 5xx or
    a dropped connection; the proxies' own health stays 200; the app's /health (an
    ingress route, under the same cap) answers every probe and is 200 right after."""
    host = urlsplit(serve_url).hostname
    assert host in ("127.0.0.1", "localhost"), "the flood goes to this machine only"
    results, probes = asyncio.run(_flood(serve_url))

    counts = Counter(status for status, _ in results)
    seconds = {
        code: sorted(took for status, took in results if status == code) for code in (200, 429)
    }
    print(
        f"\nflood: {len(results)} requests from {FLOOD_CLIENTS} clients in {FLOOD_SECONDS:.0f} s:"
        f" {dict(counts)}; median/max s: "
        + ", ".join(
            f"{code} {statistics.median(took):.2f}/{took[-1]:.2f}"
            for code, took in seconds.items()
            if took
        )
        + f"; during it /health {dict(Counter(probes['/health']))},"
        f" /-/healthz {dict(Counter(probes['/-/healthz']))}"
    )
    assert set(counts) <= {200, 429}, counts  # no 5xx, no dropped connections
    assert counts[200] > 0 and counts[429] > 0, counts
    assert statistics.median(seconds[429]) < statistics.median(seconds[200]), seconds
    assert seconds[429][-1] < 5, "shed at once, not queued towards the request timeout"
    assert probes["/-/healthz"] and set(probes["/-/healthz"]) == {200}, probes
    assert probes["/health"] and set(probes["/health"]) <= {200, 429}, probes

    deadline = time.monotonic() + 10
    while True:
        response = requests.get(f"{serve_url}/health", timeout=TIMEOUT)
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert response.status_code == 200, response.text
    ok = requests.post(f"{serve_url}/SalienceScorer", data=GOOD_BODY, headers=JSON, timeout=TIMEOUT)
    assert ok.status_code == 200, ok.text
