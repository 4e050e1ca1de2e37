#!/usr/bin/python
# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: serve_status
short_description: Report the state of Ray Serve applications, and wait until they run
version_added: 0.1.0
description:
  - Reads C(GET <url>/api/serve/applications/) from the Ray dashboard on the head node and
    reports every Serve application, its deployments and their replicas, the proxies and the
    controller.
  - Without O(wait), fails when a requested application is missing, V(DEPLOY_FAILED) or
    V(UNHEALTHY), or when the dashboard cannot be asked. V(DEPLOYING) is not a failure.
  - With O(wait), asks again every O(interval) seconds until every requested application is
    V(RUNNING). V(DEPLOY_FAILED) fails with the application's message, at once or once it has
    lasted O(failed_grace) seconds. An unreachable
    dashboard, HTTP 502/503/504 (503 means the GCS or the Serve controller cannot be reached), a
    missing application, V(DEPLOYING) and V(UNHEALTHY) are taken as the head restarting and
    asked again until O(timeout).
  - Other HTTP answers (401 and 403 from token authentication, 404, 501 when Ray Serve is not
    installed on the head) and answers that are not JSON fail at once.
  - Never changes anything.
author:
  - seedcore.ray contributors (!UNKNOWN)
options:
  applications:
    description:
      - Names of the Serve applications to check.
      - When empty, every application present is checked; O(wait) then also waits for at least
        one application to exist.
    type: list
    elements: str
    default: []
  wait:
    description:
      - Ask again until every requested application is V(RUNNING), instead of reporting once.
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait in total when O(wait=true).
    type: int
    default: 300
  interval:
    description:
      - Seconds between two requests when O(wait=true).
    type: float
    default: 2
  failed_grace:
    description:
      - With O(wait=true), seconds an application may stay V(DEPLOY_FAILED) before the wait
        fails. A deploy whose config is replaced meanwhile (a supervisor that deploys new
        code over a failed old one, as the seedcore serve container does) can still end
        V(RUNNING). V(0) fails at once.
    type: int
    default: 0
    version_added: 0.2.0
extends_documentation_fragment:
  - seedcore.ray.dashboard
  - seedcore.ray.attributes
  - seedcore.ray.attributes.info_module
seealso:
  - module: seedcore.ray.ray_cluster_info
"""

EXAMPLES = r"""
---
- name: Report Serve's state on the head node
  seedcore.ray.serve_status:
    url: http://127.0.0.1:8265
  register: serve

- name: Show each application's status
  ansible.builtin.debug:
    msg: "{{ item.key }} is {{ item.value.status }}"
  loop: "{{ serve.applications | dict2items }}"

- name: Wait up to ten minutes for the seedcore application after a deploy or a head restart
  seedcore.ray.serve_status:
    url: "http://{{ ray_head_ip }}:8265"
    applications:
      - seedcore
    wait: true
    timeout: 600
    interval: 5

- name: Check a cluster started with RAY_AUTH_MODE=token
  seedcore.ray.serve_status:
    auth_token: "{{ ray_auth_token }}"
  register: serve
  failed_when: false

- name: Redeploy when Serve came back empty after a head restart
  ansible.builtin.debug:
    msg: Serve has no application; it must be deployed again.
  when: serve.applications | length == 0
"""

RETURN = r"""
all_running:
  description:
    - Whether every requested application exists and is V(RUNNING).
    - With O(applications) empty, whether at least one application exists and all are
      V(RUNNING).
  type: bool
  returned: always
  sample: true
applications:
  description:
    - Every application Serve reports (not only the requested ones), by name.
    - Each has C(status) (V(NOT_STARTED), V(DEPLOYING), V(DEPLOY_FAILED), V(RUNNING),
      V(UNHEALTHY), V(DELETING)), C(message), C(route_prefix) and C(deployments).
    - Each deployment has C(status) (V(UPDATING), V(HEALTHY), V(UNHEALTHY), V(DEPLOY_FAILED),
      V(UPSCALING), V(DOWNSCALING)), C(message), C(replica_states), the number of replicas
      in each replica state (for example V(RUNNING), V(STARTING), V(STOPPING)), and
      C(replicas), each replica's C(replica_id), C(state), C(node_id) and C(node_ip) (where
      it runs; empty strings before it is placed).
    - Messages have terminal colour codes removed.
    - Empty when Serve was never started, or when the dashboard could not be read.
  type: dict
  returned: always
  sample:
    seedcore:
      status: RUNNING
      message: ""
      route_prefix: /seedcore
      deployments:
        Slow:
          status: HEALTHY
          message: ""
          replica_states:
            RUNNING: 2
          replicas:
            - replica_id: wpinhak8
              state: RUNNING
              node_id: 6ec812e379493022f0a596ad60db0c9e9280a5fd0c319dc9280f29d9
              node_ip: 192.0.2.2
            - replica_id: t8alfkur
              state: RUNNING
              node_id: 6ec812e379493022f0a596ad60db0c9e9280a5fd0c319dc9280f29d9
              node_ip: 192.0.2.2
proxies:
  description:
    - Status of the Serve proxy on each node (V(STARTING), V(HEALTHY), V(UNHEALTHY),
      V(DRAINING), V(DRAINED)), by Ray node ID.
  type: dict
  returned: always
  sample:
    6ec812e379493022f0a596ad60db0c9e9280a5fd0c319dc9280f29d9: HEALTHY
controller_info:
  description:
    - Where the Serve controller runs, as the dashboard reports it; empty when Serve is not
      started.
  type: dict
  returned: always
  sample:
    node_id: 6ec812e379493022f0a596ad60db0c9e9280a5fd0c319dc9280f29d9
    node_ip: 192.0.2.2
    node_instance_id: ""
    actor_id: 06f87042bbd991d14f0bd5fe02000000
    actor_name: SERVE_CONTROLLER_ACTOR
    worker_id: 9bebab2287bf6cb212f793d8a2ade7964e8dbff5c94ebe5d508b32f9
    log_file_path: /serve/controller_896.log
"""

import typing as t

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.seedcore.ray.plugins.module_utils._ray_dashboard import (
    DashboardError,
    check_base_url,
    check_timings,
    dashboard_argument_spec,
    monotonic,
    poll_dashboard,
    read_json,
    strip_ansi,
)

APPLICATIONS_PATH = "/api/serve/applications/"

RUNNING = "RUNNING"
DEPLOY_FAILED = "DEPLOY_FAILED"
UNHEALTHY = "UNHEALTHY"
# Deployment statuses whose message explains why an application is not running.
_BAD_DEPLOYMENT_STATUSES = frozenset((DEPLOY_FAILED, UNHEALTHY))
# Longest application or deployment message quoted in a failure message.
_MESSAGE_CHARS = 1000


class ServeStatusError(Exception):
    """The answer from the dashboard is JSON but not the shape Serve's API has."""


def replica_states(replicas: t.Any) -> dict[str, int]:
    """Count replicas by their state."""
    counts: dict[str, int] = {}
    for replica in replicas or []:
        state = str(replica.get("state") or "UNKNOWN") if isinstance(replica, dict) else "UNKNOWN"
        counts[state] = counts.get(state, 0) + 1
    return counts


def replica_places(replicas: t.Any) -> list[dict[str, str]]:
    """Each replica's ID, state and node (empty strings for what Serve does not say yet)."""
    places = []
    for replica in replicas or []:
        if isinstance(replica, dict):
            places.append(
                {
                    key: str(replica.get(key) or "")
                    for key in ("replica_id", "state", "node_id", "node_ip")
                }
            )
    return places


def summarize_application(app: dict[str, t.Any]) -> dict[str, t.Any]:
    """Keep an application's status, message, route prefix and its deployments' states."""
    deployments = {}
    for name, deployment in (app.get("deployments") or {}).items():
        deployment = deployment or {}
        deployments[name] = {
            "status": deployment.get("status"),
            "message": strip_ansi(deployment.get("message")),
            "replica_states": replica_states(deployment.get("replicas")),
            "replicas": replica_places(deployment.get("replicas")),
        }
    return {
        "status": app.get("status"),
        "message": strip_ansi(app.get("message")),
        "route_prefix": app.get("route_prefix"),
        "deployments": deployments,
    }


def summarize(details: t.Any) -> dict[str, t.Any]:
    """Turn the answer of GET /api/serve/applications/ into this module's return values."""
    if not isinstance(details, dict) or not isinstance(details.get("applications"), dict):
        raise ServeStatusError("the answer has no 'applications' object")
    proxies = details.get("proxies") or {}
    return {
        "applications": {
            name: summarize_application(app or {}) for name, app in details["applications"].items()
        },
        "proxies": {node_id: (proxy or {}).get("status") for node_id, proxy in proxies.items()},
        "controller_info": details.get("controller_info") or {},
    }


def checked_names(applications: dict[str, t.Any], requested: list[str]) -> list[str]:
    """The requested applications, or every application present when none is requested."""
    return list(requested) if requested else sorted(applications)


def all_running(applications: dict[str, t.Any], requested: list[str]) -> bool:
    """Whether every checked application exists and runs (and, unrequested, one exists)."""
    names = checked_names(applications, requested)
    return bool(names) and all(
        name in applications and applications[name]["status"] == RUNNING for name in names
    )


def shorten_message(text: str, limit: int = _MESSAGE_CHARS) -> str:
    """Keep a long message's first line and as many of its last lines as fit in ``limit``.

    Ray puts whole tracebacks in deployment messages: the first line says what happened and
    the last lines name the error.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    lines = text.splitlines()
    head = lines[0][:limit]
    tail: list[str] = []
    budget = limit - len(head)
    for line in reversed(lines[1:]):
        if len(line) + 1 > budget:
            break
        tail.insert(0, line)
        budget -= len(line) + 1
    return "\n".join([head, "...", *tail])


def describe_application(name: str, app: dict[str, t.Any] | None) -> str:
    """One application's state for a failure message, with its and its deployments' messages."""
    if app is None:
        return f"'{name}' does not exist"
    text = f"'{name}' is {app['status']}"
    if app["message"]:
        text += f": {shorten_message(app['message'])}"
    for dep_name, deployment in sorted(app["deployments"].items()):
        if deployment["status"] in _BAD_DEPLOYMENT_STATUSES and deployment["message"]:
            text += (
                f" [deployment '{dep_name}' is {deployment['status']}: "
                f"{shorten_message(deployment['message'])}]"
            )
    return text


def problems(
    applications: dict[str, t.Any],
    requested: list[str],
    statuses: t.Collection[str],
    missing: bool = True,
) -> list[str]:
    """Describe checked applications whose status is in ``statuses`` (or that are missing)."""
    found = []
    for name in checked_names(applications, requested):
        app = applications.get(name)
        if (app is None and missing) or (app is not None and app["status"] in statuses):
            found.append(describe_application(name, app))
    return found


def present_names(applications: dict[str, t.Any]) -> str:
    return ", ".join(f"'{name}'" for name in sorted(applications)) or "none"


def main() -> None:
    argument_spec = dashboard_argument_spec()
    argument_spec.update(
        applications=dict(type="list", elements="str", default=[]),
        wait=dict(type="bool", default=False),
        timeout=dict(type="int", default=300),
        interval=dict(type="float", default=2.0),
        failed_grace=dict(type="int", default=0),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params

    param_error = check_base_url(params["url"]) or check_timings(params)
    if params["failed_grace"] < 0:
        param_error = f"failed_grace must be 0 or more, got {params['failed_grace']}"
    if param_error:
        module.fail_json(msg=param_error)

    requested: list[str] = params["applications"]
    result: dict[str, t.Any] = dict(
        changed=False, applications={}, proxies={}, controller_info={}, all_running=False
    )

    def fail(msg: str) -> t.NoReturn:
        module.fail_json(msg=msg, **result)
        raise AssertionError("fail_json returned")  # pragma: no cover

    def read() -> dict[str, t.Any]:
        details = read_json(module, APPLICATIONS_PATH)
        try:
            summary = summarize(details)
        except ServeStatusError as exc:
            fail(f"Unexpected answer from GET {params['url']}{APPLICATIONS_PATH}: {exc}")
        result.update(summary)
        result["all_running"] = all_running(summary["applications"], requested)
        return summary

    if not params["wait"]:
        try:
            summary = read()
        except DashboardError as exc:
            fail(f"Cannot read Serve's state: {exc}")
        applications = summary["applications"]
        bad = problems(applications, requested, (DEPLOY_FAILED, UNHEALTHY))
        if bad:
            fail(
                "Serve applications are not healthy: "
                + "; ".join(bad)
                + f" (present: {present_names(applications)})"
            )
        module.exit_json(**result)

    failed_since: list[float | None] = [None]

    def check() -> bool:
        # Stays False when the dashboard cannot be read; the last answer's applications stay.
        result["all_running"] = False
        summary = read()
        failed = problems(summary["applications"], requested, (DEPLOY_FAILED,), missing=False)
        if not failed:
            failed_since[0] = None
            return result["all_running"]
        if failed_since[0] is None:
            failed_since[0] = monotonic()
        if monotonic() - failed_since[0] >= params["failed_grace"]:
            fail("Serve applications failed to deploy: " + "; ".join(failed))
        return False

    try:
        done, last_error = poll_dashboard(check, params["timeout"], params["interval"])
    except DashboardError as exc:
        fail(f"Cannot read Serve's state: {exc}")
    if done:
        module.exit_json(**result)

    applications = result["applications"]
    waited = f"Timed out after {params['timeout']} s waiting for Serve applications to be RUNNING"
    if last_error is not None:
        fail(f"{waited}; last error: {last_error}")
    if not requested and not applications:
        fail(f"{waited}: Serve reports no application")
    states = [
        describe_application(name, applications.get(name))
        for name in checked_names(applications, requested)
    ]
    fail(f"{waited}: " + "; ".join(states) + f" (present: {present_names(applications)})")


if __name__ == "__main__":
    main()
