"""tools/variables_doc.py: the generated variable table says what the specs say."""

from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("variables_doc", ROOT / "tools/variables_doc.py")
variables_doc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(variables_doc)


def test_a_plain_default_is_shown_as_code_with_its_choices() -> None:
    spec = {
        "type": "str",
        "default": "bridge",
        "choices": ["bridge", "host"],
        "description": ["V(bridge) on one host.", "V(host) across hosts."],
    }
    assert variables_doc.row("seedcore_network_mode", spec) == (
        "| `seedcore_network_mode` | str (`bridge`, `host`) | `bridge` |"
        " `bridge` on one host. `host` across hosts. |"
    )


def test_a_default_given_as_the_last_description_line_moves_to_the_default_column() -> None:
    spec = {
        "type": "int",
        "description": ["Seconds to wait.", "Default: {{ 60 if x | bool else 600 }}"],
    }
    assert variables_doc.row("timeout", spec) == (
        "| `timeout` | int | `{{ 60 if x \\| bool else 600 }}` | Seconds to wait. |"
    )


def test_required_empty_and_structured_defaults() -> None:
    assert "| required |" in variables_doc.row(
        "workers", {"type": "int", "required": True, "description": "Total."}
    )
    assert '| `""` |' in variables_doc.row(
        "path", {"type": "str", "default": "", "description": "A path."}
    )
    row = variables_doc.row(
        "args", {"type": "dict", "default": {"num_cpus": 0.1}, "description": "Builder arguments."}
    )
    assert "| `{num_cpus: 0.1}` |" in row


def test_the_committed_document_is_up_to_date() -> None:
    assert variables_doc.DOC.read_text() == variables_doc.rendered()
