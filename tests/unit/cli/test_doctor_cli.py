"""`pixel doctor` verdicts and fixes (fake probes), its exit code and JSON, and
`pixel completion` (the shtab script over the real parser)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from pixel_desktop.app.doctor import DoctorReport, SecretState, run_checks
from pixel_desktop.cli import doctor as doctor_cli
from pixel_desktop.cli.main import main
from pixel_desktop.errors import PixelError
from pixel_desktop.spec import load_spec_file
from pixel_desktop.store.records import ProjectRecord

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"
ACME = ProjectRecord(1, "acme", "Acme", "Acme", "faq-assistant", "{}", secrets_key="acme.0f0f")


class FakeProbes:
    """Everything fine unless a test says otherwise."""

    def __init__(self) -> None:
        self.daemon_error: str | None = None
        self.image_here = True
        self.warm = True
        self.keyring_error: str | None = None
        self.registry_results = {"team": (True, "OK: logged in to reg:5000 and allowed to push.")}
        self.secrets = [SecretState("LLM_API_KEY", False, False)]
        self.warm_asked = 0

    def daemon(self) -> str:
        if self.daemon_error:
            raise PixelError(self.daemon_error)
        return "Docker 27.5 · linux/x86_64 · unix:///var/run/docker.sock"

    def base_image(self) -> str:
        return "python:3.12-slim"

    def image_present(self, ref: str) -> bool:
        return self.image_here

    def specs_to_warm(self):
        return [("acme", load_spec_file(SAMPLE))]

    def wheelhouse_warm(self, spec) -> bool:
        self.warm_asked += 1
        return self.warm

    def keyring(self) -> str:
        if self.keyring_error:
            raise PixelError(self.keyring_error)
        return "SecretService.Keyring"

    def registries(self) -> list[str]:
        return list(self.registry_results)

    def registry_check(self, name: str) -> tuple[bool, str]:
        return self.registry_results[name]

    def projects(self) -> list[ProjectRecord]:
        return [ACME]

    def secret_states(self, project: ProjectRecord) -> list[SecretState]:
        return self.secrets


def _by_area(report: DoctorReport, area: str):
    return [c for c in report.checks if c.area == area]


def test_all_fine_is_ok_and_ready_for_an_offline_demo() -> None:
    report = run_checks(FakeProbes())
    assert report.ok and report.missing_for_offline_demo == []
    assert {c.area for c in report.checks} == {
        "docker", "base_image", "wheelhouse", "keyring", "registry", "secrets"
    }
    (secrets,) = _by_area(report, "secrets")
    assert secrets.ok and "LLM_API_KEY unset, not read by the service" in secrets.detail


def test_a_missing_base_image_and_cold_wheels_are_what_an_offline_demo_lacks() -> None:
    probes = FakeProbes()
    probes.image_here, probes.warm = False, False
    report = run_checks(probes)
    assert not report.ok
    missing = report.missing_for_offline_demo
    assert [c.area for c in missing] == ["base_image", "wheelhouse"]
    assert missing[0].fix.startswith("While online: docker pull python:3.12-slim. ")
    assert "scripts/make-local-base-image.sh" in missing[0].fix and "PIXEL_BASE_IMAGE" in missing[0].fix
    assert missing[1].fix == "While online, build it once: pixel build acme-support-bot"


def test_a_dead_daemon_skips_what_needs_it_and_says_how_to_fix_it() -> None:
    probes = FakeProbes()
    probes.daemon_error = "Cannot reach the Docker daemon at unix:///var/run/docker.sock."
    report = run_checks(probes)
    (docker,) = _by_area(report, "docker")
    assert not docker.ok and "Settings › General › Docker host" in docker.fix
    assert probes.warm_asked == 0
    assert all(not c.ok and "not checked" in c.detail for c in _by_area(report, "wheelhouse"))


def test_a_failed_registry_login_fails_the_doctor_but_not_the_offline_demo() -> None:
    probes = FakeProbes()
    probes.registry_results["team"] = (False, "Registry reg:5000 rejected user ci (unauthorized).")
    report = run_checks(probes)
    (reg,) = _by_area(report, "registry")
    assert not reg.ok and "pixel registries check team" in reg.fix
    assert not report.ok and report.missing_for_offline_demo == []


def test_a_secret_the_service_reads_unset_names_the_control_and_the_command() -> None:
    probes = FakeProbes()
    probes.secrets = [SecretState("LLM_API_KEY", False, True)]
    (secrets,) = _by_area(run_checks(probes), "secrets")
    assert not secrets.ok
    assert "Editor › Deployment › Set value in keyring…" in secrets.fix
    assert "pixel projects secret set acme LLM_API_KEY" in secrets.fix


def test_a_locked_keyring_is_reported_and_secrets_are_not_asked() -> None:
    probes = FakeProbes()
    probes.keyring_error = "No usable OS keyring was found."
    report = run_checks(probes)
    (keyring,) = _by_area(report, "keyring")
    assert not keyring.ok and "Unlock or start the OS keyring" in keyring.fix
    assert _by_area(report, "secrets") == []


def test_an_unreadable_store_is_one_failed_check_not_a_crash() -> None:
    probes = FakeProbes()

    def broken() -> list[ProjectRecord]:
        raise PixelError("Cannot open the store at postgresql://db/pixel.")

    probes.projects = broken  # type: ignore[method-assign]
    (secrets,) = _by_area(run_checks(probes), "secrets")
    assert not secrets.ok and "cannot be read" in secrets.detail and "Settings › General › Store URL" in secrets.fix


def test_pixel_doctor_exits_1_when_something_is_missing_and_0_when_all_is_fine(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    probes = FakeProbes()
    monkeypatch.setattr(doctor_cli, "diagnose", lambda app: run_checks(probes))
    args = argparse.Namespace(json=False)
    assert doctor_cli.cmd_doctor(args, app=None) == 0  # type: ignore[arg-type]
    assert "Offline demo: ready" in capsys.readouterr().out

    probes.warm = False
    assert doctor_cli.cmd_doctor(args, app=None) == 1  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "FAIL wheelhouse acme" in out and "fix: While online, build it once" in out
    assert "Offline demo: not ready, missing wheelhouse acme." in out

    assert doctor_cli.cmd_doctor(argparse.Namespace(json=True), app=None) == 1  # type: ignore[arg-type]
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["offline_demo_ready"] is False
    assert {"area", "subject", "ok", "detail", "fix", "offline_demo"} <= set(data["checks"][0])


def test_pixel_doctor_is_a_registered_command() -> None:
    from pixel_desktop.cli.main import build_parser

    args = build_parser(["doctor", "--json"]).parse_args(["doctor", "--json"])
    assert args.func is doctor_cli.cmd_doctor and args.json


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_pixel_completion_prints_a_script_with_every_subcommand(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for command in ("projects", "build", "builds", "deploy", "registries", "doctor", "completion"):
        assert command in script
    assert "rename" in script and "--sample" in script  # nested subcommands and options too
    if shell == "bash":
        assert "complete" in script and "_shtab_pixel" in script
