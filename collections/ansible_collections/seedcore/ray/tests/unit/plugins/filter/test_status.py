# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.seedcore.ray.plugins.filter.status import (
    container_summary,
    node_summary,
)

# One entry of docker_host_info's containers with verbose_output, as Docker 20.10 lists it.
HEAD = {
    "Id": "0f3c",
    "Names": ["/seedcore-ray-head"],
    "Image": "seedcore/app:2.60.0-py3.11-3f2a",
    "State": "running",
    "Status": "Up 4 minutes (healthy)",
    "Labels": {"seedcore.cluster": "seedcore", "seedcore.role": "head"},
    "NetworkSettings": {"Networks": {"seedcore": {"IPAddress": "172.18.0.2"}}},
}
WORKER = dict(
    HEAD,
    Names=["/seedcore-ray-worker-1"],
    Labels={"seedcore.cluster": "seedcore", "seedcore.role": "worker"},
    NetworkSettings={"Networks": {"seedcore": {"IPAddress": "172.18.0.3"}}},
)
# Host network: no address of its own.
HOST_MODE = dict(HEAD, Names=["/w1"], NetworkSettings={"Networks": {"host": {"IPAddress": ""}}})


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        (
            HEAD,
            {
                "name": "seedcore-ray-head",
                "role": "head",
                "image": "seedcore/app:2.60.0-py3.11-3f2a",
                "state": "running",
                "status": "Up 4 minutes (healthy)",
                "addresses": ["172.18.0.2"],
            },
        ),
        (HOST_MODE, dict(container_summary(HEAD), name="w1", addresses=[])),
        (
            {"Names": ["/bare"]},
            {"name": "bare", "role": "", "image": "", "state": "", "status": "", "addresses": []},
        ),
    ],
)
def test_container_summary(container, expected):
    assert container_summary(container) == expected


def test_container_summary_refuses_what_is_not_a_container():
    with pytest.raises(AnsibleFilterError, match="expected a container of docker_host_info"):
        container_summary("seedcore-ray-head")


APPS = {
    "seedcore-ml": {
        "deployments": {
            "SalienceScorer": {
                "replicas": [
                    {"replica_id": "a", "state": "RUNNING", "node_id": "n-worker"},
                    {"replica_id": "b", "state": "RUNNING", "node_id": "n-serve"},
                ]
            },
            "AnomalyDetector": {
                "replicas": [{"replica_id": "d", "state": "STOPPING", "node_id": "n-worker"}]
            },
            "Ingress": {
                "replicas": [{"replica_id": "c", "state": "RUNNING", "node_id": "n-worker"}]
            },
        }
    }
}
NODES = [
    {"node_id": "n-head", "node_ip": "172.18.0.2", "state": "ALIVE", "is_head": True},
    {"node_id": "n-worker", "node_ip": "172.18.0.3", "state": "ALIVE", "is_head": False},
    {"node_id": "n-serve", "node_ip": "172.18.0.9", "state": "DEAD", "is_head": False},
]


def test_node_summary_joins_containers_and_replicas():
    containers = [container_summary(HEAD), container_summary(WORKER)]
    assert node_summary(NODES, containers, APPS) == [
        {
            "node_id": "n-head",
            "node_ip": "172.18.0.2",
            "state": "ALIVE",
            "is_head": True,
            "container": "seedcore-ray-head",
            "replicas": {},
        },
        {
            "node_id": "n-worker",
            "node_ip": "172.18.0.3",
            "state": "ALIVE",
            "is_head": False,
            "container": "seedcore-ray-worker-1",
            "replicas": {"seedcore-ml/Ingress": 1, "seedcore-ml/SalienceScorer": 1},
        },
        # No container has its address any more: it is named by address only.
        {
            "node_id": "n-serve",
            "node_ip": "172.18.0.9",
            "state": "DEAD",
            "is_head": False,
            "container": "",
            "replicas": {"seedcore-ml/SalienceScorer": 1},
        },
    ]


def test_node_summary_names_no_container_when_nodes_share_an_address():
    shared = [dict(container_summary(HEAD), name=n, addresses=["10.0.0.5"]) for n in ("a", "b")]
    nodes = [{"node_id": "x", "node_ip": "10.0.0.5", "state": "ALIVE"}]
    assert node_summary(nodes, shared)[0]["container"] == ""


def test_node_summary_refuses_what_is_not_a_list():
    with pytest.raises(AnsibleFilterError, match="as lists"):
        node_summary({"n": 1}, [])
