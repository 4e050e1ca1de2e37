"""The image role's archive mode, for hosts with no registry: load, build on top, reuse.

The archive is a `docker save` of this machine's built Ray image under a throwaway tag,
so the test needs no registry and leaves the real images alone.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from cluster import PlaybookRun, docker, playbook

ARCHIVED = "seedcore/ray-archive-test:1"
APP_REPOSITORY = "seedcore/app-archive-test"


def built_ray_image() -> str:
    refs = docker("image", "ls", "seedcore/ray", "--format", "{{.Repository}}:{{.Tag}}").split()
    assert refs, "no built seedcore/ray image: run site.yml (build mode) first"
    return refs[0]


def app_images() -> list[str]:
    out = docker("image", "ls", APP_REPOSITORY, "--format", "{{.Repository}}:{{.Tag}}")
    return out.split()


@pytest.fixture
def archive(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    source = built_ray_image()
    path = tmp_path / "ray-image.tar"
    docker("tag", source, ARCHIVED)
    docker("save", "-o", str(path), ARCHIVED)
    docker("rmi", ARCHIVED)  # only the tag: the layers stay with the source image
    yield path
    for ref in [ARCHIVED, *app_images()]:
        docker("rmi", ref, check=False)


def test_archive_mode_loads_the_image_and_a_rerun_changes_nothing(
    archive: pathlib.Path, deployed_cluster: PlaybookRun
) -> None:
    settings = [
        "-e", "seedcore_image_source=archive",
        "-e", f"seedcore_image_archive_path={archive}",
        "-e", f"seedcore_image_archive_image={ARCHIVED}",
        "-e", f"seedcore_image_app_repository={APP_REPOSITORY}",
    ]  # fmt: skip
    first = playbook("playbooks/image.yml", *settings)
    assert first.returncode == 0, first.output[-4000:]
    assert "Load the archive" in " ".join(first.changed_tasks())
    source_id = docker("image", "inspect", "-f", "{{.Id}}", built_ray_image())
    assert docker("image", "inspect", "-f", "{{.Id}}", ARCHIVED) == source_id
    [app] = app_images()
    assert (
        docker("run", "--rm", app, "python", "-c", "import ray; print(ray.__version__)") == "2.60.0"
    )

    again = playbook("playbooks/image.yml", *settings)
    assert again.returncode == 0, again.output[-4000:]
    assert again.recap()["localhost"]["changed"] == 0, again.changed_tasks()


def test_archive_mode_without_a_path_fails_before_anything_changes(
    deployed_cluster: PlaybookRun,
) -> None:
    run = playbook("playbooks/image.yml", "-e", "seedcore_image_source=archive")
    assert run.returncode != 0
    assert "seedcore_image_source=archive needs seedcore_image_archive_path" in run.output
    assert run.recap()["localhost"]["changed"] == 0


def test_an_unknown_image_source_is_refused(deployed_cluster: PlaybookRun) -> None:
    run = playbook("playbooks/image.yml", "-e", "seedcore_image_source=registry")
    assert run.returncode != 0
    # The role's argument spec refuses it before any task runs.
    assert (
        "seedcore_image_source must be one of: build, pull, archive, controller, got: registry"
        in run.output
    )
    assert run.recap()["localhost"]["changed"] == 0
