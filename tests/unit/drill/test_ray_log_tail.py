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


def test_tails_newest_first_without_rotated_copies(tmp_path: pathlib.Path) -> None:
    write(tmp_path / "raylet.out", "old line\n" + "r" * 50 + "END-RAYLET\n", 1000)
    write(tmp_path / "raylet.out.1", "rotated copy\n", 3000)
    write(tmp_path / "serve" / "controller_1.log", "controller up\n", 2000)
    out = collect(tmp_path, per_file=30, total=10_000)
    assert "rotated copy" not in out
    assert out.index("serve/controller_1.log") < out.index("raylet.out (")
    assert "==> raylet.out (70 bytes, last 30 shown) <==" in out
    assert "END-RAYLET" in out and "old line" not in out
    assert "controller up" in out


def test_stops_at_the_total_and_names_what_did_not_fit(tmp_path: pathlib.Path) -> None:
    write(tmp_path / "a.log", "a" * 100, 3000)
    write(tmp_path / "b.log", "b" * 100, 2000)
    write(tmp_path / "c.log", "c" * 100, 1000)
    out = collect(tmp_path, per_file=80, total=120)
    assert "a" * 80 in out
    assert "==> b.log (100 bytes, last 40 shown) <==" in out
    assert "c" * 10 not in out
    assert out.rstrip().endswith("over the 120 bytes asked for: c.log <==")


def test_a_container_without_ray_logs_says_so(tmp_path: pathlib.Path) -> None:
    out = collect(tmp_path / "none", per_file=10, total=10)
    assert out == f"==> no Ray log folder {tmp_path / 'none'} in this container <==\n"
