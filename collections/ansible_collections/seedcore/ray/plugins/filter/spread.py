# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Spread a total count evenly over a list of hosts.

``scale.yml -e workers=N`` spreads N worker containers over the ray_workers hosts: host
``i`` of ``n`` gets ``N // n``, plus one of the remainder if ``i < N % n``, so the counts
add up to N and differ by at most one.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def spread_count(total: object, hosts: object, host: object) -> int:
    """The share of ``total`` that ``host`` gets among ``hosts``."""
    if isinstance(total, bool) or not str(total).strip().isdigit():
        raise AnsibleFilterError(f"spread_count: total is {total!r}; allowed: a whole number >= 0")
    if isinstance(hosts, (str, bytes, dict)) or not isinstance(hosts, (list, tuple)):
        raise AnsibleFilterError(f"spread_count: hosts is {hosts!r}; give a list of host names")
    if not hosts:
        raise AnsibleFilterError("spread_count: hosts is empty; put at least one host in the group")
    names = list(hosts)
    if host not in names:
        raise AnsibleFilterError(f"spread_count: host {host!r} is not one of the hosts {names!r}")
    total_n = int(str(total).strip())
    share, rest = divmod(total_n, len(names))
    return share + (1 if names.index(host) < rest else 0)


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {"spread_count": spread_count}
