# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Summaries for the SeedCore status playbook.

``container_summary`` keeps what an operator reads of one container in the list
``community.docker.docker_host_info`` returns with ``verbose_output``; ``node_summary``
joins Ray's nodes with those containers (by address) and with Serve's replicas (by node).
"""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError


def container_summary(container: object) -> dict[str, t.Any]:
    """Name, SeedCore role, image, state, Docker's status line and addresses of a container."""
    if not isinstance(container, dict):
        raise AnsibleFilterError(
            f"container_summary: expected a container of docker_host_info, got {container!r}"
        )
    names = container.get("Names") or [""]
    labels = container.get("Labels") or {}
    networks = (container.get("NetworkSettings") or {}).get("Networks") or {}
    return {
        "name": str(names[0]).lstrip("/"),
        "role": labels.get("seedcore.role", ""),
        "image": container.get("Image", ""),
        "state": container.get("State", ""),
        "status": container.get("Status", ""),
        "addresses": sorted(
            str(net.get("IPAddress")) for net in networks.values() if net and net.get("IPAddress")
        ),
    }


def node_summary(
    nodes: object, containers: object, applications: object = None
) -> list[dict[str, t.Any]]:
    """Each Ray node with the container on its address and the RUNNING replicas on it."""
    if not isinstance(nodes, list) or not isinstance(containers, list):
        raise AnsibleFilterError("node_summary: give the nodes and the containers as lists")
    by_address: dict[str, list[str]] = {}
    for container in containers:
        for address in container.get("addresses", []):
            by_address.setdefault(address, []).append(container.get("name", ""))
    replicas: dict[str, dict[str, int]] = {}
    for app_name, app in (applications or {}).items():
        for dep_name, deployment in (app.get("deployments") or {}).items():
            for replica in deployment.get("replicas") or []:
                # What serves: a STARTING or STOPPING replica is in the replica states.
                if replica.get("state") != "RUNNING":
                    continue
                per_node = replicas.setdefault(replica.get("node_id", ""), {})
                key = f"{app_name}/{dep_name}"
                per_node[key] = per_node.get(key, 0) + 1
    summary = []
    for node in nodes:
        names = by_address.get(node.get("node_ip", ""), [])
        summary.append(
            {
                "node_id": node.get("node_id", ""),
                "node_ip": node.get("node_ip", ""),
                "state": node.get("state", ""),
                "is_head": bool(node.get("is_head")),
                # In host mode several nodes share the host's address: no one container.
                "container": names[0] if len(names) == 1 else "",
                "replicas": dict(sorted(replicas.get(node.get("node_id", ""), {}).items())),
            }
        )
    return summary


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {"container_summary": container_summary, "node_summary": node_summary}
