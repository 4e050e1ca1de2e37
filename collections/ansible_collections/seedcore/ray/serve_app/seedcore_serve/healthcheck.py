"""Docker HEALTHCHECK probe: exit 0 when a URL answers 200, 1 otherwise.

Written in Python with the standard library only, so the same check works in the
images this project builds and in Ray's official image, with or without curl.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def probe(url: str, timeout: float = 3.0) -> tuple[bool, str]:
    """Return (healthy, detail) for one GET of url."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, f"{response.status} {response.read(200)!r}"
    except urllib.error.HTTPError as error:
        return False, f"{error.code} {error.read(200)!r}"
    except (OSError, ValueError) as error:
        return False, str(error)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m seedcore_serve.healthcheck URL", file=sys.stderr)
        return 2
    healthy, detail = probe(args[0])
    print(detail)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
