"""logs.yml's log collector on a real folder: newest first, rotated copies left out, bounded."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

SCRIPT = (
    pathlib.Path(__file__).resolve().parents[3]
    / "collections/ansible_collections/seedcore/ray/playbooks/files/ray_log_tail.py"
)


def collect(root: pathlib.Path, per_file: int, total: int) -> str:
    # As logs.yml runs it: the script on stdin of `python -`.
    completed = subprocess.run(
        [sys.executable, "-", str(root), str(per_file), str(total)],
        input=SCRIPT.read_text(),
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def write(path: pathlib.Path, text: str, mtime: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))


def test_serve_raylet_and_gcs_first_then_newest_without_rotated_copies(
    tmp_path: pathlib.Path,
) -> None:
    write(tmp_path / "dashboard.log", "dashboard up\n", 4000)
    write(tmp_path / "old.log", "old\n", 500)
    write(tmp_path / "raylet.out", "old line\n" + "r" * 50 + "END-RAYLET\n", 1000)
    write(tmp_path / "raylet.out.1", "rotated copy\n", 3000)
    write(tmp_path / "gcs_server.out", "gcs up\n", 900)
    write(tmp_path / "serve" / "controller_1.log", "controller up\n", 2000)
    out = collect(tmp_path, per_file=30, total=10_000)
    assert "rotated copy" not in out
    headers = [line.split(" (")[0][4:] for line in out.splitlines() if line.startswith("==> ")]
    assert headers == [
        "serve/controller_1.log",
        "raylet.out",
        "gcs_server.out",
        "dashboard.log",
        "old.log",
    ]
    assert "==> raylet.out (70 bytes, last 30 shown) <==" in out
    assert "END-RAYLET" in out and "old line" not in out


def test_small_files_leave_their_share_to_big_ones(tmp_path: pathlib.Path) -> None:
    write(tmp_path / "raylet.out", "r" * 1000, 3000)
    write(tmp_path / "a.log", "a" * 10, 2000)
    write(tmp_path / "b.log", "b" * 10, 1000)
    out = collect(tmp_path, per_file=10_000, total=300)
    # 300 over three files: the small ones take 10 each, the raylet the other 280.
    assert "==> raylet.out (1000 bytes, last 280 shown) <==" in out
    assert "a" * 10 in out and "b" * 10 in out
    body = sum(len(line) + 1 for line in out.splitlines() if not line.startswith("==> "))
    assert body - 3 <= 300  # one newline after each tail


def test_a_budget_too_small_for_every_file_names_those_left_out(tmp_path: pathlib.Path) -> None:
    for name, mtime in (("a.log", 3000), ("b.log", 2000), ("c.log", 1000)):
        write(tmp_path / name, name[0] * 100, mtime)
    out = collect(tmp_path, per_file=80, total=2)
    assert out.rstrip().endswith("no room in the 2 bytes asked for: a.log <==")
    assert "==> b.log (100 bytes, last 1 shown) <==" in out


def test_a_container_without_ray_logs_says_so(tmp_path: pathlib.Path) -> None:
    out = collect(tmp_path / "none", per_file=10, total=10)
    assert out == f"==> no Ray log folder {tmp_path / 'none'} in this container <==\n"
