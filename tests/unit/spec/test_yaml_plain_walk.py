"""The spec loader builds plain YAML itself (one walk that also maps lines): the data, the
line of every field and the first error are exactly what PyYAML's constructor gave."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from pixel_desktop.errors import SpecError
from pixel_desktop.spec import load_spec_text, yaml_io

DOCUMENTS = [
    "name: Bot\nclient: C\n",
    "a: 1\nb: [1, 2.5, null, yes, ~, '3', -0x1f, 1_000, .inf]\nc: {d: 'x', e: [f, {g: h}]}\n",
    "x: !!binary aGVsbG8=\ny: !!set {a, b}\nz: !!omap [a: 1, b: 2]\nw: !!str 12\nv: !!float 1\n",
    "a:\n  - !!map {b: 1}\n  - !!seq [1, 2]\n  - !!pairs [a: 1, a: 2]\n",
    "<<: {a: 1}\nb: 2\n",  # a merge key: PyYAML merges it
    "1: a\nyes: b\nnull: c\n",  # keys that are not strings
    "=: value\n",
    "when: 2020-01-01\nquoted: '2020-01-01'\n",  # dates stay strings (no timestamp resolver)
    "42\n",
    "- a\n- 1\n- [b, {c: 2}]\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
]


def _reference(text: str) -> tuple[Any, dict[Any, int]]:
    """What the loader did before: map the lines, then PyYAML's construct_document."""
    loader = yaml_io._SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Any, int] = {}
        yaml_io._line_map(node, (), lines, set())
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


def _walked(text: str) -> tuple[Any, dict[Any, int]]:
    loader = yaml_io._SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Any, int] = {}
        return yaml_io._construct(loader, node, lines), lines
    finally:
        loader.dispose()


@pytest.mark.parametrize("text", DOCUMENTS)
def test_data_and_field_lines_are_what_pyyaml_constructs(text: str) -> None:
    data, lines = _walked(text)
    expected, expected_lines = _reference(text)
    assert repr(data) == repr(expected)  # repr: nan and types compare too
    assert lines == expected_lines


class _PurePyYAML(yaml.SafeLoader):
    """PyYAML's own Python loader with the spec loader's implicit types (no timestamps)."""

    yaml_implicit_resolvers = yaml_io._IMPLICIT_RESOLVERS


SCALARS = (
    "a: [1, 2.5, null, yes, ~, '3', -0x1f, 1_000, .inf, '', 2020-01-01, +1, .nan, No, off,"
    " 0o17, 1e3, -.inf, 0b101, 190:20:30, TRUE, Null, '<<', '=', plain text, 7 days]\n"
)


@pytest.mark.parametrize("text", [*DOCUMENTS, SCALARS])
def test_values_and_their_types_are_pure_pyyamls(text: str) -> None:
    """The loader's own type resolution (libyaml calls it per node) agrees with PyYAML's."""
    assert repr(_walked(text)[0]) == repr(yaml.load(text, Loader=_PurePyYAML))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "spec: line 2: a is given twice"),
        ("a: &x 1\nb: *x\n", "spec: line 1: YAML anchors and aliases"),  # the anchored node's line
        ("? [a, b]\n: 1\n", "spec: line 1: (document): a key must be a plain field name"),
        # Duplicates and aliases are found before any value is constructed, as before.
        ("x: !!int abc\ny: {a: 1, a: 2}\n", "spec: line 2: y.a is given twice"),
        ("x: !!int abc\n1: a\n1: b\n", "spec: line 3: 1 is given twice"),
    ],
)
def test_the_first_problem_reported_is_the_one_reported_before(text: str, message: str) -> None:
    with pytest.raises(SpecError) as err:
        load_spec_text(text)
    assert err.value.message.startswith(message)
    with pytest.raises((SpecError, yaml.YAMLError)) as ref:
        _reference(text)
    if isinstance(ref.value, SpecError):
        assert err.value.message == f"spec: {ref.value.message}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: !!int abc\n", "spec: line 1: not valid YAML: 'abc' cannot be read as !!int"),
        ("a: 1\nb: !!float zz\n", "spec: line 2: not valid YAML: 'zz' cannot be read as !!float"),
        ("x: !!timestamp nope\n", "spec: line 1: not valid YAML: 'nope' cannot be read as !!timestamp"),
    ],
)
def test_a_value_its_tag_cannot_take_is_a_spec_error_not_a_crash(text: str, message: str) -> None:
    """PyYAML raised a bare ValueError (or AttributeError) for these; `pixel` said
    'unexpected error'."""
    with pytest.raises(SpecError) as err:
        load_spec_text(text)
    assert err.value.message == message
