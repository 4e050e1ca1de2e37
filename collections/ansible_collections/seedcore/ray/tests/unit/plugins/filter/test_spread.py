# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.seedcore.ray.plugins.filter.spread import FilterModule, spread_count

HOSTS = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("total", "shares"),
    [
        (0, [0, 0, 0]),
        (1, [1, 0, 0]),
        (2, [1, 1, 0]),
        (3, [1, 1, 1]),
        (5, [2, 2, 1]),
        ("7", [3, 2, 2]),
        (" 4 ", [2, 1, 1]),
    ],
)
def test_shares_follow_the_host_order(total: object, shares: list[int]) -> None:
    assert [spread_count(total, HOSTS, host) for host in HOSTS] == shares


@pytest.mark.parametrize("total", [0, 1, 9, 10, 11, 100])
def test_shares_add_up_and_differ_by_at_most_one(total: int) -> None:
    shares = [spread_count(total, HOSTS, host) for host in HOSTS]
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1


def test_one_host_gets_everything() -> None:
    assert spread_count(6, ("only",), "only") == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, HOSTS, "a"), "total is -1; allowed: a whole number >= 0"),
        (("two", HOSTS, "a"), "total is 'two'"),
        ((True, HOSTS, "a"), "total is True"),
        ((1.5, HOSTS, "a"), "total is 1.5"),
        ((3, [], "a"), "hosts is empty"),
        ((3, "abc", "a"), "hosts is 'abc'; give a list of host names"),
        ((3, HOSTS, "z"), "host 'z' is not one of the hosts"),
    ],
)
def test_bad_input_names_the_problem(args: tuple, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        spread_count(*args)


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"spread_count"}
