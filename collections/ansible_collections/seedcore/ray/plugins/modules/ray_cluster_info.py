#!/usr/bin/python
# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ray_cluster_info
short_description: Report a Ray cluster's version and nodes, and wait for nodes to join
version_added: 0.1.0
description:
  - Reads C(GET <url>/api/version) and C(GET <url>/nodes?view=summary) from the Ray dashboard
    on the head node and reports the Ray version, the session (a new session name means the
    head restarted and the cluster is new), and every node with its state.
  - With O(wait_for_alive), asks again every O(interval) seconds until exactly that many
    matching nodes are V(ALIVE). An unreachable dashboard and HTTP 502/503/504 are taken as
    the head restarting and asked again until O(timeout); other HTTP errors and answers that
    are not JSON fail at once.
  - Never changes anything.
author:
  - seedcore.ray contributors (!UNKNOWN)
options:
  resource:
    description:
      - Only report and count nodes whose total resources include this custom resource, for
        example V(seedcore_worker) given to C(ray start --resources).
      - The dashboard reports resource names in camel case (V(seedcore_worker) becomes
        V(seedcoreWorker)); both spellings match.
      - Ray 2.60 reports no resources for V(DEAD) nodes, so a dead node cannot be matched and
        is not counted in RV(dead_count) when this is set.
    type: str
  wait_for_alive:
    description:
      - Ask again until exactly this many matching nodes are V(ALIVE).
      - When not set, the state is read once.
    type: int
  timeout:
    description:
      - Seconds to wait in total for O(wait_for_alive).
    type: int
    default: 300
  interval:
    description:
      - Seconds between two requests while waiting for O(wait_for_alive).
    type: float
    default: 2
extends_documentation_fragment:
  - seedcore.ray.dashboard
  - seedcore.ray.attributes
  - seedcore.ray.attributes.info_module
seealso:
  - module: seedcore.ray.serve_status
"""

EXAMPLES = r"""
---
- name: Read the cluster's version and nodes
  seedcore.ray.ray_cluster_info:
    url: http://127.0.0.1:8265
  register: cluster

- name: Show the Ray version and the head's session
  ansible.builtin.debug:
    msg: "Ray {{ cluster.ray_version }}, session {{ cluster.session_name }}"

- name: Wait until the three worker nodes have joined
  seedcore.ray.ray_cluster_info:
    url: "http://{{ ray_head_ip }}:8265"
    resource: seedcore_worker
    wait_for_alive: 3
    timeout: 600
    interval: 5

- name: Count dead nodes of a cluster started with RAY_AUTH_MODE=token
  seedcore.ray.ray_cluster_info:
    auth_token: "{{ ray_auth_token }}"
  register: cluster

- name: Warn about dead nodes
  ansible.builtin.debug:
    msg: "{{ cluster.dead_count }} Ray nodes are DEAD"
  when: cluster.dead_count > 0
"""

RETURN = r"""
ray_version:
  description: Ray version of the head node.
  type: str
  returned: success
  sample: 2.60.0
ray_commit:
  description: Git commit Ray was built from.
  type: str
  returned: success
  sample: b7f4259e944bf6959f721b106adc366ddfa0c356
session_name:
  description:
    - Name of the head's session. It changes when the head restarts, which without GCS fault
      tolerance means a new, empty cluster.
  type: str
  returned: success
  sample: session_2026-11-22_00-45-36_048010_32497
nodes:
  description:
    - The nodes the dashboard knows (only those with O(resource) when set), V(ALIVE) ones
      first and the head first among them.
  type: list
  elements: dict
  returned: success
  contains:
    node_id:
      description: Ray node ID.
      type: str
      sample: e5f0a6cdac3f7f8784622c762fa2c85900c67a9cb2ba5a43e5d34cef
    node_ip:
      description: Address the node's raylet advertises (its last known address when V(DEAD)).
      type: str
      sample: 192.0.2.2
    hostname:
      description: Host name of the node (its last known one when V(DEAD)).
      type: str
      sample: ray-head
    state:
      description: V(ALIVE) or V(DEAD).
      type: str
      sample: ALIVE
    state_message:
      description: Why a V(DEAD) node died, as Ray reports it; null for V(ALIVE) nodes.
      type: str
      sample: "Expected termination: received SIGTERM"
    is_head:
      description: Whether this is the head node.
      type: bool
      sample: true
    resources_total:
      description:
        - Total logical resources of the node, names in the dashboard's camel case.
        - Empty for V(DEAD) nodes.
      type: dict
      sample:
        CPU: 1.0
        memory: 17204157645.0
        objectStoreMemory: 7373210419.0
        seedcoreWorker: 1.0
        "node:192.0.2.2": 1.0
  sample:
    - node_id: e5f0a6cdac3f7f8784622c762fa2c85900c67a9cb2ba5a43e5d34cef
      node_ip: 192.0.2.2
      hostname: ray-head
      state: ALIVE
      state_message: null
      is_head: true
      resources_total:
        CPU: 1.0
        seedcoreWorker: 1.0
alive_count:
  description: Number of V(ALIVE) nodes among RV(nodes).
  type: int
  returned: success
  sample: 1
dead_count:
  description: Number of V(DEAD) nodes among RV(nodes).
  type: int
  returned: success
  sample: 0
"""

import typing as t

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.seedcore.ray.plugins.module_utils._ray_dashboard import (
    DashboardError,
    check_base_url,
    check_timings,
    dashboard_argument_spec,
    poll_dashboard,
    read_json,
)

VERSION_PATH = "/api/version"
NODES_PATH = "/nodes?view=summary"

ALIVE = "ALIVE"
DEAD = "DEAD"


class ClusterInfoError(Exception):
    """The answer from the dashboard is JSON but not the shape Ray's API has."""


def ray_camel_case(name: str) -> str:
    """Spell a resource name the way the dashboard reports it.

    Same rule as ``to_camel_case`` in Ray's ``dashboard/utils.py``, which the dashboard applies
    to every key of ``/nodes`` answers.
    """
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def has_resource(resources: dict[str, t.Any], name: str) -> bool:
    """Whether a node's resources include ``name``, spelled as given or in camel case."""
    return name in resources or ray_camel_case(name) in resources


def node_from_summary(entry: dict[str, t.Any]) -> dict[str, t.Any]:
    """Pick the fields this module returns from one entry of ``data.summary``."""
    raylet = entry.get("raylet") or {}
    return {
        "node_id": raylet.get("nodeId") or "",
        # A DEAD node's raylet record is blanked; the agent's last report keeps ip and hostname.
        "node_ip": raylet.get("nodeManagerAddress") or entry.get("ip") or "",
        "hostname": raylet.get("nodeManagerHostname") or entry.get("hostname") or "",
        "state": raylet.get("state") or "UNKNOWN",
        "state_message": raylet.get("stateMessage"),
        "is_head": bool(raylet.get("isHeadNode")),
        "resources_total": dict(raylet.get("resourcesTotal") or {}),
    }


def node_sort_key(node: dict[str, t.Any]) -> tuple[bool, bool, str, str]:
    return (node["state"] != ALIVE, not node["is_head"], node["node_ip"], node["node_id"])


def parse_nodes(answer: t.Any) -> list[dict[str, t.Any]]:
    """Turn the answer of GET /nodes?view=summary into this module's node list."""
    if not isinstance(answer, dict):
        raise ClusterInfoError("the answer is not a JSON object")
    if answer.get("result") is not True:
        raise ClusterInfoError(f"the dashboard says: {answer.get('msg', 'no message')}")
    summary = (answer.get("data") or {}).get("summary")
    if not isinstance(summary, list):
        raise ClusterInfoError("the answer has no 'data.summary' list")
    nodes = [node_from_summary(entry) for entry in summary if isinstance(entry, dict)]
    return sorted(nodes, key=node_sort_key)


def select_nodes(nodes: list[dict[str, t.Any]], resource: str | None) -> list[dict[str, t.Any]]:
    """Keep the nodes that have ``resource``, or all nodes when it is not set."""
    if not resource:
        return list(nodes)
    return [node for node in nodes if has_resource(node["resources_total"], resource)]


def count_state(nodes: list[dict[str, t.Any]], state: str) -> int:
    return sum(1 for node in nodes if node["state"] == state)


def describe_node(node: dict[str, t.Any]) -> str:
    """One node for a message: ``192.0.2.2 (ray-head, e5f0a6cd, head)``."""
    details = [node["hostname"] or "?", node["node_id"][:8] or "?"]
    if node["is_head"]:
        details.append("head")
    text = f"{node['node_ip'] or '?'} ({', '.join(details)})"
    if node["state"] != ALIVE and node["state_message"]:
        text += f": {node['state_message']}"
    return text


def describe_nodes(nodes: list[dict[str, t.Any]]) -> str:
    """Matching nodes grouped by state, for a timeout message."""
    if not nodes:
        return "no matching node"
    groups: dict[str, list[str]] = {}
    for node in nodes:
        groups.setdefault(node["state"], []).append(describe_node(node))
    return "; ".join(f"{state}: {', '.join(items)}" for state, items in groups.items())


def main() -> None:
    argument_spec = dashboard_argument_spec()
    argument_spec.update(
        resource=dict(type="str"),
        wait_for_alive=dict(type="int"),
        timeout=dict(type="int", default=300),
        interval=dict(type="float", default=2.0),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params

    url_error = check_base_url(params["url"])
    if url_error:
        module.fail_json(msg=url_error)
    if params["wait_for_alive"] is not None and params["wait_for_alive"] < 0:
        module.fail_json(msg=f"wait_for_alive must be 0 or more, got {params['wait_for_alive']}")
    timings_error = check_timings(params)
    if timings_error:
        module.fail_json(msg=timings_error)

    result: dict[str, t.Any] = dict(changed=False)

    def fail(msg: str) -> t.NoReturn:
        module.fail_json(msg=msg, **result)
        raise AssertionError("fail_json returned")  # pragma: no cover

    def read() -> None:
        version = read_json(module, VERSION_PATH)
        answer = read_json(module, NODES_PATH)
        if not isinstance(version, dict):
            fail(f"Unexpected answer from GET {params['url']}{VERSION_PATH}: not a JSON object")
        try:
            nodes = select_nodes(parse_nodes(answer), params["resource"])
        except ClusterInfoError as exc:
            fail(f"Unexpected answer from GET {params['url']}{NODES_PATH}: {exc}")
        result.update(
            ray_version=version.get("ray_version"),
            ray_commit=version.get("ray_commit"),
            session_name=version.get("session_name"),
            nodes=nodes,
            alive_count=count_state(nodes, ALIVE),
            dead_count=count_state(nodes, DEAD),
        )

    wanted = params["wait_for_alive"]
    if wanted is None:
        try:
            read()
        except DashboardError as exc:
            fail(f"Cannot read the Ray cluster's state: {exc}")
        module.exit_json(**result)

    def check() -> bool:
        read()
        return result["alive_count"] == wanted

    try:
        done, last_error = poll_dashboard(check, params["timeout"], params["interval"])
    except DashboardError as exc:
        fail(f"Cannot read the Ray cluster's state: {exc}")
    if done:
        module.exit_json(**result)

    which = f" with resource '{params['resource']}'" if params["resource"] else ""
    msg = f"Timed out after {params['timeout']} s waiting for {wanted} ALIVE nodes{which}"
    seen = ""
    if "nodes" in result:
        seen = f"{result['alive_count']} ALIVE (wanted exactly {wanted}); " + describe_nodes(
            result["nodes"]
        )
    if last_error is not None:
        msg += f": last error: {last_error}"
        if seen:
            msg += f"; last answer: {seen}"
    else:
        msg += f": {seen}"
    fail(msg)


if __name__ == "__main__":
    main()
