# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Options shared by every module that talks to the Ray dashboard.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the Ray dashboard on the head node, with scheme and port.
      - The dashboard listens on C(127.0.0.1) unless C(ray start) was given C(--dashboard-host).
    type: str
    default: http://127.0.0.1:8265
  auth_token:
    description:
      - Token sent in the C(Authorization) header as C(Bearer <token>), for clusters started
        with C(RAY_AUTH_MODE=token).
      - Without it, such a cluster answers HTTP 401; with a wrong one, HTTP 403.
    type: str
  validate_certs:
    description:
      - Whether to check the TLS certificate when O(url) is C(https://).
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for one HTTP answer from the dashboard.
    type: float
    default: 10
notes:
  - The dashboard's API runs arbitrary code for whoever reaches it (Ray jobs). Keep its port on
    the cluster network and run these modules on the head node or from a host on that network.
"""
