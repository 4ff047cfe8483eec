"""`pixel doctor`: is this machine ready to build, push and deploy, and to demo offline?

Why one report: a solution engineer finds out on a customer's Wi-Fi that the base image was
never pulled or the wheelhouse is cold; each of those fails a build minutes in, far from the
cause. The doctor asks each service once (Docker daemon, base image, wheelhouse, keyring,
every registry, every project's secrets) and says, per failure, how to fix it, and which of
them an offline demo needs.

The checks run against :class:`DoctorProbes`, so the verdicts and fixes are tested with
fakes; :class:`LiveProbes` asks the real services.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol

from pixel_desktop.errors import PixelError

if TYPE_CHECKING:
    from pixel_desktop.app import App
    from pixel_desktop.app.projects import Projects
    from pixel_desktop.docker.client import DockerClient
    from pixel_desktop.spec import ProjectSpec
    from pixel_desktop.store.records import ProjectRecord

__all__ = [
    "DoctorCheck",
    "DoctorProbes",
    "DoctorReport",
    "LiveProbes",
    "SecretState",
    "diagnose",
    "run_checks",
    "secret_states",
]


@dataclass(frozen=True, slots=True)
class DoctorCheck:
    area: str  # docker | base_image | wheelhouse | keyring | registry | secrets
    subject: str  # what was checked: a host, an image, a registry name, a project slug
    ok: bool
    detail: str  # what was found, one sentence
    fix: str = ""  # what to do when not ok
    offline_demo: bool = False  # an offline demo needs this one


@dataclass(frozen=True, slots=True)
class DoctorReport:
    checks: tuple[DoctorCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def missing_for_offline_demo(self) -> list[DoctorCheck]:
        return [c for c in self.checks if c.offline_demo and not c.ok]

    def as_data(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "offline_demo_ready": not self.missing_for_offline_demo,
            "checks": [asdict(c) for c in self.checks],
        }


@dataclass(frozen=True, slots=True)
class SecretState:
    name: str
    is_set: bool | None  # None: the keyring could not be asked
    used: bool  # the generated service reads it (a deploy refuses without it)


class DoctorProbes(Protocol):
    """What the doctor asks; each answer is a fact, a failure is a PixelError."""

    def daemon(self) -> str: ...  # "Docker 27.5 · linux/x86_64 · unix://..."

    def base_image(self) -> str: ...  # the image builds start from

    def image_present(self, ref: str) -> bool: ...

    def specs_to_warm(self) -> list[tuple[str, ProjectSpec]]: ...  # (label, spec) per wheel set

    def wheelhouse_warm(self, spec: ProjectSpec) -> bool: ...

    def keyring(self) -> str: ...  # the backend's name

    def registries(self) -> list[str]: ...

    def registry_check(self, name: str) -> tuple[bool, str]: ...  # (ok, one-sentence verdict)

    def projects(self) -> list[ProjectRecord]: ...

    def secret_states(self, project: ProjectRecord) -> list[SecretState]: ...


def run_checks(probes: DoctorProbes) -> DoctorReport:
    checks: list[DoctorCheck] = []
    daemon_ok = _check_daemon(probes, checks)
    if daemon_ok:
        _check_base_image(probes, checks)
    else:
        checks.append(DoctorCheck(
            "base_image", "", False, "not checked: the Docker daemon does not answer.",
            "Fix the Docker daemon first, then run pixel doctor again.", offline_demo=True,
        ))
    _check_wheelhouse(probes, checks, daemon_ok)
    keyring_ok = _check_keyring(probes, checks)
    _check_registries(probes, checks)
    _check_secrets(probes, checks, keyring_ok)
    return DoctorReport(tuple(checks))


def _check_daemon(probes: DoctorProbes, checks: list[DoctorCheck]) -> bool:
    try:
        text = probes.daemon()
    except PixelError as exc:
        checks.append(DoctorCheck(
            "docker", "daemon", False, str(exc),
            "Start Docker, or set the Docker host in Settings › General › Docker host (or DOCKER_HOST).",
            offline_demo=True,
        ))
        return False
    checks.append(DoctorCheck("docker", "daemon", True, text, offline_demo=True))
    return True


def _check_base_image(probes: DoctorProbes, checks: list[DoctorCheck]) -> None:
    try:
        ref = probes.base_image()
        present = probes.image_present(ref)
    except PixelError as exc:
        checks.append(DoctorCheck("base_image", "", False, str(exc), offline_demo=True))
        return
    if present:
        checks.append(DoctorCheck("base_image", ref, True, f"{ref} is on the daemon.", offline_demo=True))
    else:
        checks.append(DoctorCheck(
            "base_image", ref, False, f"{ref} is not on the daemon; a build would pull it.",
            f"While online: docker pull {ref}. With no registry at hand: make one with "
            "scripts/make-local-base-image.sh (Debian's debootstrap, as root) and set it in "
            "Settings › General › Default base image (or PIXEL_BASE_IMAGE).",
            offline_demo=True,
        ))


def _check_wheelhouse(probes: DoctorProbes, checks: list[DoctorCheck], daemon_ok: bool) -> None:
    try:
        specs = probes.specs_to_warm()
    except PixelError as exc:
        checks.append(DoctorCheck("wheelhouse", "", False, str(exc), offline_demo=True))
        return
    for label, spec in specs:
        if not daemon_ok:
            checks.append(DoctorCheck(
                "wheelhouse", label, False, "not checked: the Docker daemon does not answer.",
                "Fix the Docker daemon first, then run pixel doctor again.", offline_demo=True,
            ))
            continue
        try:
            warm = probes.wheelhouse_warm(spec)
        except PixelError as exc:
            checks.append(DoctorCheck("wheelhouse", label, False, str(exc), offline_demo=True))
            continue
        if warm:
            checks.append(DoctorCheck(
                "wheelhouse", label, True, "the wheels its build installs are cached.", offline_demo=True,
            ))
        else:
            checks.append(DoctorCheck(
                "wheelhouse", label, False,
                "the wheels its build installs are not cached; a build would download them.",
                f"While online, build it once: pixel build {spec.project_slug}", offline_demo=True,
            ))


def _check_keyring(probes: DoctorProbes, checks: list[DoctorCheck]) -> bool:
    try:
        backend = probes.keyring()
    except PixelError as exc:
        checks.append(DoctorCheck(
            "keyring", "", False, str(exc),
            "Unlock or start the OS keyring (Secret Service, macOS Keychain, Windows Credential "
            "Locker); registry passwords and project secrets live there.",
        ))
        return False
    checks.append(DoctorCheck("keyring", backend, True, f"the OS keyring answers ({backend})."))
    return True


def _check_registries(probes: DoctorProbes, checks: list[DoctorCheck]) -> None:
    for name in probes.registries():
        try:
            ok, verdict = probes.registry_check(name)
        except PixelError as exc:
            ok, verdict = False, str(exc)
        checks.append(DoctorCheck(
            "registry", name, ok, verdict,
            "" if ok else f"Fix the login in Settings › Registries, or: pixel registries check {name}",
        ))


def _check_secrets(probes: DoctorProbes, checks: list[DoctorCheck], keyring_ok: bool) -> None:
    from pixel_desktop.deploy.config import GUI_SECRET_CONTROL, cli_secret_command

    try:
        projects = probes.projects()
    except PixelError as exc:
        checks.append(DoctorCheck(
            "secrets", "", False, f"not checked: the project store cannot be read ({exc}).",
            "Check the store in Settings › General › Store URL (or PIXEL_STORE_URL / --store).",
        ))
        return
    for project in projects:
        states = probes.secret_states(project) if keyring_ok else []
        needed = [s.name for s in states if s.used and not s.is_set]
        unread = [s.name for s in states if not s.used and not s.is_set]
        if needed:
            commands = "; ".join(cli_secret_command(project.slug, n) for n in needed)
            checks.append(DoctorCheck(
                "secrets", project.slug, False,
                f"{', '.join(needed)} not set, and the service reads it: a deploy is refused.",
                f"Set it in {GUI_SECRET_CONTROL}, or: {commands}",
            ))
        elif states:
            note = f" ({', '.join(unread)} unset, not read by the service)" if unread else ""
            checks.append(DoctorCheck(
                "secrets", project.slug, True, f"every secret the service reads is set{note}.",
            ))


# ---------------------------------------------------------------- the real services
def secret_states(projects: Projects, record: ProjectRecord) -> list[SecretState]:
    """Each declared secret env name: whether it has a value and whether the service reads it."""
    from pixel_desktop.spec.runtime import used_secret_env

    spec = record.spec
    used = used_secret_env(spec)
    return [
        SecretState(name, projects.has_secret(record, name), name in used)
        for name in spec.deployment.secret_env
    ]


def _wheel_set_key(spec: ProjectSpec) -> tuple[object, ...]:
    """Projects with the same key install the same wheels: one check covers them."""
    dep = spec.deployment
    return (spec.template, spec.retrieval, tuple(dep.dependencies), dep.base_image)


class LiveProbes:
    """The doctor's questions asked of the app's real services."""

    def __init__(self, app: App) -> None:
        self._app = app

    def _docker(self) -> DockerClient:
        from pixel_desktop.docker.client import DockerClient

        return DockerClient(self._app.context.settings.effective_docker_host())

    def daemon(self) -> str:
        state = self._app.settings.daemon_state()
        if not state.ok:
            raise PixelError(state.text)
        return state.text

    def base_image(self) -> str:
        return self._app.context.settings.effective_base_image()

    def image_present(self, ref: str) -> bool:
        with self._docker() as docker:
            return docker.image_exists(ref)

    def specs_to_warm(self) -> list[tuple[str, ProjectSpec]]:
        records = self._app.projects.list()
        if not records:  # an empty store: the demo would start from the sample
            from pixel_desktop import paths
            from pixel_desktop.spec import load_spec_file

            sample = load_spec_file(paths.sample_spec_file())
            return [(f"{sample.project_slug} (the sample)", sample)]
        seen: dict[tuple[object, ...], tuple[str, ProjectSpec]] = {}
        for record in records:
            seen.setdefault(_wheel_set_key(record.spec), (record.slug, record.spec))
        return list(seen.values())

    def wheelhouse_warm(self, spec: ProjectSpec) -> bool:
        from pixel_desktop import codegen
        from pixel_desktop.build import wheelhouse

        base = spec.deployment.base_image or self.base_image()
        files = codegen.render_project(spec, spec.template, base_image=base, project_id=None)
        requirements = codegen.requirements_for(files)
        with self._docker() as docker:
            if not docker.image_exists(base):
                raise PixelError(f"not checked: base image {base} is not on the daemon.")
            target = wheelhouse.probe_target(docker, base)
        return wheelhouse.is_warm(requirements, target)

    def keyring(self) -> str:
        backend = self._app.secrets().backend
        kind = type(backend)
        return f"{kind.__module__.removeprefix('keyring.backends.')}.{kind.__qualname__}"

    def registries(self) -> list[str]:
        return [r.name for r in self._app.registries.list()]

    def registry_check(self, name: str) -> tuple[bool, str]:
        result = self._app.registries.check(name)
        return result.ok, result.verdict

    def projects(self) -> list[ProjectRecord]:
        return self._app.projects.list()

    def secret_states(self, project: ProjectRecord) -> list[SecretState]:
        return secret_states(self._app.projects, project)


def diagnose(app: App) -> DoctorReport:
    return run_checks(LiveProbes(app))

