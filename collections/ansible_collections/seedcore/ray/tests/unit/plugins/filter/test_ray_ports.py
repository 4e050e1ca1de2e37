# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import itertools

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.seedcore.ray.plugins.filter.ray_ports import (
    FilterModule,
    ray_node_ports,
    ray_node_slot,
    ray_port_args,
)


def test_first_block_layout() -> None:
    assert ray_node_ports(0) == {
        "node_manager": 20000,
        "object_manager": 20001,
        "dashboard_agent_http": 20002,
        "dashboard_agent_grpc": 20003,
        "runtime_env_agent": 20004,
        "metrics_export": 20005,
        "min_worker": 20010,
        "max_worker": 20099,
    }


@pytest.mark.parametrize(
    ("slot", "base", "size", "first", "last"),
    [
        (1, 20000, 100, 20100, 20199),
        (3, 30000, 50, 30150, 30199),
        ("2", "25000", "20", 25040, 25059),
        (0, 65516, 20, 65516, 65535),
    ],
)
def test_blocks_follow_slot_base_and_size(
    slot: object, base: object, size: object, first: int, last: int
) -> None:
    ports = ray_node_ports(slot, base, size)
    assert min(ports.values()) == ports["node_manager"] == first
    assert max(ports.values()) == ports["max_worker"] == last


def test_blocks_never_overlap() -> None:
    blocks = [
        set(range(p["node_manager"], p["max_worker"] + 1)) for p in map(ray_node_ports, range(8))
    ]
    for one, other in itertools.combinations(blocks, 2):
        assert not one & other


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1,), "slot is -1; allowed: a whole number >= 0"),
        (("one",), "slot is 'one'"),
        ((True,), "slot is True"),
        ((0, 80), "base is 80; allowed: a whole number >= 1024"),
        ((0, 20000, 5), "size is 5; allowed: a whole number >= 20"),
        ((500, 20000, 100), "ends at port 70099, past 65535"),
    ],
)
def test_bad_input_names_the_problem(args: tuple, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(")):
        ray_node_ports(*args)


def test_port_args_pin_every_port() -> None:
    assert ray_port_args(ray_node_ports(1)) == [
        "--node-manager-port=20100",
        "--object-manager-port=20101",
        "--dashboard-agent-listen-port=20102",
        "--dashboard-agent-grpc-port=20103",
        "--runtime-env-agent-port=20104",
        "--metrics-export-port=20105",
        "--min-worker-port=20110",
        "--max-worker-port=20199",
    ]


def test_port_args_refuse_a_partial_plan() -> None:
    with pytest.raises(AnsibleFilterError, match="missing max_worker, min_worker"):
        ray_port_args({k: v for k, v in ray_node_ports(0).items() if "worker" not in k})


@pytest.mark.parametrize(
    ("node", "slot"), [("head", 0), ("serve", 1), (1, 2), ("1", 2), (5, 6), (" 3 ", 4)]
)
def test_node_slots_head_serve_then_workers(node: object, slot: int) -> None:
    assert ray_node_slot(node) == slot


def test_every_node_on_a_host_gets_its_own_block() -> None:
    nodes: list[object] = ["head", "serve", *range(1, 9)]
    slots = [ray_node_slot(node) for node in nodes]
    assert sorted(slots) == list(range(len(nodes)))


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (0, "node is 0; allowed: head, serve, or a worker's number, a whole number >= 1"),
        ("worker", "node is 'worker'"),
        (True, "node is True"),
        (-2, "node is -2"),
        (None, "node is None"),
    ],
)
def test_bad_node_names_the_problem(node: object, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        ray_node_slot(node)


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"ray_node_slot", "ray_node_ports", "ray_port_args"}
