"""Turning spec values into text for generated files without ever treating them as code.

``pyliteral`` is the only way a user value enters a generated ``.py`` file: ``repr`` of a
plain value is a Python literal that ``ast.literal_eval`` reads back to exactly the input
(quotes, backslashes, newlines, U+2028, template syntax are all escaped or inert), and we
check that round trip before returning, so a surprise type fails loudly instead of emitting
code. JSON and YAML files are dumped from data, never pasted together from strings.
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

import yaml


class LiteralError(ValueError):
    """A value cannot be written as an exact Python literal."""


def _check(value: Any) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LiteralError(f"{value!r} has no Python literal")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise LiteralError(f"dict key {key!r} is not a string")
            _check(item)
        return
    raise LiteralError(f"values of type {type(value).__name__} are not written into code")


def pyliteral(value: Any) -> str:
    """An exact Python literal for ``value`` (str, int, float, bool, None, list, tuple, dict)."""
    _check(value)
    text = repr(value)
    if ast.literal_eval(text) != value or "\n" in text:
        raise LiteralError(f"{type(value).__name__} value does not round-trip through repr")
    return text


def canonical_json(data: Any) -> bytes:
    """The one JSON encoding of generated data files: sorted keys, UTF-8, 2-space indent."""
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_YAML_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


class _Dumper(yaml.SafeDumper):
    """SafeDumper that double-quotes strings with control or line-separator characters.

    PyYAML may emit such strings plain or single-quoted, where NEL/U+2028 and CR are folded
    into spaces on load; in double quotes they are escaped and read back exactly.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _YAML_BREAKING.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def yaml_documents(*documents: Any) -> bytes:
    """YAML from data (safe dumper), documents in order, keys in the order given."""
    text = yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,
        explicit_start=len(documents) > 1,
    )
    return text.encode("utf-8")
