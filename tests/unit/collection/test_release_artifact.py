"""The release artifact: `make collection`'s tarball, installed into an empty collections
path and used from an empty folder, is a whole deployer (no Docker needed to check it)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
SOURCE = ROOT / "collections" / "ansible_collections" / "seedcore" / "ray"
BIN = pathlib.Path(sys.executable).parent
ROLES = {
    "seedcore_cluster",
    "seedcore_head",
    "seedcore_image",
    "seedcore_metrics",
    "seedcore_precheck",
    "seedcore_ray_node",
    "seedcore_serve",
    "seedcore_worker",
}
MODULES = {"seedcore.ray.ray_cluster_info", "seedcore.ray.serve_status"}
FILTERS = {
    "seedcore.ray.container_summary",
    "seedcore.ray.node_summary",
    "seedcore.ray.ray_node_slot",
    "seedcore.ray.ray_node_ports",
    "seedcore.ray.ray_port_args",
    "seedcore.ray.ray_scrape_targets",
    "seedcore.ray.spread_count",
}
INVENTORY = """\
all:
  children:
    ray_head: {hosts: {node1: {ansible_connection: local, seedcore_node_ip: 10.0.0.1}}}
    ray_workers: {hosts: {node1: {}}}
    ray_serve: {hosts: {node1: {}}}
    ray_metrics: {hosts: {node1: {}}}
"""


@pytest.fixture(scope="module")
def user_folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Build the tarball, install it into an empty path, and give an empty work folder."""
    base = tmp_path_factory.mktemp("release")
    build = base / "build"
    run_ok([BIN / "ansible-galaxy", "collection", "build", SOURCE, "--output-path", build])
    (tarball,) = build.glob("seedcore-ray-*.tar.gz")
    installed = base / "collections"
    work = base / "work"
    work.mkdir()
    (work / "hosts.yml").write_text(INVENTORY)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANSIBLE_", "MOLECULE_"))
    }
    # Only the installed collection, and what the `ansible` package ships (community.docker).
    env |= {
        "ANSIBLE_COLLECTIONS_PATH": str(installed),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "true",
        "ANSIBLE_CONFIG": str(work / "none.cfg"),
        "PATH": f"{BIN}:{env.get('PATH', '')}",
    }
    # As a user would, away from this repository (whose ansible.cfg already has the
    # collection, so ansible-galaxy would find nothing to install).
    galaxy = [BIN / "ansible-galaxy", "collection", "install", tarball, "-p", installed]
    run_ok(galaxy, cwd=work, env=env)
    return {"env": env, "work": work, "installed": installed / "ansible_collections/seedcore/ray"}


def run_ok(command: list[object], **kwargs: object) -> str:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def in_user_folder(folder: dict[str, object], *command: object) -> str:
    return run_ok(list(command), cwd=folder["work"], env=folder["env"])


def listed(folder: dict[str, object], kind: str) -> set[str]:
    """What ansible-doc lists of the collection's plugins or roles of one kind."""
    output = in_user_folder(folder, BIN / "ansible-doc", "-t", kind, "-l", "-j", "seedcore.ray")
    return set(json.loads(output))


def test_ansible_doc_lists_every_module_filter_and_role(user_folder: dict[str, object]) -> None:
    assert listed(user_folder, "module") == MODULES
    assert listed(user_folder, "filter") == FILTERS
    assert listed(user_folder, "role") == {f"seedcore.ray.{role}" for role in ROLES}
    head = in_user_folder(
        user_folder, BIN / "ansible-doc", "-t", "role", "seedcore.ray.seedcore_head"
    )
    assert "seedcore_head_gcs_storage" in head


@pytest.mark.parametrize("name", ["site", "scale", "teardown", "drill", "status", "logs"])
def test_the_playbooks_parse_and_list_their_tasks(
    user_folder: dict[str, object], name: str
) -> None:
    tasks = in_user_folder(
        user_folder,
        BIN / "ansible-playbook",
        "-i",
        "hosts.yml",
        f"seedcore.ray.{name}",
        "--list-tasks",
        "-e",
        "workers=2",
        "-e",
        "fault=head_crash",
    )
    assert f"ansible_collections/seedcore/ray/playbooks/{name}.yml" in tasks
    if name == "site":
        for role in ROLES:
            assert f"seedcore.ray.{role} : " in tasks, role
        assert "seedcore.ray.seedcore_ray_node : Run the Ray node container" in tasks


def test_the_images_find_the_serve_app_inside_the_collection(
    user_folder: dict[str, object],
) -> None:
    # The image and serve roles default to <role>/../../serve_app.
    installed = user_folder["installed"]
    assert (installed / "roles/seedcore_image/../../serve_app/seedcore_serve/app.py").is_file()
    assert (installed / "roles/seedcore_image/files/Dockerfile.app").is_file()
    assert (installed / "LICENSE").is_file()
    assert not list(installed.glob("roles/*/molecule"))
