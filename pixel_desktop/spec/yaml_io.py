"""YAML import/export of project specs with errors that point at the field and line.

Export is canonical (field order of the model, block style for multi-line text, no
line wrapping) so that export → import → export is byte-identical and diffs stay small.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pixel_desktop.errors import SpecError
from pixel_desktop.spec.model import ProjectSpec

Loc = tuple[str | int, ...]


MAX_SPEC_BYTES = 50 * 1024 * 1024


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


_IMPLICIT_RESOLVERS = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# The resolvers a plain scalar's first character selects, the wildcard ones (None) appended.
_BY_FIRST_CHAR = {
    key: tuple(resolvers + _IMPLICIT_RESOLVERS.get(None, []))
    for key, resolvers in _IMPLICIT_RESOLVERS.items()
    if key is not None
}
_NO_RESOLVERS = tuple(_IMPLICIT_RESOLVERS.get(None, []))


class _SafeLoader(_BaseLoader):
    """Safe loading without implicit timestamps/dates: every scalar stays str/int/float/bool."""

    yaml_implicit_resolvers = _IMPLICIT_RESOLVERS

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """PyYAML's ``BaseResolver.resolve`` for a loader without path resolvers (this
        one), with each first character's resolvers joined once instead of per node:
        libyaml calls it for every node, and it was the largest part of parsing a spec."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _BY_FIRST_CHAR.get(value[:1], _NO_RESOLVERS):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Path resolvers only (none here): libyaml calls this for every node."""

    def ascend_resolver(self) -> None:
        """Path resolvers only (none here)."""


def _alias_error(node: yaml.Node) -> SpecError:
    line = node.start_mark.line + 1
    return SpecError(
        f"line {line}: YAML anchors and aliases (&name / *name) are not supported in project "
        "specs; write the value out in full.",
        line=line,
    )


def _line_map(node: yaml.Node, loc: Loc, out: dict[Loc, int], seen_nodes: set[int]) -> None:
    """Record the line of every field, refuse duplicate keys and aliases.

    An alias makes the composer hand out the same node object twice; refusing it here,
    before construction, is what stops a "billion laughs" file from expanding.
    """
    if id(node) in seen_nodes:
        raise _alias_error(node)
    seen_nodes.add(id(node))
    out[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # `? [a, b]`: unhashable, no field name
                raise _collection_key_error(key_node, loc)
            key = key_node.value
            if key in seen:
                raise _duplicate_key_error(key_node, (*loc, key))
            seen.add(key)
            _line_map(value_node, (*loc, key), out, seen_nodes)
            out[(*loc, key)] = key_node.start_mark.line + 1  # the key's line, not its list's
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*loc, index), out, seen_nodes)


def _collection_key_error(key_node: yaml.Node, loc: Loc) -> SpecError:
    line = key_node.start_mark.line + 1
    return SpecError(
        f"line {line}: {_fmt_loc(loc)}: a key must be a plain field name, not a "
        "list or mapping; write the field name before the colon.",
        field=_fmt_loc(loc),
        line=line,
    )


def _duplicate_key_error(key_node: yaml.Node, field: Loc) -> SpecError:
    line = key_node.start_mark.line + 1
    return SpecError(f"line {line}: {_fmt_loc(field)} is given twice", field=_fmt_loc(field), line=line)


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _PlainWalkDeclined(Exception):
    """A key that PyYAML's constructor treats specially (``<<`` merge, ``=`` value, or a
    non-string key such as ``1:`` or ``yes:``): the document goes the general way."""


class _Deferred:
    """Stands for a value PyYAML's constructor fills in after the walk."""


_DEFERRED = _Deferred()


def _construct(loader: Any, node: yaml.Node, lines: dict[Loc, int]) -> Any:
    """The document's data, as PyYAML's ``construct_document`` builds it, with the line of
    every field recorded in ``lines`` and duplicate keys and aliases refused first.

    Why not ``construct_document`` alone: its per-node dispatch in Python cost more than
    libyaml's parsing (about half of parsing and validating a sample-sized spec, the bulk of
    an import). Plain strings, mappings and lists (nearly every node of a spec) are built
    in the same walk that maps the lines; any other scalar (numbers, booleans, null,
    explicit tags) goes to PyYAML's constructor after the walk, in document order, so the
    values and the first error are PyYAML's; a document with a special key is handed to
    PyYAML whole.
    """
    deferred: list[tuple[Any, Any, yaml.Node]] = []
    try:
        data = _walk(node, (), lines, set(), deferred)
    except _PlainWalkDeclined:
        lines.clear()
        _line_map(node, (), lines, set())
        return _pyyaml_value(lambda: loader.construct_document(node), node)
    if data is _DEFERRED:  # the document itself is a number, a null, a tagged value...
        return _pyyaml_value(lambda: loader.construct_object(node, deep=True), node)
    for container, key, value_node in deferred:
        container[key] = _pyyaml_value(partial(loader.construct_object, value_node, deep=True), value_node)
    return data


def _pyyaml_value(construct: Callable[[], Any], node: yaml.Node) -> Any:
    """PyYAML's value for ``node``; a value its tag cannot take (``!!int abc`` raised a bare
    ValueError out of PyYAML) becomes a YAML error at the node's line."""
    try:
        return construct()
    except (ValueError, TypeError, AttributeError) as exc:
        if isinstance(node, yaml.ScalarNode):
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            problem = f"{node.value!r} cannot be read as {tag}"
        else:
            problem = f"a tagged value cannot be read ({exc})"
        raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


def _walk(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], seen_nodes: set[int],
    deferred: list[tuple[Any, Any, yaml.Node]],
) -> Any:
    """:func:`_line_map` that also builds the plain values (see :func:`_construct`)."""
    if id(node) in seen_nodes:
        raise _alias_error(node)
    seen_nodes.add(id(node))
    lines[loc] = node.start_mark.line + 1
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        return node.value if tag == _STR else _DEFERRED
    if isinstance(node, yaml.MappingNode) and tag == _MAP:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # `? [a, b]`: unhashable, no field name
                raise _collection_key_error(key_node, loc)
            if key_node.tag != _STR:
                raise _PlainWalkDeclined
            key = key_node.value
            if key in mapping:
                raise _duplicate_key_error(key_node, (*loc, key))
            value = _walk(value_node, (*loc, key), lines, seen_nodes, deferred)
            lines[(*loc, key)] = key_node.start_mark.line + 1  # the key's line, not its list's
            mapping[key] = value
            if value is _DEFERRED:
                deferred.append((mapping, key, value_node))
        return mapping
    if isinstance(node, yaml.SequenceNode) and tag == _SEQ:
        items: list[Any] = []
        for index, item in enumerate(node.value):
            value = _walk(item, (*loc, index), lines, seen_nodes, deferred)
            items.append(value)
            if value is _DEFERRED:
                deferred.append((items, index, item))
        return items
    # A collection with an explicit tag (!!set, !!omap, ...): PyYAML builds it after the
    # walk; its fields are still line-mapped and checked here, as before.
    seen_nodes.discard(id(node))
    _line_map(node, loc, lines, seen_nodes)
    return _DEFERRED


def _fmt_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


def _clean_loc(loc: tuple[Any, ...]) -> Loc:
    """Drop pydantic's union/validator tags (e.g. 'function-after[...]') from a location."""
    return tuple(p for p in loc if isinstance(p, int) or "[" not in str(p))


def spec_from_data(data: Any, *, source: str = "spec", lines: dict[Loc, int] | None = None) -> ProjectSpec:
    if not isinstance(data, dict):
        raise SpecError(f"{source}: the top level must be a mapping of spec fields")
    try:
        return ProjectSpec.model_validate(data)
    except ValidationError as exc:
        raise spec_error_from_validation(exc, source=source, lines=lines) from None


MAX_LISTED_PROBLEMS = 20


def spec_error_from_validation(
    exc: ValidationError, *, source: str = "spec", lines: dict[Loc, int] | None = None
) -> SpecError:
    """One line per problem, each with its own line number (``file: line N: field: what``,
    the form editors and terminals link to), in the file's order: fixing one problem at a
    time and re-running to find the next wastes the user's time. ``field`` and ``line``
    are the first's."""
    problems = [_problem(err, lines) for err in exc.errors()]
    # In the file's order (pydantic's is the model's), problems without a line last.
    problems.sort(key=lambda p: p[0] if p[0] is not None else float("inf"))
    shown = [
        f"{source}: line {line}: {field}: {message}" if line else f"{source}: {field}: {message}"
        for line, field, message in problems[:MAX_LISTED_PROBLEMS]
    ]
    if len(problems) > MAX_LISTED_PROBLEMS:
        shown.append(f"{source}: and {len(problems) - MAX_LISTED_PROBLEMS} more problems")
    line, field, _ = problems[0]
    return SpecError("\n".join(shown), field=field, line=line, problem_count=len(problems))


def _problem(err: ErrorDetails, lines: dict[Loc, int] | None) -> tuple[int | None, str, str]:
    """(line, dotted field, message in words) of one pydantic error."""
    loc = _clean_loc(err["loc"])
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown field (check the spelling; see the spec format in the README)"
    elif err["type"] == "missing":
        message = "is required"
    elif err["type"] == "string_pattern_mismatch" and "A-Za-z_" in str(err.get("ctx", {})):
        message = "must be an environment variable name: letters, digits and _, not starting with a digit"
    message = message.removeprefix("Value error, ")
    line = None
    if lines:
        probe = loc
        while probe and probe not in lines:
            probe = probe[:-1]
        line = lines.get(probe)
    return line, _fmt_loc(loc), message


def load_spec_text(text: str, *, source: str = "spec") -> ProjectSpec:
    if len(text) > MAX_SPEC_BYTES:
        raise _too_big(source)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError(f"{source}: the file is empty")
        lines: dict[Loc, int] = {}
        data = _construct(loader, node, lines)
    except SpecError as exc:
        if exc.message.startswith(f"{source}:"):
            raise
        raise SpecError(f"{source}: {exc}", field=exc.field, line=exc.line) from None
    except RecursionError:
        raise SpecError(f"{source}: the YAML is nested too deeply to be a project spec") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"line {line}: " if line else ""
        raise SpecError(f"{source}: {where}not valid YAML: {problem}", line=line) from None
    finally:
        loader.dispose()
    return spec_from_data(data, source=source, lines=lines)


def _too_big(source: str) -> SpecError:
    return SpecError(f"{source}: the file is larger than {MAX_SPEC_BYTES // (1024 * 1024)} MB")


def load_spec_file(path: Path) -> ProjectSpec:
    """Read at most ``MAX_SPEC_BYTES + 1`` bytes: ``/dev/zero`` or a FIFO is refused at the
    limit instead of being read until memory runs out."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a folder; give the spec's YAML file") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise _too_big(str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    return load_spec_text(text, source=str(path))


class _Dumper(yaml.SafeDumper):
    pass


# PyYAML folds these line breaks to a space when reading a plain or block scalar back;
# only a double-quoted scalar (which escapes them) round-trips them exactly.
_FRAGILE_BREAKS = ("\x85", "\u2028", "\u2029", "\r")


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(ch in value for ch in _FRAGILE_BREAKS):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def spec_to_data(spec: ProjectSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json", exclude_none=True)


def dump_spec(spec: ProjectSpec) -> str:
    return yaml.dump(
        spec_to_data(spec),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,
    )
