"""`pixel` imports only what a command needs: `--version` nothing, `projects list` on a
current SQLite store neither SQLAlchemy nor pydantic; a command registers its own group.
(Import checks run in a fresh interpreter; no timing is asserted.)"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pixel_desktop.cli import main as cli_main

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"
HEAVY = ("sqlalchemy", "pydantic", "alembic", "keyring", "jinja2", "docker", "httpx")


def _run_in_fresh_interpreter(argv: list[str]) -> tuple[str, list[str]]:
    code = (
        "import json, sys\n"
        "from pixel_desktop.cli.main import main\n"
        f"code = main({argv!r})\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "app = sorted(m for m in sys.modules if m.startswith('pixel_desktop.app'))\n"
        "print(json.dumps({'code': code, 'heavy': heavy, 'app': app}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    lines = out.stdout.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["code"] == 0, out.stderr
    return "\n".join(lines[:-1]), [*report["heavy"], *report["app"]]


def test_version_answers_without_importing_any_command_group() -> None:
    printed, imported = _run_in_fresh_interpreter(["--version"])
    assert printed.startswith("pixel ")
    assert imported == []


def test_projects_list_on_a_current_sqlite_store_loads_neither_sqlalchemy_nor_pydantic() -> None:
    assert cli_main.main(["projects", "import", str(SAMPLE)]) == 0
    printed, imported = _run_in_fresh_interpreter(["projects", "list"])
    assert "acme-support-bot" in printed and "24" in printed.splitlines()[1].split()
    assert not [m for m in imported if m.split(".")[0] in HEAVY], imported


def test_projects_list_builds_none_of_the_store_records_or_cleanup_modules() -> None:
    """Those modules build frozen dataclasses at import; the list needs only its rows."""
    assert cli_main.main(["projects", "import", str(SAMPLE)]) == 0
    code = (
        "import json, sys\n"
        "from pixel_desktop.cli.main import main\n"
        "assert main(['projects', 'list']) == 0\n"
        "print(json.dumps(sorted(m for m in sys.modules if m in"
        " ('pixel_desktop.store.records', 'pixel_desktop.cleanup', 'tempfile'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_projects_list_on_a_store_behind_the_head_migrates_it_with_a_backup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from alembic import command
    from sqlalchemy.engine import make_url

    from pixel_desktop import paths
    from pixel_desktop.store.connection import create_store_engine
    from pixel_desktop.store.migrate import alembic_config, head_revision, migration_transaction

    engine = create_store_engine(make_url(paths.default_store_url()))
    try:
        with migration_transaction(engine) as conn:
            command.upgrade(alembic_config(conn), "0005")
    finally:
        engine.dispose()
    assert cli_main.main(["projects", "list"]) == 0
    assert "No projects yet" in capsys.readouterr().err
    backups = list(paths.backups_dir().iterdir())
    assert len(backups) == 1 and "rev0005" in backups[0].name
    import sqlite3

    with sqlite3.connect(paths.database_file()) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()


def test_a_command_registers_only_its_own_group_and_help_registers_all() -> None:
    def commands(parser: argparse.ArgumentParser) -> set[str]:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return set(sub.choices)

    assert commands(cli_main.build_parser(["--store", "sqlite:///x.db", "projects", "list"])) == {"projects"}
    assert commands(cli_main.build_parser(["build", "acme"])) == {"build", "builds"}
    everything = commands(cli_main.build_parser())
    assert commands(cli_main.build_parser(["--help"])) == everything
    assert commands(cli_main.build_parser(["no-such-command"])) == everything
    assert {"projects", "build", "deploy", "db"} <= everything


def test_every_registered_command_is_mapped_to_the_module_that_registers_it() -> None:
    for name in cli_main.COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        sub = argparse.ArgumentParser().add_subparsers()
        module.register(sub)
        for command in sub.choices:
            assert cli_main.COMMAND_NAMES.get(command) == name, (command, name)


def test_version_after_a_command_is_still_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main.main(["projects", "list", "--version"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --version" in capsys.readouterr().err
