# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures that put the stand-ins of ``_fakes`` in place of fetch_url and the clock."""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.seedcore.ray.plugins.module_utils import _ray_dashboard
from ansible_collections.seedcore.ray.tests.unit.plugins._fakes import (
    Call,
    FakeFetchUrl,
    FakeTime,
)

RunModule = t.Callable[
    [t.Callable[[], None], dict[str, t.Any], list[Call]],
    tuple[int, dict[str, t.Any], FakeFetchUrl],
]


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """The module util's clock, which sleeps without waiting."""
    clock = FakeTime()
    monkeypatch.setattr(_ray_dashboard, "time", clock)
    return clock


@pytest.fixture
def fetch_url(
    monkeypatch: pytest.MonkeyPatch,
) -> t.Iterator[t.Callable[..., FakeFetchUrl]]:
    """Install a FakeFetchUrl for a list of calls; the test fails if one is not made."""
    fakes: list[FakeFetchUrl] = []

    def install(calls: list[Call], module: object | None = None) -> FakeFetchUrl:
        fake = FakeFetchUrl(calls, module)
        monkeypatch.setattr(_ray_dashboard, "fetch_url", fake)
        fakes.append(fake)
        return fake

    yield install
    for fake in fakes:
        fake.assert_done()


@pytest.fixture
def run_module(
    fetch_url: t.Callable[..., FakeFetchUrl], capsys: pytest.CaptureFixture[str]
) -> RunModule:
    """Run a module's ``main`` with args, answering ``calls``.

    Returns the exit code, the result and the fake, once every call was made.
    """

    def run(
        main: t.Callable[[], None], args: dict[str, t.Any], calls: list[Call]
    ) -> tuple[int, dict[str, t.Any], FakeFetchUrl]:
        fake = fetch_url(calls)
        with patch_module_args(args), pytest.raises(SystemExit) as exc:
            main()
        result = json.loads(capsys.readouterr().out)
        fake.assert_done()
        return exc.value.code, result, fake

    return run
