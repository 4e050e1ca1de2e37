# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pinned port blocks for Ray nodes that share one host's network.

With host networking (what Ray needs across hosts) every Ray node on a host binds its
ports on the same IP, so each node gets its own block: block ``slot`` spans
``base + slot * size`` to ``base + (slot + 1) * size - 1``. Pinned ports are also what
a firewall between hosts can be written from. Slots (``ray_node_slot``, the one place
that numbers them): the head 0, the serve container 1, worker container ``i`` is ``i + 1``.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

# Offsets inside a block; the rest of the block is the node's worker port range.
_FIXED = {
    "node_manager": 0,
    "object_manager": 1,
    "dashboard_agent_http": 2,
    "dashboard_agent_grpc": 3,
    "runtime_env_agent": 4,
    "metrics_export": 5,
}
_FIRST_WORKER_OFFSET = 10
MIN_BLOCK_SIZE = 20

_FLAGS = {
    "node_manager": "--node-manager-port",
    "object_manager": "--object-manager-port",
    "dashboard_agent_http": "--dashboard-agent-listen-port",
    "dashboard_agent_grpc": "--dashboard-agent-grpc-port",
    "runtime_env_agent": "--runtime-env-agent-port",
    "metrics_export": "--metrics-export-port",
    "min_worker": "--min-worker-port",
    "max_worker": "--max-worker-port",
}


def _whole(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(str(value)) < low:
        raise AnsibleFilterError(
            f"ray_node_ports: {name} is {value!r}; allowed: a whole number >= {low}"
        )
    return int(str(value))


# The slot of each kind of node; worker i (from 1) follows them, at i + 1.
_SLOTS = {"head": 0, "serve": 1}


def ray_node_slot(node: object) -> int:
    """The port block of a node: ``head``, ``serve``, or a worker's number (from 1)."""
    if isinstance(node, str) and node in _SLOTS:
        return _SLOTS[node]
    if isinstance(node, bool) or not str(node).strip().isdigit() or int(str(node)) < 1:
        raise AnsibleFilterError(
            f"ray_node_slot: node is {node!r}; allowed: {', '.join(_SLOTS)}, "
            "or a worker's number, a whole number >= 1"
        )
    return int(str(node)) + len(_SLOTS) - 1


def ray_node_ports(slot: object, base: object = 20000, size: object = 100) -> dict[str, int]:
    """The pinned ports of the Ray node in block ``slot``."""
    slot_n = _whole("slot", slot, 0)
    base_n = _whole("base", base, 1024)
    size_n = _whole("size", size, MIN_BLOCK_SIZE)
    start = base_n + slot_n * size_n
    end = start + size_n - 1
    if end > 65535:
        raise AnsibleFilterError(
            f"ray_node_ports: block {slot_n} of size {size_n} from base {base_n} ends at port "
            f"{end}, past 65535; lower the base or the block size, or run fewer nodes per host"
        )
    ports = {name: start + offset for name, offset in _FIXED.items()}
    ports["min_worker"] = start + _FIRST_WORKER_OFFSET
    ports["max_worker"] = end
    return ports


def ray_port_args(ports: dict[str, int]) -> list[str]:
    """``ray start`` flags that pin a node to the ports from ``ray_node_ports``."""
    missing = sorted(set(_FLAGS) - set(ports))
    if missing:
        raise AnsibleFilterError(
            f"ray_port_args: missing {', '.join(missing)}; give it ray_node_ports' result"
        )
    return [f"{flag}={ports[name]}" for name, flag in _FLAGS.items()]


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {
            "ray_node_slot": ray_node_slot,
            "ray_node_ports": ray_node_ports,
            "ray_port_args": ray_port_args,
        }
