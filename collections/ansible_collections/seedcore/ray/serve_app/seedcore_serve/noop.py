"""No-op Serve applications, the floor bench/throughput.py measures SeedCore against.

They live in this package so that every node of the cluster can import them (every node
runs the same image). Nothing deploys them but the benchmark, beside SeedCore's app, for
the length of one run:

* ``seedcore_serve.noop:build_one``: one deployment that answers ``ok``;
* ``seedcore_serve.noop:build_two``: an ingress that calls a model deployment
  through a DeploymentHandle and returns its answer, SeedCore's shape (ingress -> model)
  with no work in either.

Both take ``args`` ``num_cpus`` (default 0.1, as SeedCore's deployments) and
``max_ongoing_requests`` (default 32, SeedCore's ingress default).
"""

from __future__ import annotations

from typing import Any

from ray import serve
from ray.serve import Application
from ray.serve.handle import DeploymentHandle
from starlette.requests import Request
from starlette.responses import PlainTextResponse


@serve.deployment(name="NoopOne")
class NoopOne:
    async def __call__(self, _request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")


@serve.deployment(name="NoopModel")
class NoopModel:
    async def __call__(self) -> str:
        return "ok"


@serve.deployment(name="NoopIngress")
class NoopIngress:
    def __init__(self, model: DeploymentHandle) -> None:
        self._model = model

    async def __call__(self, _request: Request) -> PlainTextResponse:
        return PlainTextResponse(await self._model.remote())


def _options(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "ray_actor_options": {"num_cpus": float(args.get("num_cpus", 0.1))},
        "max_ongoing_requests": int(args.get("max_ongoing_requests", 32)),
    }


def build_one(args: dict[str, Any]) -> Application:
    return NoopOne.options(**_options(args)).bind()


def build_two(args: dict[str, Any]) -> Application:
    options = _options(args)
    return NoopIngress.options(**options).bind(NoopModel.options(**options).bind())
