"""The serve container's main process: keep the SeedCore app deployed, forever.

It loops: wait for the head; join the cluster as a Ray node (so this container runs a
Serve proxy on its own :8000); make sure the app is deployed and RUNNING; watch it.
It holds its node: a head, dashboard or controller that stops answering is waited out
(under GCS fault tolerance the head returns with the same session and nothing was
lost), and the node rejoins only when its own raylet is gone or the head is a new
cluster. A vanished, failed or stuck app is redeployed. Docker's restart policy covers
the rest: a restarted container simply starts the loop again.

The app is deployed declaratively through the dashboard's REST API
(``PUT /api/serve/applications/``, what ``serve deploy`` sends), the way KubeRay does
it, rather than through a Ray Client connection: no client proxy in the path, and
nothing to reconnect but HTTP.

Environment (the seed's names first):
    RAY_ADDRESS            the head's GCS address, HOST:PORT (required)
    RAY_NAMESPACE          namespace handed to the app as ``args.namespace``
    SERVE_HTTP_HOST        Serve proxies' bind host (default 0.0.0.0)
    SERVE_HTTP_PORT        Serve proxies' port (default 8000)
    SEEDCORE_DASHBOARD_URL the head's dashboard (default http://<RAY_ADDRESS host>:8265)
    SEEDCORE_APP_NAME, SEEDCORE_APP_ROUTE_PREFIX, SEEDCORE_APP_IMPORT_PATH,
    SEEDCORE_APP_ARGS (JSON object), SEEDCORE_RAY_START_ARGS (JSON list of extra
    `ray start` arguments), SEEDCORE_NODE_RESOURCE (default seedcore_serve: this node
    offers one of it and the app's ingress is pinned to it, so this node always hosts a
    replica and therefore a Serve proxy on :8000), SEEDCORE_CHECK_INTERVAL_S,
    SEEDCORE_NODE_HEALTH_URL, SEEDCORE_PROXY_HEALTH_URL,
    SEEDCORE_REQUEST_TIMEOUT_S (default 20; 0 for none: Serve's
    ``http_options.request_timeout_s``, after which a proxy answers 408. Serve reads
    http_options only when it starts, so a change needs a new cluster).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import importlib.util
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from seedcore_serve.healthcheck import probe
from seedcore_serve.wait_for_head import head_ready, split_address

LOG_PREFIX = "[serve]"
# Seconds a Serve proxy gives one HTTP request before it answers 408 and cancels it.
# Above the ingress's worst case with its model retries (4 tries of 2.5 s plus 2 s of
# pauses, about 12 s), below the load balancer's 30 s server timeout.
DEFAULT_REQUEST_TIMEOUT_S = 20
APPS_PATH = "/api/serve/applications/"
NODES_PATH = "/api/v0/nodes?limit=10000"


def log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"{stamp} {LOG_PREFIX} {message}", flush=True)


class ConfigError(ValueError):
    """The container's environment is wrong; the message names the variable."""


@dataclasses.dataclass(frozen=True)
class Settings:
    ray_address: str
    dashboard_url: str
    namespace: str
    http_host: str
    http_port: int
    app_name: str
    route_prefix: str
    import_path: str
    app_args: dict[str, Any]
    ray_start_args: list[str]
    node_resource: str
    check_interval_s: float
    node_health_url: str
    proxy_health_url: str
    request_timeout_s: int = DEFAULT_REQUEST_TIMEOUT_S
    code_version: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        address = env.get("RAY_ADDRESS", "")
        if not address or address.startswith("ray://"):
            raise ConfigError(
                f"RAY_ADDRESS={address!r}: give the head's GCS address as HOST:PORT "
                "(e.g. seedcore-ray-head:6379); this container joins the cluster as a node, "
                "it does not use a ray:// client address"
            )
        try:
            host, _port = split_address(address)
        except ValueError as error:
            raise ConfigError(f"RAY_ADDRESS: {error}") from error
        return cls(
            ray_address=address,
            dashboard_url=env.get("SEEDCORE_DASHBOARD_URL", f"http://{host}:8265").rstrip("/"),
            namespace=env.get("RAY_NAMESPACE", "seedcore"),
            http_host=env.get("SERVE_HTTP_HOST", "0.0.0.0"),  # noqa: S104 - the proxy serves the app
            http_port=_int_env(env, "SERVE_HTTP_PORT", 8000, 1, 65535),
            app_name=env.get("SEEDCORE_APP_NAME", "seedcore-ml"),
            route_prefix=env.get("SEEDCORE_APP_ROUTE_PREFIX", "/"),
            import_path=env.get("SEEDCORE_APP_IMPORT_PATH", "seedcore_serve.app:build_app"),
            app_args=_json_env(env, "SEEDCORE_APP_ARGS", {}, dict),
            ray_start_args=_json_env(env, "SEEDCORE_RAY_START_ARGS", [], list),
            node_resource=env.get("SEEDCORE_NODE_RESOURCE", "seedcore_serve"),
            check_interval_s=float(_int_env(env, "SEEDCORE_CHECK_INTERVAL_S", 5, 1, 3600)),
            node_health_url=env.get(
                "SEEDCORE_NODE_HEALTH_URL", "http://127.0.0.1:52365/api/local_raylet_healthz"
            ),
            proxy_health_url=env.get(
                "SEEDCORE_PROXY_HEALTH_URL",
                f"http://127.0.0.1:{_int_env(env, 'SERVE_HTTP_PORT', 8000, 1, 65535)}/-/healthz",
            ),
            request_timeout_s=_int_env(
                env, "SEEDCORE_REQUEST_TIMEOUT_S", DEFAULT_REQUEST_TIMEOUT_S, 0, 86400
            ),
            code_version=env.get("SEEDCORE_CODE_VERSION")
            or code_version(env.get("SEEDCORE_APP_IMPORT_PATH", "seedcore_serve.app:build_app")),
        )


def code_version(import_path: str) -> str:
    """A hash of the source of the app's top-level package, as this image holds it.

    It goes into the Serve config, so that new code is a new config: with GCS fault
    tolerance Serve's controller restores the app it had, pickled from the old code, and
    a config that did not change is not deployed again (new replicas then fail to
    unpickle it). Every node runs the same image, so every supervisor computes the same.
    """
    package = import_path.replace(":", ".").split(".")[0]
    spec = importlib.util.find_spec(package)
    files: list[tuple[str, pathlib.Path]] = []
    if spec and spec.submodule_search_locations:
        for root in spec.submodule_search_locations:
            base = pathlib.Path(root)
            files += [(str(path.relative_to(base)), path) for path in sorted(base.rglob("*.py"))]
    elif spec and spec.origin and spec.origin.endswith(".py"):
        files = [(pathlib.Path(spec.origin).name, pathlib.Path(spec.origin))]
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16] if files else ""


def _int_env(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name}={raw!r} must be a whole number from {low} to {high}")
    return int(raw)


def _json_env(env: Mapping[str, str], name: str, default: Any, kind: type) -> Any:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{name} is not valid JSON: {error}") from error
    if not isinstance(value, kind):
        raise ConfigError(f"{name} must be a JSON {kind.__name__}, got {type(value).__name__}")
    return value


def app_config(settings: Settings) -> dict[str, Any]:
    """The Serve application entry this container keeps deployed."""
    config: dict[str, Any] = {
        "name": settings.app_name,
        "route_prefix": settings.route_prefix,
        "import_path": settings.import_path,
        "args": {
            **settings.app_args,
            "app_name": settings.app_name,
            "ingress_resource": settings.node_resource,
        },
    }
    if settings.code_version:
        # New code is a new config, so Serve builds the app again and rolls its replicas.
        config["runtime_env"] = {"env_vars": {"SEEDCORE_CODE_VERSION": settings.code_version}}
    return config


def serve_config(settings: Settings, others: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole declarative config: ours plus any other REST-deployed apps, kept as
    they were (a PUT replaces every app, and nothing a user had running may be lost)."""
    http_options: dict[str, Any] = {"host": settings.http_host, "port": settings.http_port}
    if settings.request_timeout_s:
        http_options["request_timeout_s"] = settings.request_timeout_s
    return {
        "proxy_location": "EveryNode",
        "http_options": http_options,
        "applications": [*others, app_config(settings)],
    }


class Action(enum.Enum):
    JOIN = "join the cluster"
    DEPLOY = "deploy the app"
    WATCH = "watch"


@dataclasses.dataclass
class Observation:
    """What one look at the cluster saw. None means 'could not be read'."""

    session_name: str | None
    node_healthy: bool
    app_status: str | None  # None: the app is not deployed
    app_message: str = ""
    config_matches: bool = True
    proxy_healthy: bool | None = None  # this node's Serve proxy; None: not asked
    apps_readable: bool = True  # False: the Serve controller did not answer
    hosts_replica: bool | None = None  # a replica of the app is on this node; None: not asked


@dataclasses.dataclass
class Memory:
    """What the loop carries between looks."""

    joined_session: str | None = None
    node_down_looks: int = 0
    last_status: str | None = None
    deploy_failed_since: float | None = None
    proxy_down_since: float | None = None
    stuck_since: float | None = None
    stuck_redeployed: bool = False
    idle_stuck_since: float | None = None
    idle_stuck_rejoined: bool = False


# Looks in a row at which this container's own Ray node must fail before it rejoins:
# one failed look is often a blip while the node is busy.
MAX_NODE_DOWN_LOOKS = 3
# How long a DEPLOY_FAILED app is left before it is deployed again.
REDEPLOY_FAILED_AFTER_S = 30.0
# How long this node's proxy may fail to answer while the app is RUNNING before the
# node rejoins. Serve starts a proxy on every node; one that never comes (seen once when
# a node joined while the controller was starting) leaves :8000 here dead for good.
PROXY_DOWN_REJOIN_AFTER_S = 60.0
# How long the app may stay DEPLOYING or UNHEALTHY before it is acted on: first a
# redeploy, then, if it is still stuck as long again, a rejoin of this node (which
# restarts the replicas here; seen: a replica left STARTING with room free).
STUCK_AFTER_S = 120.0
STUCK_STATUSES = ("DEPLOYING", "UNHEALTHY")
# How long the app may stay stuck while this node hosts none of its replicas before the
# node rejoins, once per stuck spell. Seen when a node joined seconds before the head
# restarted: the restored GCS keeps the replicas it was starting here PENDING_CREATION,
# while their worker processes live on and hold this node's resources, so nothing is
# ever placed here again (Ray 2.60). A fresh raylet frees them.
IDLE_STUCK_REJOIN_AFTER_S = 45.0


def decide(seen: Observation, memory: Memory, now: float) -> Action:
    """Choose the next step from one observation. Pure, so it can be tested alone.

    Only two things make this node leave and rejoin: its own Ray node is gone, or the
    head is a new cluster (a new session). A head, dashboard or controller that does not
    answer is waited out: under GCS fault tolerance the head comes back with the same
    session, and this node's proxy and replicas serve all the while."""
    if not seen.node_healthy:
        memory.node_down_looks += 1
        if memory.node_down_looks >= MAX_NODE_DOWN_LOOKS:
            return Action.JOIN
        return Action.WATCH
    memory.node_down_looks = 0
    if seen.session_name is None:
        return Action.WATCH
    if seen.session_name != memory.joined_session:
        return Action.JOIN  # the head restarted as a new cluster that has never seen us
    if not seen.apps_readable:
        return Action.WATCH
    if seen.app_status is None or not seen.config_matches:
        return Action.DEPLOY
    failed = seen.app_status == "DEPLOY_FAILED"
    if _lasted(memory, "deploy_failed_since", failed, now, REDEPLOY_FAILED_AFTER_S):
        return Action.DEPLOY
    if failed:
        return Action.WATCH
    stuck = seen.app_status in STUCK_STATUSES
    if not stuck:
        memory.stuck_redeployed = False
        memory.idle_stuck_rejoined = False
    idle_stuck = stuck and seen.hosts_replica is False and not memory.idle_stuck_rejoined
    if _lasted(memory, "idle_stuck_since", idle_stuck, now, IDLE_STUCK_REJOIN_AFTER_S):
        memory.idle_stuck_rejoined = True
        return Action.JOIN
    if _lasted(memory, "stuck_since", stuck, now, STUCK_AFTER_S):
        if memory.stuck_redeployed:
            return Action.JOIN
        memory.stuck_redeployed = True
        return Action.DEPLOY
    proxy_down = seen.app_status == "RUNNING" and seen.proxy_healthy is False
    if _lasted(memory, "proxy_down_since", proxy_down, now, PROXY_DOWN_REJOIN_AFTER_S):
        return Action.JOIN
    return Action.WATCH


def _lasted(memory: Memory, since: str, condition: bool, now: float, limit: float) -> bool:
    """Whether the condition has held for `limit` seconds, timed in memory.<since>.
    The clock starts when it first holds, stops when it does not, and restarts after
    reporting True so the action is not repeated on every look."""
    if not condition:
        setattr(memory, since, None)
        return False
    started = getattr(memory, since)
    if started is None:
        setattr(memory, since, now)
        return False
    if now - started >= limit:
        setattr(memory, since, None)
        return True
    return False


class HttpError(RuntimeError):
    pass


def http_json(method: str, url: str, body: Any = None, timeout: float = 10.0) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode(errors="replace")
        raise HttpError(f"{method} {url} -> {error.code}: {detail}") from error
    except (OSError, ValueError) as error:
        raise HttpError(f"{method} {url} failed: {error}") from error
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise HttpError(f"{method} {url} returned invalid JSON: {error}") from error


def app_message(app: Mapping[str, Any]) -> str:
    """Serve's own words on an app: its message, then each unwell deployment's."""
    parts = [app.get("message") or ""]
    for name, deployment in sorted((app.get("deployments") or {}).items()):
        if deployment.get("status") not in (None, "HEALTHY") and deployment.get("message"):
            parts.append(f"{name} {deployment['status']}: {deployment['message']}")
    return "; ".join(part for part in parts if part)[:1500]


def same_app_config(deployed: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    """Whether the deployed config is ours; Serve echoes it back with defaults added."""
    if not deployed:
        return False
    keys = ("import_path", "route_prefix", "args", "runtime_env")
    return all((deployed.get(key) or None) == (wanted.get(key) or None) for key in keys)


class Cluster:
    """The I/O side: the dashboard's HTTP API and this container's own Ray node."""

    def __init__(self, settings: Settings, run: Callable[..., Any] = subprocess.run):
        self.settings = settings
        self.run = run
        # A name of its own for each join, so this node can be told apart from the
        # others on the same IP (host mode) in the head's node list.
        self.node_name = ""

    def head_ready(self) -> tuple[bool, str]:
        host, port = split_address(self.settings.ray_address)
        return head_ready(host, port, f"{self.settings.dashboard_url}/api/gcs_healthz")

    def session_name(self) -> str | None:
        try:
            return http_json("GET", f"{self.settings.dashboard_url}/api/version")["session_name"]
        except (HttpError, KeyError, TypeError) as error:
            log(f"cannot read the head's version: {error}")
            return None

    def node_healthy(self) -> bool:
        healthy, detail = probe(self.settings.node_health_url, timeout=5)
        if not healthy:
            log(f"this container's Ray node is not healthy: {detail}")
        return healthy

    def applications(self) -> dict[str, Any]:
        details = http_json("GET", f"{self.settings.dashboard_url}{APPS_PATH}") or {}
        return details.get("applications") or {}

    def deploy(self, apps: Mapping[str, Any]) -> None:
        others = [
            app["deployed_app_config"]
            for name, app in apps.items()
            if name != self.settings.app_name and app.get("deployed_app_config")
        ]
        config = serve_config(self.settings, others)
        http_json("PUT", f"{self.settings.dashboard_url}{APPS_PATH}", config, timeout=60)

    def leave(self) -> None:
        self.run(["ray", "stop", "--force"], check=False, capture_output=True, timeout=120)

    def join(self) -> bool:
        self.leave()
        self.node_name = f"seedcore-serve-{uuid.uuid4().hex[:12]}"
        command = ["ray", "start", f"--address={self.settings.ray_address}"]
        command.append(f"--node-name={self.node_name}")
        if self.settings.node_resource:
            command.append(f"--resources={json.dumps({self.settings.node_resource: 1})}")
        command += self.settings.ray_start_args
        result = self.run(command, check=False, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            log(f"`ray start` failed ({result.returncode}): {result.stderr.strip()[-800:]}")
            return False
        return True

    def observe(self, memory: Memory) -> Observation:
        # This node's health is read even when the head is away: it alone decides
        # whether the node rejoins.
        node_ok = self.node_healthy()
        session = self.session_name()
        if session is None:
            return Observation(None, node_ok, app_status=None)
        try:
            apps = self.applications()
        except HttpError as error:
            log(f"cannot read Serve's applications: {error}")
            return Observation(session, node_ok, app_status=None, apps_readable=False)
        app = apps.get(self.settings.app_name)
        if app is None:
            return Observation(session, node_ok, None)
        wanted = app_config(self.settings)
        status = app.get("status")
        return Observation(
            session,
            node_ok,
            status,
            app_message(app),
            same_app_config(app.get("deployed_app_config"), wanted),
            self.proxy_healthy() if status == "RUNNING" else None,
            hosts_replica=self.hosts_replica(app) if status in STUCK_STATUSES else None,
        )

    def own_node_id(self) -> str | None:
        """This node's id in the head's node list (by the name it joined with)."""
        try:
            nodes = http_json("GET", f"{self.settings.dashboard_url}{NODES_PATH}")
            listed = nodes["data"]["result"]["result"]
        except (HttpError, KeyError, TypeError) as error:
            log(f"cannot read the head's node list: {error}")
            return None
        for node in listed:
            if node.get("node_name") == self.node_name and node.get("state") == "ALIVE":
                return node.get("node_id")
        return None

    def hosts_replica(self, app: Mapping[str, Any]) -> bool | None:
        """Whether any replica of the app is placed on this node; None: unknown."""
        node_id = self.own_node_id()
        if node_id is None:
            return None
        return any(
            replica.get("node_id") == node_id
            for deployment in (app.get("deployments") or {}).values()
            for replica in deployment.get("replicas") or []
        )

    def proxy_healthy(self) -> bool:
        healthy, detail = probe(self.settings.proxy_health_url, timeout=5)
        if not healthy:
            log(f"this container's Serve proxy is not answering: {detail}")
        return healthy


class Supervisor:
    def __init__(self, cluster: Cluster, sleep: Callable[[float], None] = time.sleep):
        self.cluster = cluster
        self.sleep = sleep
        self.memory = Memory()
        self.stopping = False

    def wait_for_head(self) -> None:
        delay, last_detail = 1.0, ""
        while not self.stopping:
            ready, detail = self.cluster.head_ready()
            if ready:
                return
            if detail != last_detail:
                log(f"waiting for the head: {detail}")
                last_detail = detail
            self.sleep(delay)
            delay = min(delay * 2, 3.0)

    def join(self) -> None:
        while not self.stopping:
            self.wait_for_head()
            session = self.cluster.session_name()
            if session and self.cluster.join() and self.wait_for_node():
                # A rejoin for a stuck app is made once per stuck spell, not once per join.
                rejoined = self.memory.idle_stuck_rejoined
                self.memory = Memory(joined_session=session, idle_stuck_rejoined=rejoined)
                log(f"joined the cluster (session {session})")
                return
            self.sleep(3)

    def wait_for_node(self, timeout_s: float = 60.0) -> bool:
        """After `ray start`, wait until this node's agent answers, so the first look
        does not mistake a node that is still starting for a dead one."""
        deadline = time.monotonic() + timeout_s
        while not self.stopping and time.monotonic() < deadline:
            if probe(self.cluster.settings.node_health_url, timeout=2)[0]:
                return True
            self.sleep(1)
        log(f"this container's Ray node did not become healthy in {timeout_s:.0f}s")
        return False

    def deploy(self) -> None:
        try:
            self.cluster.deploy(self.cluster.applications())
            log(f"deployed {self.cluster.settings.app_name!r}; waiting for RUNNING")
        except HttpError as error:
            log(f"deploy failed: {error}")

    def step(self) -> None:
        seen = self.cluster.observe(self.memory)
        self.report(seen)
        action = decide(seen, self.memory, time.monotonic())
        if action is Action.JOIN:
            if not seen.node_healthy:
                log("this container's Ray node is down; rejoining")
            elif seen.session_name != self.memory.joined_session:
                log(f"the head is a new cluster (session {seen.session_name}); rejoining")
            elif seen.app_status in STUCK_STATUSES and seen.hosts_replica is False:
                log(
                    f"the app is {seen.app_status} and none of its replicas is placed on this"
                    f" node for {IDLE_STUCK_REJOIN_AFTER_S:.0f}s; rejoining this node"
                )
            elif seen.app_status in STUCK_STATUSES:
                log(f"the app is still {seen.app_status} after a redeploy; rejoining this node")
            else:
                log("this container's Serve proxy stayed down; rejoining")
            self.join()
        elif action is Action.DEPLOY:
            if seen.app_status in STUCK_STATUSES:
                log(f"the app stayed {seen.app_status} for {STUCK_AFTER_S:.0f}s; redeploying")
            self.deploy()

    def report(self, seen: Observation) -> None:
        """Log what changed since the last look: the head's reachability, the app's status."""
        if seen.session_name is None or not seen.apps_readable:
            status = "UNREACHABLE"
        else:
            status = seen.app_status or "ABSENT"
        if status == self.memory.last_status:
            return
        self.memory.last_status = status
        if status == "UNREACHABLE":
            log("the head or Serve's controller does not answer; this node keeps serving")
        else:
            suffix = f": {seen.app_message}" if seen.app_message else ""
            log(f"app {self.cluster.settings.app_name!r} is {status}{suffix}")

    def run_forever(self) -> None:
        settings = self.cluster.settings
        log(
            f"starting: head {settings.ray_address}, dashboard {settings.dashboard_url}, "
            f"app {settings.app_name!r} at {settings.route_prefix} on "
            f"{settings.http_host}:{settings.http_port}"
        )
        self.join()
        while not self.stopping:
            self.step()
            if not self.stopping:
                # Look again soon while something is wrong, so a lost head is noticed fast.
                troubled = self.memory.node_down_looks or self.memory.last_status != "RUNNING"
                self.sleep(1.0 if troubled else settings.check_interval_s)
        log("stopping: leaving the cluster")
        self.cluster.leave()


def main() -> int:
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as error:
        log(f"configuration error: {error}")
        return 2
    supervisor = Supervisor(Cluster(settings))

    def stop(signum: int, _frame: object) -> None:
        log(f"got signal {signum}")
        supervisor.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    supervisor.run_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
