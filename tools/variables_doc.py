"""Write the role variable tables of docs/variables.md from the roles' argument specs.

meta/argument_specs.yml is the one place a role variable is described (and
tools/check_argument_specs.py keeps it equal to defaults/main.yml), so the doc table is
generated rather than kept by hand. Everything above MARKER in docs/variables.md is hand
written (the playbook-only variables, which no role owns); everything below is rewritten.

  python tools/variables_doc.py          rewrite docs/variables.md
  python tools/variables_doc.py --check  exit 1 if it is out of date (make lint)
"""

from __future__ import annotations

import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "variables.md"
MARKER = "<!-- Generated below by tools/variables_doc.py from meta/argument_specs.yml. -->"
# The settings every role shares come first; then the order a deployment runs them in.
ROLE_ORDER = [
    "seedcore_cluster",
    "seedcore_precheck",
    "seedcore_image",
    "seedcore_head",
    "seedcore_worker",
    "seedcore_serve",
    "seedcore_metrics",
]
# Ansible's documentation markup: C(code), V(value), O(option), I(italic), B(bold), ...
MARKUP = re.compile(r"\b[CVOIBMRLU]\(([^()]*)\)")


def plain(text: str) -> str:
    """Markdown for one table cell: Ansible markup as code, no newlines or bare pipes."""
    text = MARKUP.sub(lambda match: f"`{match.group(1)}`", " ".join(text.split()))
    return text.replace("|", "\\|")


def code(value: object) -> str:
    if isinstance(value, str):
        shown = value if value else '""'
    else:
        shown = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
        shown = shown.removesuffix("...").strip()
    return "`" + " ".join(shown.split()).replace("|", "\\|") + "`"


def row(name: str, spec: dict) -> str:
    lines = spec.get("description", "")
    lines = list(lines) if isinstance(lines, list) else [lines]
    if "default" in spec:
        default = code(spec["default"])
    elif lines and str(lines[-1]).startswith("Default: "):
        # A Jinja default of a non-string type lives in the description's last line.
        default = code(str(lines.pop()).removeprefix("Default: "))
    elif spec.get("required"):
        default = "required"
    else:
        default = "none"
    kind = spec.get("type", "str")
    if spec.get("choices"):
        kind += " (" + ", ".join(f"`{choice}`" for choice in spec["choices"]) + ")"
    meaning = plain(" ".join(str(line) for line in lines))
    return f"| `{name}` | {kind} | {default} | {meaning} |"


def tables() -> str:
    sections = []
    for role in ROLE_ORDER:
        spec_file = ROOT / "roles" / role / "meta" / "argument_specs.yml"
        main = yaml.safe_load(spec_file.read_text())["argument_specs"]["main"]
        header = [
            f"## {role}",
            "",
            plain(main.get("short_description", "")),
            "",
            "| variable | type | default | meaning |",
            "|---|---|---|---|",
        ]
        rows = [row(name, spec) for name, spec in main["options"].items()]
        sections.append("\n".join(header + rows))
    return "\n\n".join(sections) + "\n"


def rendered() -> str:
    text = DOC.read_text()
    if MARKER not in text:
        raise SystemExit(f"{DOC}: the line {MARKER!r} is missing; put it where tables go")
    return text.split(MARKER)[0] + MARKER + "\n\n" + tables()


def main(argv: list[str]) -> int:
    wanted = rendered()
    if "--check" in argv:
        if DOC.read_text() != wanted:
            print(f"{DOC.relative_to(ROOT)} is out of date: run python tools/variables_doc.py")
            return 1
        print(f"{DOC.relative_to(ROOT)} matches the argument specs")
        return 0
    DOC.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
