# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Prometheus scrape targets for every Ray node the inventory names.

Every Ray node exports its metrics (Ray's own and Ray Serve's) on the
``metrics_export`` port of its pinned port block (``ray_node_ports``). Each host of the
inventory runs a head, a serve container and some workers; a node's target is its
address (its container name on the cluster network in bridge mode, the host's IP in
host mode) and that port.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.seedcore.ray.plugins.filter.ray_ports import (
    ray_node_ports,
    ray_node_slot,
)


def _count(host: str, value: object) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise AnsibleFilterError(
            f"ray_scrape_targets: workers of {host} is {value!r}; allowed: a whole number >= 0"
        )
    return int(str(value).strip())


def _host_nodes(entry: dict) -> list[tuple[object, str]]:
    """(node, container name) of each Ray node of one host, head first."""
    host = str(entry.get("host", ""))
    nodes: list[tuple[object, str]] = []
    for kind in ("head", "serve"):
        if entry.get(kind):
            nodes.append((kind, str(entry[kind])))
    workers = _count(host, entry.get("workers", 0))
    if workers and not entry.get("worker_prefix"):
        raise AnsibleFilterError(
            f"ray_scrape_targets: {host} runs workers but has no worker_prefix"
        )
    nodes += [(i, f"{entry['worker_prefix']}-{i}") for i in range(1, workers + 1)]
    return nodes


def ray_scrape_targets(hosts: object) -> list[dict[str, object]]:
    """Prometheus ``static_configs``: one per Ray node of ``hosts``, its target and labels."""
    if isinstance(hosts, (str, bytes, dict)) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError(f"ray_scrape_targets: hosts is {hosts!r}; give a list of hosts")
    configs: list[dict[str, object]] = []
    seen: dict[str, str] = {}
    for entry in hosts:
        if not isinstance(entry, dict) or not entry.get("host"):
            raise AnsibleFilterError(
                f"ray_scrape_targets: {entry!r} is not a host; give a dict with host"
            )
        address = str(entry.get("address") or "").strip()
        for node, container in _host_nodes(entry):
            ports = ray_node_ports(
                ray_node_slot(node), entry.get("base", 20000), entry.get("size", 100)
            )
            where = address or container
            target = (
                f"[{where}]:{ports['metrics_export']}"
                if ":" in where
                else f"{where}:{ports['metrics_export']}"
            )
            label = node if isinstance(node, str) else f"worker-{node}"
            name = f"{label} of {entry['host']}"
            if target in seen:
                raise AnsibleFilterError(
                    f"ray_scrape_targets: {name} and {seen[target]} both export metrics on {target}"
                )
            seen[target] = name
            configs.append(
                {
                    "targets": [target],
                    "labels": {
                        "ray_node": label,
                        "seedcore_host": str(entry["host"]),
                        "container": container,
                    },
                }
            )
    return configs


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {"ray_scrape_targets": ray_scrape_targets}
