"""The serve container's environment, and the Serve config it deploys."""

from __future__ import annotations

import json
import pathlib

import pytest

from seedcore_serve.supervisor import (
    ConfigError,
    Settings,
    app_config,
    code_version,
    same_app_config,
    serve_config,
)

BASE = {"RAY_ADDRESS": "seedcore-ray-head:6379"}


def test_defaults_follow_the_seed() -> None:
    settings = Settings.from_env(BASE)
    assert settings.dashboard_url == "http://seedcore-ray-head:8265"
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 8000)
    assert settings.app_name == "seedcore-ml"
    assert settings.import_path == "seedcore_serve.app:build_app"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "RAY_ADDRESS"),
        ({"RAY_ADDRESS": "ray://head:10001"}, "ray:// client address"),
        ({"RAY_ADDRESS": "head"}, "HOST:PORT"),
        ({"RAY_ADDRESS": "head:99999"}, "1-65535"),
        ({**BASE, "SERVE_HTTP_PORT": "eighty"}, "SERVE_HTTP_PORT"),
        ({**BASE, "SERVE_HTTP_PORT": "0"}, "from 1 to 65535"),
        ({**BASE, "SEEDCORE_APP_ARGS": "{not json"}, "SEEDCORE_APP_ARGS is not valid JSON"),
        ({**BASE, "SEEDCORE_APP_ARGS": "[1]"}, "SEEDCORE_APP_ARGS must be a JSON dict"),
        ({**BASE, "SEEDCORE_RAY_START_ARGS": '{"a": 1}'}, "SEEDCORE_RAY_START_ARGS must be"),
        ({**BASE, "SEEDCORE_REQUEST_TIMEOUT_S": "2.5"}, "SEEDCORE_REQUEST_TIMEOUT_S"),
        ({**BASE, "SEEDCORE_REQUEST_TIMEOUT_S": "-1"}, "from 0 to 86400"),
    ],
)
def test_bad_environment_is_named(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names.replace("(", r"\(")):
        Settings.from_env(env)


def test_serve_config_keeps_other_apps_and_adds_ours() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "SERVE_HTTP_PORT": "8100",
            "SEEDCORE_APP_ARGS": json.dumps({"num_cpus": 0.2}),
            "SEEDCORE_CODE_VERSION": "0123abcd",
        }
    )
    other = {"name": "other", "route_prefix": "/other", "import_path": "x:y"}
    config = serve_config(settings, [other])
    assert config["proxy_location"] == "EveryNode"
    assert config["http_options"] == {"host": "0.0.0.0", "port": 8100, "request_timeout_s": 20}
    assert config["applications"] == [
        other,
        {
            "name": "seedcore-ml",
            "route_prefix": "/",
            "import_path": "seedcore_serve.app:build_app",
            "args": {
                "num_cpus": 0.2,
                "app_name": "seedcore-ml",
                "ingress_resource": "seedcore_serve",
            },
            "runtime_env": {"env_vars": {"SEEDCORE_CODE_VERSION": "0123abcd"}},
        },
    ]


def test_deployed_config_comparison_ignores_serve_defaults() -> None:
    wanted = app_config(Settings.from_env(BASE))
    echoed = {**wanted, "deployments": [], "host": "0.0.0.0"}
    assert same_app_config(echoed, wanted)
    unversioned = {**wanted}
    unversioned.pop("runtime_env")
    assert same_app_config({**unversioned, "runtime_env": {}}, unversioned)
    assert not same_app_config({**echoed, "args": {"num_cpus": 1}}, wanted)
    assert not same_app_config(None, wanted)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 20), ("", 20), ("45", 45), ("0", None)],
)
def test_request_timeout_goes_to_http_options(value: str | None, expected: int | None) -> None:
    env = dict(BASE) if value is None else {**BASE, "SEEDCORE_REQUEST_TIMEOUT_S": value}
    http_options = serve_config(Settings.from_env(env), [])["http_options"]
    assert http_options.get("request_timeout_s") == expected


def test_new_app_code_is_a_new_config() -> None:
    # With GCS fault tolerance Serve restores the app pickled from the old code; only a
    # config that differs makes it build the app again from the new code.
    old = app_config(Settings.from_env({**BASE, "SEEDCORE_CODE_VERSION": "aaaa"}))
    new = app_config(Settings.from_env({**BASE, "SEEDCORE_CODE_VERSION": "bbbb"}))
    assert old["runtime_env"] == {"env_vars": {"SEEDCORE_CODE_VERSION": "aaaa"}}
    assert not same_app_config(old, new)
    assert same_app_config(new, new)


def test_code_version_hashes_the_app_package_source(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "someapp"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models" / "score.py").write_text("WEIGHT = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = code_version("someapp.main:build")
    assert len(first) == 16
    assert code_version("someapp.other:build") == first  # the whole package counts
    (package / "models" / "score.py").write_text("WEIGHT = 2\n")
    assert code_version("someapp.main:build") != first
    assert code_version("no_such_package_here.app:build") == ""
