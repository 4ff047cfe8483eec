"""Template set discovery and manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.codegen import (
    TemplateError,
    get_template_set,
    list_template_sets,
    render_project,
)
from pixel_desktop.errors import NotFoundError


def test_bundled_sets_are_faq_and_llm_assistant_sharing_common_layer():
    sets = {s.name: s for s in list_template_sets()}
    assert set(sets) == {"faq-assistant", "llm-assistant"}
    assert sets["faq-assistant"].mode == "offline"
    assert sets["llm-assistant"].mode == "llm"
    for tset in sets.values():
        assert tset.layers[0].name == "_common"
        assert tset.description
        assert "SYSTEM_PROMPT" in tset.variables
        assert all("==" in r for r in tset.requirements)


def test_unknown_set_names_the_available_ones():
    with pytest.raises(NotFoundError, match="faq-assistant, llm-assistant"):
        get_template_set("chatgpt-clone")


def _write_set(root: Path, name: str, manifest: str, files: dict[str, str]) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(manifest, encoding="utf-8")
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")


def test_set_files_override_shared_files_with_the_same_path(tmp_path, acme_spec):
    _write_set(tmp_path, "_shared", "requirements: [fastapi==0.165.0]\n", {"a.txt": "shared\n", "b.txt": "shared\n"})
    _write_set(tmp_path, "mine", "name: mine\ndescription: d\ninclude: [_shared]\n", {"b.txt": "mine\n", "c.py.j2": "X = {{ name | pyliteral }}\n"})
    tset = get_template_set("mine", tmp_path)
    files = {f.path: f.content for f in render_project(acme_spec, tset)}
    assert files == {"a.txt": b"shared\n", "b.txt": b"mine\n", "c.py": b"X = 'Acme Support Bot'\n"}


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("name: other\n", "must equal the folder name"),
        ("name: bad\nmode: magic\n", "mode"),
        ("name: bad\ninclude: [../etc]\n", "shared folder name"),
        ("name: bad\ninclude: [_missing]\n", "does not exist"),
        ("name: bad\nvariables: notalist\n", "variables"),
        ("- just\n- a list\n", "must be a mapping"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_broken_manifest_is_reported_with_file_and_problem(tmp_path, manifest, message):
    _write_set(tmp_path, "bad", manifest, {})
    with pytest.raises(TemplateError, match=message):
        list_template_sets(tmp_path)


def test_template_using_an_undefined_variable_fails_instead_of_rendering_blank(tmp_path, acme_spec):
    _write_set(tmp_path, "strict", "name: strict\n", {"x.txt.j2": "{{ no_such_variable }}\n"})
    with pytest.raises(TemplateError, match="no_such_variable"):
        render_project(acme_spec, get_template_set("strict", tmp_path))


def test_unknown_builder_is_an_error(tmp_path, acme_spec):
    _write_set(tmp_path, "gen", "name: gen\ngenerated: {out.json: nope}\n", {})
    with pytest.raises(TemplateError, match="unknown builder 'nope'"):
        render_project(acme_spec, get_template_set("gen", tmp_path))
