"""Ray Serve wiring of the SeedCore ML application.

One Serve application (default name ``seedcore-ml``, route prefix ``/``) made of:

* ``SeedCoreIngress``: a FastAPI ingress that parses and validates requests
  (``seedcore_serve.validation``) and answers ``GET /health``;
* ``SalienceScorer``, ``AnomalyDetector``, ``ScalingPredictor``: model deployments called
  through DeploymentHandles, each with a ``@serve.batch`` method that receives a list of
  validated request bodies and returns a list of results.

Deploy it through a Serve config with ``import_path: seedcore_serve.app:build_app`` and
optional ``args`` (see ``validation.parse_app_args``). Importing this module builds nothing.
"""

import asyncio
import logging
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from ray import exceptions as ray_exceptions
from ray import serve
from ray.serve import Application
from ray.serve import exceptions as serve_exceptions
from ray.serve.handle import DeploymentHandle
from starlette.exceptions import HTTPException as StarletteHTTPException

from seedcore_serve import anomaly, salience, scaling, validation

logger = logging.getLogger("ray.serve")

HEALTH_CACHE_TTL_S = 1.0
HEALTH_STATUS_TIMEOUT_S = 5.0
# What a proxy answers a request that finds the ingress's queue there full
# (``ingress_max_queued_requests``): 429, not Serve's default 503, because the load
# balancer sends a 503 again to another proxy (it means "a replica was lost" here) and
# would multiply a flood; 429 goes straight back to the client, with Retry-After.
INGRESS_BACKPRESSURE = {"status_code": 429, "retry_after_s": 1}
_ERROR_KEY = "_seedcore_internal_error"
# What a call to a replica raises when the replica (or its node) died or cannot be
# reached: the request was not answered, and answering it again elsewhere is safe.
_REPLICA_LOST = (
    ray_exceptions.RayActorError,
    ray_exceptions.ActorUnavailableError,
    ray_exceptions.NodeDiedError,
    ray_exceptions.ObjectLostError,
)
# Pauses before calling a model again after its replica was lost: the first is short
# (the router usually drops a dead replica at once), the later ones give Serve time to
# notice a lost node. After the last, the error goes to the client as a 503.
REPLICA_RETRY_DELAYS_S = (0.05, 0.5, 1.5)
# How long one call to a model replica may take before it is asked again elsewhere. A
# replica whose container vanished does not fail a call, it never answers (its address
# is gone, so nothing resets the connection) until Ray declares its node dead, seconds
# later; the models answer in milliseconds, so a call this slow went to such a replica.
MODEL_CALL_TIMEOUT_S = 2.5

#: Every route and the methods it answers (used for the Allow header of 405 responses).
ROUTE_METHODS = {
    "/health": ("GET", "HEAD"),
    "/SalienceScorer": ("GET", "POST"),
    "/AnomalyDetector": ("GET", "POST"),
    "/ScalingPredictor": ("GET", "POST"),
}

fastapi_app = FastAPI(
    title="SeedCore ML",
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
    # "/SalienceScorer/" is a 404, not a 307 to the route: no route answers two paths.
    redirect_slashes=False,
)


@fastapi_app.exception_handler(validation.ValidationError)
async def _on_validation_error(
    _request: Request, error: validation.ValidationError
) -> JSONResponse:
    # 400, or the status of the request-level subclasses (413 body too large, 415 not
    # JSON). The message quotes only short escaped prefixes of the request, so it is
    # small and always encodes.
    headers = None
    if isinstance(error, validation.UnsupportedMediaType):
        headers = {"Accept-Post": validation.JSON_MEDIA_TYPE}
    return JSONResponse(status_code=error.status, content=error.to_dict(), headers=headers)


@fastapi_app.exception_handler(StarletteHTTPException)
async def _on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    # 404 for unknown routes, 405 for a wrong method. Starlette's Allow header names only
    # the first route that matched the path; list every method the path accepts instead.
    headers = dict(getattr(error, "headers", None) or {})
    if error.status_code == 405:
        path = request.url.path
        root_path = request.scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        if path in ROUTE_METHODS:
            headers["Allow"] = ", ".join(ROUTE_METHODS[path])
    return JSONResponse(
        status_code=error.status_code,
        content={"error": str(error.detail)},
        headers=headers or None,
    )


@fastapi_app.exception_handler(Exception)
async def _on_unexpected_error(_request: Request, error: Exception) -> JSONResponse:
    # Bad input never gets here (it is a ValidationError). A model replica lost with its
    # node (or not reachable) is a 503: the request may be sent again, here or through
    # another proxy, and the load balancer does so. Anything else is a bug: a 500.
    if isinstance(error, serve_exceptions.BackPressureError):
        # A model's queue in this ingress is full (a flood got past the proxy's cap).
        return JSONResponse(
            status_code=429,
            content={"error": "too many requests queued for a model; retry later"},
            headers={"Retry-After": "1"},
        )
    if isinstance(error, _REPLICA_LOST):
        return JSONResponse(
            status_code=503,
            content={"error": f"a model replica was lost ({type(error).__name__}); retry"},
            headers={"Retry-After": "1"},
        )
    return JSONResponse(
        status_code=500, content={"error": f"internal error: {type(error).__name__}"}
    )


async def _read_json(request: Request) -> Any:
    """The decoded body: a JSON Content-Type first (415), then the size limit, checked on
    the declared length and again while reading, before any parsing (413)."""
    validation.check_content_type(request.headers.get("content-type"))
    validation.check_declared_length(request.headers.get("content-length"))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > validation.MAX_BODY_BYTES:
            raise validation.BodyTooLarge()
        chunks.append(chunk)
    return validation.parse_json_body(b"".join(chunks))


def _enum_text(value: Any) -> str:
    return str(getattr(value, "value", value))


# ---------------------------------------------------------------------------
# Model deployments
# ---------------------------------------------------------------------------


class _Model:
    """Shared plumbing; each subclass declares its own ``@serve.batch`` method."""

    module: Any = None

    def __init__(self, max_batch_size: int, batch_wait_timeout_s: float) -> None:
        # The batch queue is created lazily inside the replica; these setters configure
        # it per deployment from the application's args.
        self.predict_batch.set_max_batch_size(max_batch_size)
        self.predict_batch.set_batch_wait_timeout_s(batch_wait_timeout_s)
        self._batching = {
            "max_batch_size": max_batch_size,
            "batch_wait_timeout_s": batch_wait_timeout_s,
        }

    def _run_batch(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = []
        for body in requests:
            # Isolate requests of one batch from each other: a failure answers only its own
            # request with a 500 instead of failing every request batched with it.
            try:
                results.append(self.module.predict(body))
            except Exception as error:  # reported to the caller as a 500
                logger.exception("%s failed on one request", self.module.NAME)
                results.append({_ERROR_KEY: f"{type(error).__name__}: {error}"})
        return results

    async def predict_batch(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {**self.module.describe(), "batching": self._batching}


@serve.deployment(name="SalienceScorer")
class SalienceScorer(_Model):
    module = salience

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)
    async def predict_batch(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._run_batch(requests)


@serve.deployment(name="AnomalyDetector")
class AnomalyDetector(_Model):
    module = anomaly

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)
    async def predict_batch(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._run_batch(requests)


@serve.deployment(name="ScalingPredictor")
class ScalingPredictor(_Model):
    module = scaling

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)
    async def predict_batch(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._run_batch(requests)


# ---------------------------------------------------------------------------
# Ingress
# ---------------------------------------------------------------------------


def _local_first(handle: DeploymentHandle) -> DeploymentHandle:
    """Route this handle's calls to a model replica on the ingress's own node first (any
    other when none is free there), as Serve's proxies do for the ingress.

    Why: a replica answering a caller on another node stalls as a whole when that node
    dies mid-answer. It keeps trying to report its answer to the gone caller until Ray
    declares the node dead, about 13 s later ("Failed to report streaming generator
    return to the caller"). Measured: a serve container crash stalled the worker's model
    replica for 14 s and failed 125 of 800 requests. When each ingress calls its own
    node's models, the callers that die with a node are the ones whose replicas die too.
    """
    # Ray 2.60 has no public form of this option; options() with it is deprecated.
    handle._init(_prefer_local_routing=True)
    return handle


@serve.deployment(name="SeedCoreIngress")
@serve.ingress(fastapi_app)
class SeedCoreIngress:
    def __init__(
        self,
        salience_handle: DeploymentHandle,
        anomaly_handle: DeploymentHandle,
        scaling_handle: DeploymentHandle,
        app_name: str,
    ) -> None:
        self._salience = _local_first(salience_handle)
        self._anomaly = _local_first(anomaly_handle)
        self._scaling = _local_first(scaling_handle)
        self._app_name = app_name
        self._health: tuple[float, int, dict[str, Any]] | None = None
        self._health_lock = asyncio.Lock()

    # -- health ---------------------------------------------------------------

    def _summarise(self, status: Any) -> tuple[int, dict[str, Any]]:
        app = status.applications.get(self._app_name)
        if app is None:
            return 503, {
                "status": "NOT_FOUND",
                "application": self._app_name,
                "deployments": {},
            }
        app_status = _enum_text(app.status)
        body = {
            "status": app_status,
            "application": self._app_name,
            "deployments": {
                name: _enum_text(deployment.status)
                for name, deployment in sorted(app.deployments.items())
            },
        }
        return (200 if app_status == "RUNNING" else 503), body

    async def _health_status(self) -> tuple[int, dict[str, Any]]:
        cached = self._health
        if cached is not None and time.monotonic() - cached[0] < HEALTH_CACHE_TTL_S:
            return cached[1], cached[2]
        async with self._health_lock:
            cached = self._health  # another request may have refreshed it meanwhile
            if cached is not None and time.monotonic() - cached[0] < HEALTH_CACHE_TTL_S:
                return cached[1], cached[2]
            try:
                status = await asyncio.wait_for(
                    asyncio.to_thread(serve.status), HEALTH_STATUS_TIMEOUT_S
                )
                code, body = self._summarise(status)
            except Exception as error:  # controller unreachable or slow
                logger.warning("serve.status() failed: %r", error)
                code, body = (
                    503,
                    {
                        "status": "UNKNOWN",
                        "application": self._app_name,
                        "deployments": {},
                        "error": f"{type(error).__name__}: {error}",
                    },
                )
            self._health = (time.monotonic(), code, body)
            return code, body

    @fastapi_app.api_route("/health", methods=["GET", "HEAD"])
    async def health(self) -> JSONResponse:
        code, body = await self._health_status()
        return JSONResponse(status_code=code, content=body)

    # -- models -----------------------------------------------------------------

    @staticmethod
    async def _call(method: Any, *args: Any) -> Any:
        """One call to a model replica. A replica lost with its node did not answer, and
        the models are pure functions of their input: ask again, another replica."""
        for delay in REPLICA_RETRY_DELAYS_S:
            response = method.remote(*args)
            try:
                return await asyncio.wait_for(response, MODEL_CALL_TIMEOUT_S)
            except TimeoutError:
                response.cancel()
                logger.warning(
                    "a model replica did not answer in %.1fs; asking again", MODEL_CALL_TIMEOUT_S
                )
            except _REPLICA_LOST as error:
                logger.warning("a model replica was lost (%s); asking again", type(error).__name__)
            await asyncio.sleep(delay)
        return await method.remote(*args)

    @classmethod
    async def _predict(cls, handle: DeploymentHandle, body: dict[str, Any]) -> JSONResponse:
        result = await cls._call(handle.predict_batch, body)
        if _ERROR_KEY in result:
            return JSONResponse(
                status_code=500, content={"error": f"internal error: {result[_ERROR_KEY]}"}
            )
        return JSONResponse(content=result)

    @fastapi_app.get("/SalienceScorer")
    async def salience_info(self) -> dict[str, Any]:
        return await self._call(self._salience.describe)

    @fastapi_app.post("/SalienceScorer")
    async def salience_predict(self, request: Request) -> JSONResponse:
        body = validation.validate_salience_request(await _read_json(request))
        return await self._predict(self._salience, body)

    @fastapi_app.get("/AnomalyDetector")
    async def anomaly_info(self) -> dict[str, Any]:
        return await self._call(self._anomaly.describe)

    @fastapi_app.post("/AnomalyDetector")
    async def anomaly_predict(self, request: Request) -> JSONResponse:
        body = validation.validate_anomaly_request(await _read_json(request))
        return await self._predict(self._anomaly, body)

    @fastapi_app.get("/ScalingPredictor")
    async def scaling_info(self) -> dict[str, Any]:
        return await self._call(self._scaling.describe)

    @fastapi_app.post("/ScalingPredictor")
    async def scaling_predict(self, request: Request) -> JSONResponse:
        body = validation.validate_scaling_request(await _read_json(request))
        return await self._predict(self._scaling, body)


# ---------------------------------------------------------------------------
# Application builder
# ---------------------------------------------------------------------------


def build_app(args: dict) -> Application:
    """Serve application builder for ``import_path: seedcore_serve.app:build_app``.

    ``args`` (all optional): ``num_cpus`` (float > 0, default 0.1, every deployment's
    ``ray_actor_options.num_cpus``), ``num_replicas`` (int >= 1, default 1, each model
    deployment), ``max_batch_size`` (int >= 1, default 16), ``batch_wait_timeout_s``
    (float >= 0, default 0.01), ``app_name`` (default ``seedcore-ml``, the application
    ``/health`` reports on), ``ingress_resource`` (default ``""``: a custom resource each
    ingress replica takes one whole unit of, so nodes offering one unit each get one
    ingress replica each, and so a Serve proxy each), ``ingress_replicas`` (int >= 1,
    default 1: how many such nodes there are),
    ``model_resource`` (default ``""``: a custom resource the model replicas require, such
    as ``seedcore_worker``, to keep them on the nodes offering it; Serve spreads them),
    ``max_replicas_per_node`` (int >= 0, default 0 for no limit: the most replicas of one
    model deployment on a node, so that they stay spread over nodes),
    ``ingress_max_ongoing_requests`` (int >= 1, default 32: requests one ingress replica
    works on at once), ``ingress_max_queued_requests`` (int >= 1, default 32: requests
    each Serve proxy holds for the ingress beyond those; more are answered 429 with
    ``Retry-After: 1`` at once).
    Unknown keys or bad values raise ``ValueError``.
    """
    options = validation.parse_app_args(args)
    actor_options = {"num_cpus": options["num_cpus"]}
    batch_args = (options["max_batch_size"], options["batch_wait_timeout_s"])
    # Room for one full batch being computed while the next one fills.
    model_ongoing = max(5, 2 * options["max_batch_size"])

    model_options = dict(actor_options)
    if options["model_resource"]:
        model_options["resources"] = {options["model_resource"]: 0.01}

    spread = (
        {"max_replicas_per_node": options["max_replicas_per_node"]}
        if options["max_replicas_per_node"]
        else {}
    )

    def model(deployment: Any) -> Application:
        return deployment.options(
            num_replicas=options["num_replicas"],
            max_ongoing_requests=model_ongoing,
            ray_actor_options=model_options,
            **spread,
        ).bind(*batch_args)

    ingress_options = dict(actor_options)
    if options["ingress_resource"]:
        # A whole unit: never two ingress replicas on one node, and a node that comes
        # back (a restarted host) gets its replica, and its proxy, back.
        ingress_options["resources"] = {options["ingress_resource"]: 1}
    return SeedCoreIngress.options(
        num_replicas=options["ingress_replicas"],
        max_ongoing_requests=options["ingress_max_ongoing_requests"],
        # The cap on requests each proxy holds for the ingress: beyond it, an at once 429.
        max_queued_requests=options["ingress_max_queued_requests"],
        backpressure_config=INGRESS_BACKPRESSURE,
        ray_actor_options=ingress_options,
    ).bind(
        model(SalienceScorer),
        model(AnomalyDetector),
        model(ScalingPredictor),
        options["app_name"],
    )
