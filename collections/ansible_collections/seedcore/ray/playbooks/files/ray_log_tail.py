# Copyright (c) 2026, seedcore.ray contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Print the tail of each of a Ray node's log files, bounded in size. Standard library only.

``python - LOG_DIR PER_FILE_BYTES TOTAL_BYTES`` (logs.yml feeds this file on stdin to
``python`` inside a Ray container, whose root is read-only and /tmp noexec): every log file
under LOG_DIR, newest first and without Ray's rotated copies (``*.log.1`` ...), as a
``==> name (size bytes, last N shown) <==`` header and its last PER_FILE_BYTES, until
TOTAL_BYTES have been printed; what did not fit is named at the end.
"""

from __future__ import annotations

import os
import re
import sys

ROTATED = re.compile(r"\.\d+$")


def log_files(root: str) -> list[tuple[float, int, str]]:
    """Every current log file under ``root``: (modified, size, path), newest first."""
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
    return sorted(found, reverse=True)


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
    left, skipped = total, []
    out = sys.stdout
    for _mtime, size, path in log_files(root):
        shown = min(size, per_file, left)
        if shown <= 0 and size > 0:
            skipped.append(os.path.relpath(path, root))
            continue
        out.write(f"==> {os.path.relpath(path, root)} ({size} bytes, last {shown} shown) <==\n")
        out.write(tail(path, size, shown) if shown else "")
        out.write("\n")
        left -= shown
    if skipped:
        out.write(f"==> not shown, over the {total} bytes asked for: {', '.join(skipped)} <==\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
