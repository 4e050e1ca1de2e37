# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.seedcore.ray.plugins.filter.ray_scrape import (
    FilterModule,
    ray_scrape_targets,
)

ONE_HOST = {
    "host": "localhost",
    "head": "seedcore-ray-head",
    "serve": "seedcore-serve",
    "workers": 2,
    "worker_prefix": "seedcore-ray-worker",
}


def test_bridge_mode_scrapes_each_container_on_its_block() -> None:
    assert ray_scrape_targets([ONE_HOST]) == [
        {
            "targets": ["seedcore-ray-head:20005"],
            "labels": {
                "ray_node": "head",
                "seedcore_host": "localhost",
                "container": "seedcore-ray-head",
            },
        },
        {
            "targets": ["seedcore-serve:20105"],
            "labels": {
                "ray_node": "serve",
                "seedcore_host": "localhost",
                "container": "seedcore-serve",
            },
        },
        {
            "targets": ["seedcore-ray-worker-1:20205"],
            "labels": {
                "ray_node": "worker-1",
                "seedcore_host": "localhost",
                "container": "seedcore-ray-worker-1",
            },
        },
        {
            "targets": ["seedcore-ray-worker-2:20305"],
            "labels": {
                "ray_node": "worker-2",
                "seedcore_host": "localhost",
                "container": "seedcore-ray-worker-2",
            },
        },
    ]


def test_host_mode_scrapes_each_host_ip() -> None:
    hosts = [
        {"host": "h", "address": "10.0.0.11", "head": "c-ray-head", "workers": 0},
        {
            "host": "w1",
            "address": "10.0.0.12",
            "serve": "c-serve",
            "workers": "1",
            "worker_prefix": "c-ray-worker",
            "base": "30000",
            "size": "50",
        },
        {"host": "v6", "address": "fd00::3", "workers": 1, "worker_prefix": "c-ray-worker"},
    ]
    targets = [config["targets"][0] for config in ray_scrape_targets(hosts)]
    assert targets == ["10.0.0.11:20005", "10.0.0.12:30055", "10.0.0.12:30105", "[fd00::3]:20205"]


def test_a_host_with_nothing_gives_no_target() -> None:
    assert ray_scrape_targets([{"host": "idle", "workers": 0}]) == []
    assert ray_scrape_targets([]) == []


@pytest.mark.parametrize(
    ("hosts", "complaint"),
    [
        ("localhost", "give a list of hosts"),
        ({"host": "x"}, "give a list of hosts"),
        ([{"head": "h"}], "is not a host"),
        (["localhost"], "is not a host"),
        ([{"host": "x", "workers": -1, "worker_prefix": "w"}], "allowed: a whole number >= 0"),
        ([{"host": "x", "workers": True, "worker_prefix": "w"}], "allowed: a whole number >= 0"),
        ([{"host": "x", "workers": 1}], "has no worker_prefix"),
        ([{"host": "x", "head": "h", "base": 65500}], "past 65535"),
        # Two hosts on one IP (or one container name twice) would be scraped twice.
        (
            [
                {"host": "a", "address": "10.0.0.1", "head": "h"},
                {"host": "b", "address": "10.0.0.1", "head": "h"},
            ],
            "head of b and head of a both export metrics on 10.0.0.1:20005",
        ),
    ],
)
def test_bad_input_is_refused(hosts: object, complaint: str) -> None:
    with pytest.raises(AnsibleFilterError, match=complaint):
        ray_scrape_targets(hosts)


def test_filter_is_registered() -> None:
    assert FilterModule().filters()["ray_scrape_targets"] is ray_scrape_targets
