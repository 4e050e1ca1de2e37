# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of the option checks of every module of the collection.

A module with an option out of range fails before it sends any request.
"""

from __future__ import annotations

import pytest
from ansible_collections.seedcore.ray.plugins.modules import ray_cluster_info, serve_status
from ansible_collections.seedcore.ray.tests.unit.plugins._fakes import URL

MODULES = {"serve_status": serve_status, "ray_cluster_info": ray_cluster_info}


@pytest.mark.parametrize(
    ("name", "args", "msg"),
    [
        ("serve_status", {"url": "127.0.0.1:8265"}, "url must start with http:// or https://"),
        ("serve_status", {"url": URL, "interval": 0}, "interval must be more than 0, got 0.0"),
        ("serve_status", {"url": URL, "timeout": -1}, "timeout must be 0 or more, got -1"),
        (
            "serve_status",
            {"url": URL, "request_timeout": 0},
            "request_timeout must be more than 0, got 0.0",
        ),
        ("ray_cluster_info", {"url": "ftp://head:8265"}, "url must start with http:// or https://"),
        (
            "ray_cluster_info",
            {"url": URL, "wait_for_alive": -1},
            "wait_for_alive must be 0 or more, got -1",
        ),
        (
            "ray_cluster_info",
            {"url": URL, "wait_for_alive": 1, "interval": -2},
            "interval must be more than 0",
        ),
        ("ray_cluster_info", {"url": URL, "timeout": -5}, "timeout must be 0 or more, got -5"),
    ],
)
def test_bad_options_fail_before_any_request(run_module, name, args, msg):
    code, result, _fake = run_module(MODULES[name].main, args, [])
    assert code == 1
    assert result["msg"].startswith(msg)
