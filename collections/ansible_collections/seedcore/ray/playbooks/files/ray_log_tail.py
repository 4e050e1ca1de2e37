# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Print the tail of each of a Ray node's log files, bounded in size. Standard library only.

``python - LOG_DIR PER_FILE_BYTES TOTAL_BYTES`` (logs.yml feeds this file on stdin to
``python`` inside a Ray container, whose root is read-only and /tmp noexec): every log file
under LOG_DIR without Ray's rotated copies (``*.log.1`` ...), the ones that tell most first
(Serve's, the raylet's, the GCS's, then the rest newest first), each as a
``==> name (size bytes, last N shown) <==`` header and its last bytes: at most
PER_FILE_BYTES and at most a fair share of TOTAL_BYTES (what small files leave goes to the
bigger ones), so every file gets some. A file whose share is nothing is named at the end.
"""

from __future__ import annotations

import os
import re
import sys

ROTATED = re.compile(r"\.\d+$")
# Read first: Serve's controller and proxies, the raylet, the GCS, errors.
FIRST = (re.compile(r"^serve/"), re.compile(r"^raylet\."), re.compile(r"^gcs_server\."))


def rank(relative: str) -> int:
    for index, pattern in enumerate(FIRST):
        if pattern.search(relative):
            return index
    return len(FIRST)


def log_files(root: str) -> list[tuple[float, int, str]]:
    """Every current log file under ``root``: (modified, size, path), in reading order."""
    found = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if ROTATED.search(name):
                continue
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except OSError:  # removed while we walk
                continue
            found.append((stat.st_mtime, stat.st_size, path))
    found.sort(reverse=True)  # newest first ...
    found.sort(key=lambda entry: rank(os.path.relpath(entry[2], root)))  # ... within a rank
    return found


def tail(path: str, size: int, limit: int) -> str:
    with open(path, "rb") as handle:
        if size > limit:
            handle.seek(size - limit)
        return handle.read(limit).decode("utf-8", "replace")


def main(argv: list[str]) -> int:
    root, per_file, total = argv[0], int(argv[1]), int(argv[2])
    if not os.path.isdir(root):
        print(f"==> no Ray log folder {root} in this container <==")
        return 0
    files = log_files(root)
    # Shares, smallest files first: what a small file does not use goes to the bigger ones.
    shares, left = {}, total
    by_size = sorted(files, key=lambda entry: entry[1])
    for index, (_mtime, size, path) in enumerate(by_size):
        shares[path] = min(size, per_file, left // (len(by_size) - index))
        left -= shares[path]
    skipped = []
    out = sys.stdout
    for _mtime, size, path in files:
        shown = shares[path]
        if shown <= 0 and size > 0:
            skipped.append(os.path.relpath(path, root))
            continue
        out.write(f"==> {os.path.relpath(path, root)} ({size} bytes, last {shown} shown) <==\n")
        out.write(tail(path, size, shown) if shown else "")
        out.write("\n")
    if skipped:
        out.write(
            f"==> not shown, no room in the {total} bytes asked for: {', '.join(skipped)} <==\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
