"""Check that every role's meta/argument_specs.yml describes exactly its defaults.

The same idea as prometheus-community/ansible's lint_arguments_spec.sh: a variable in
defaults/main.yml with no spec (or a spec with no default) is a documentation bug, and
so is a spec whose default differs from the value defaults/main.yml sets (compared as
YAML values, Jinja text with its whitespace folded).
"""

from __future__ import annotations

import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent


def problems_for(role: pathlib.Path) -> list[str]:
    specs_file = role / "meta" / "argument_specs.yml"
    defaults_file = role / "defaults" / "main.yml"
    if not specs_file.is_file():
        return [f"{role.name}: meta/argument_specs.yml is missing"]
    specs = yaml.safe_load(specs_file.read_text())["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.is_file() else {}
    problems = []
    for name in sorted(set(defaults) - set(specs)):
        problems.append(f"{role.name}: {name} is in defaults/main.yml but not in argument_specs")
    for name in sorted(set(specs) - set(defaults)):
        if not specs[name].get("required"):
            problems.append(f"{role.name}: {name} is in argument_specs but has no default")
    for name, spec in specs.items():
        if "type" not in spec or "description" not in spec:
            problems.append(f"{role.name}: {name} needs a type and a description")
        differs = normal(spec.get("default")) != normal(defaults.get(name))
        if name in defaults and "default" in spec and differs:
            problems.append(
                f"{role.name}: {name} defaults to {defaults[name]!r} in defaults/main.yml"
                f" but to {spec['default']!r} in argument_specs"
            )
        # A Jinja default of a non-string type cannot be a spec default (antsibull-docs
        # refuses it); its description says it instead, as the last line.
        if name in defaults and "default" not in spec:
            lines = spec.get("description")
            last = (lines if isinstance(lines, list) else [lines])[-1]
            if normal(last) != f"Default: {normal(str(defaults[name]))}":
                problems.append(
                    f"{role.name}: {name} needs a default, or a last description line"
                    f" 'Default: {normal(str(defaults[name]))}'"
                )
    return problems


def normal(value: object) -> object:
    """A value as written either way: Jinja text folded over lines compares equal."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [normal(item) for item in value]
    if isinstance(value, dict):
        return {key: normal(item) for key, item in value.items()}
    return value


def main() -> int:
    roles = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
    problems = [problem for role in roles for problem in problems_for(role)]
    for problem in problems:
        print(problem)
    print(f"{len(roles)} roles checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
