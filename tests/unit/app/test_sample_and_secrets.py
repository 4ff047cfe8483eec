"""The sample deploys as shipped, secret refusals name where to fix them, and the sample
imports from the installed package when there is no checkout."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml

from pixel_desktop import paths
from pixel_desktop.app import App
from pixel_desktop.cli.main import main
from pixel_desktop.deploy import config as cfg
from pixel_desktop.errors import DeployError, InputError
from pixel_desktop.spec import load_spec_file, spec_from_data
from pixel_desktop.spec.runtime import used_secret_env
from pixel_desktop.store.records import ProjectRecord

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"
ACME = ProjectRecord(1, "acme", "Acme", "Acme", "faq-assistant", "{}", secrets_key="acme.0f0f")


class _NoSecrets:
    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values = values or {}

    def get_project_secret(self, project: ProjectRecord, name: str) -> str | None:
        return self.values.get(name)


def _sample(**llm: object):
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    data["llm"] = {**data["llm"], **llm}
    return spec_from_data(data)


def test_the_sample_uses_no_secret_because_its_llm_provider_is_none() -> None:
    spec = load_spec_file(SAMPLE)
    assert spec.llm.provider == "none" and "LLM_API_KEY" in spec.deployment.secret_env
    assert used_secret_env(spec) == frozenset()
    assert used_secret_env(_sample(provider="openai-compatible")) == {"LLM_API_KEY"}


def test_the_sample_deploys_without_its_secret_and_says_so_as_a_warning() -> None:
    runtime = cfg.runtime_config(ACME, load_spec_file(SAMPLE), _NoSecrets())

    assert "LLM_API_KEY" not in runtime.env
    assert runtime.snapshot["secret_env_unset"] == ["LLM_API_KEY"]
    (warning,) = runtime.warnings
    assert "LLM_API_KEY" in warning and "does not read it" in warning
    assert "Editor › Deployment › Set value in keyring…" in warning
    assert "pixel projects secret set acme LLM_API_KEY" in warning


def test_a_missing_secret_the_service_reads_is_refused_naming_the_gui_control_and_the_cli_command() -> None:
    with pytest.raises(DeployError) as err:
        cfg.runtime_config(ACME, _sample(provider="openai-compatible"), _NoSecrets())
    text = str(err.value)
    assert "LLM_API_KEY" in text and "llm.provider is openai-compatible" in text
    assert "Editor › Deployment › Set value in keyring…" in text
    assert "`pixel projects secret set acme LLM_API_KEY`" in text
    assert "project settings" not in text


def test_a_set_secret_reaches_the_env_even_when_the_service_does_not_read_it() -> None:
    runtime = cfg.runtime_config(ACME, load_spec_file(SAMPLE), _NoSecrets({"LLM_API_KEY": "sk-1"}))
    assert runtime.env["LLM_API_KEY"] == "sk-1" and runtime.warnings == ()
    assert "secret_env_unset" not in runtime.snapshot


# ---------------------------------------------------------------- the sample, installed
@pytest.fixture
def installed_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package as a wheel lays it out: pixel_desktop/_data/{examples,build-templates},
    and no checkout above it. The packaged sample is marked so a test can tell it apart."""
    package = tmp_path / "site-packages" / "pixel_desktop"
    data = package / "_data"
    (data / "examples").mkdir(parents=True)
    spec = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    spec["client"] = "Acme Corp (packaged)"
    (data / "examples" / "acme-support.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    shutil.copytree(paths.templates_root(), data / "build-templates")
    monkeypatch.setattr(paths, "_PACKAGE_DIR", package)
    monkeypatch.delenv("PIXEL_TEMPLATES_DIR", raising=False)
    assert not (package.parent / "examples").exists()  # no checkout to fall back on
    return data


def test_import_sample_uses_the_copy_packaged_in_the_wheel(installed_layout: Path, app: App) -> None:
    assert paths.sample_spec_file() == installed_layout / "examples" / "acme-support.yaml"

    record = app.projects.import_sample()

    assert record.slug == "acme-support-bot" and record.client == "Acme Corp (packaged)"


def test_pixel_projects_import_sample_works_outside_a_checkout(
    installed_layout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--store", store, "db", "init"]) == 0
    capsys.readouterr()

    assert main(["--store", store, "projects", "import", "--sample"]) == 0
    assert capsys.readouterr().out.strip() == "acme-support-bot"
    assert main(["--store", store, "projects", "show", "acme-support-bot", "--json"]) == 0
    assert '"client": "Acme Corp (packaged)"' in capsys.readouterr().out


def test_import_needs_a_file_or_sample_and_not_both(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--store", store, "projects", "import"]) == InputError.exit_code
    assert "--sample" in capsys.readouterr().err
    assert main(["--store", store, "projects", "import", str(SAMPLE), "--sample"]) == InputError.exit_code
    assert "not both" in capsys.readouterr().err


# ---------------------------------------------------------------- pixel projects secret set
def test_secret_set_reads_the_value_from_stdin_into_the_keyring(
    app: App, keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from pixel_desktop.cli import project_secrets

    record = app.projects.import_sample()
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-from-stdin\n"))
    args = argparse.Namespace(slug=record.slug, name="LLM_API_KEY")

    assert project_secrets.cmd_set(args, app) == 0

    assert app.projects.has_secret(record, "LLM_API_KEY")
    assert "sk-from-stdin" in keyring.values.values()
    assert "sk-from-stdin" not in capsys.readouterr().err


def test_secret_set_refuses_a_name_the_spec_does_not_declare(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from pixel_desktop.cli import project_secrets

    record = app.projects.import_sample()
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    with pytest.raises(InputError, match=r"OTHER is not a secret env name.*LLM_API_KEY"):
        project_secrets.cmd_set(argparse.Namespace(slug=record.slug, name="OTHER"), app)


def test_secret_set_takes_no_value_on_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    with pytest.raises(SystemExit) as exited:
        main(["--store", store, "projects", "secret", "set", "acme-support-bot", "LLM_API_KEY", "sk-oops"])
    assert exited.value.code == 2 and "unrecognized arguments: sk-oops" in capsys.readouterr().err


def test_secret_unset_removes_the_value_and_says_when_there_was_none(
    app: App, keyring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from pixel_desktop.cli import project_secrets

    record = app.projects.import_sample()
    app.projects.set_secret(record, "LLM_API_KEY", "sk-old")
    args = argparse.Namespace(slug=record.slug, name="LLM_API_KEY")

    assert project_secrets.cmd_unset(args, app) == 0
    assert not app.projects.has_secret(record, "LLM_API_KEY") and "sk-old" not in keyring.values.values()
    assert "Removed the value of LLM_API_KEY" in capsys.readouterr().err
    assert project_secrets.cmd_unset(args, app) == 0
    assert "had no value for LLM_API_KEY" in capsys.readouterr().err


def test_secret_list_says_which_secret_the_service_reads(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from pixel_desktop.cli import project_secrets

    record = app.projects.import_sample()
    assert project_secrets.cmd_list(argparse.Namespace(slug=record.slug, json=True), app) == 0
    assert '"read_by_service": false' in capsys.readouterr().out


def test_the_container_test_warns_only_about_secrets_the_service_reads() -> None:
    from pixel_desktop.build.tester import runtime_env

    logged: list[str] = []
    env, _ = runtime_env(ACME, load_spec_file(SAMPLE), _NoSecrets(), on_log=logged.append)
    assert "LLM_API_KEY" not in env
    assert logged == ["secret env LLM_API_KEY is not set (the service does not read it: llm.provider is none)"]

    logged.clear()
    runtime_env(ACME, _sample(provider="openai-compatible"), _NoSecrets(), on_log=logged.append)
    assert logged == ["secret env LLM_API_KEY is not set in the keyring; running without it"]
