"""The PyInstaller bundle runs the whole flow, and its tarball installs into ~/.local.

Everything here runs the *frozen* executables (dist/pixel-desktop/pixel and pixel-desktop)
as a user would, never the package from the venv: that is what catches a migration, a keyring
backend, a Qt plugin or a psycopg library that PyInstaller left behind. The module builds the
bundle itself (``bash packaging/build.sh``) when dist/ is missing or was built from different
sources (packaging/inputs_hash.py), so `make test` and CI always test the current code; that
build takes ~2 min on 2 cores.
"""

from __future__ import annotations

import configparser
import fcntl
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pixel_desktop import __version__

ROOT = Path(__file__).resolve().parents[3]
DIST = ROOT / "dist"
BUNDLE = DIST / "pixel-desktop"
STAMP = DIST / "pixel-desktop.inputs"
BUILD_TIMEOUT_S = 1800
RUN_TIMEOUT_S = 120  # hard ceiling for one CLI call: catches a hang, not a slow machine
BUILD_RUN_TIMEOUT_S = 1500  # `pixel build`: cold wheelhouse download + docker build + test
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(BUILD_TIMEOUT_S + BUILD_RUN_TIMEOUT_S)]


@dataclass(frozen=True)
class Bundle:
    root: Path
    pixel: Path
    desktop: Path
    tarball: Path

    @property
    def data(self) -> Path:
        """Where the frozen app's sys._MEIPASS points (templates, examples, resources)."""
        return self.root / "_internal"


def _inputs_hash() -> str:
    spec = importlib.util.spec_from_file_location(
        "pixel_inputs_hash", ROOT / "packaging" / "inputs_hash.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.inputs_hash(ROOT)


def _tarball() -> Path:
    arch = os.uname().machine
    return DIST / f"pixel-desktop-{__version__}-linux-{arch}.tar.gz"


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    """The current bundle: reuse dist/ when its inputs fingerprint matches, else build it."""
    DIST.mkdir(exist_ok=True)
    with open(DIST / ".build.lock", "w") as lock:  # two test runs in one tree build once
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = _inputs_hash()
        recorded = STAMP.read_text().strip() if STAMP.is_file() else ""
        complete = all(
            p.is_file() for p in (BUNDLE / "pixel", BUNDLE / "pixel-desktop", _tarball())
        )
        if recorded != current or not complete:
            proc = subprocess.run(
                ["bash", str(ROOT / "packaging" / "build.sh"), sys.prefix],
                cwd=ROOT,
                env={**os.environ, "PIXEL_PACKAGING_LOCK_HELD": "1"},
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT_S,
                check=False,
            )
            assert proc.returncode == 0, (
                f"packaging/build.sh failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
            )
    return Bundle(BUNDLE, BUNDLE / "pixel", BUNDLE / "pixel-desktop", _tarball())


def bundle_env(**extra: str) -> dict[str, str]:
    """The test's env (PIXEL_HOME, services) minus anything that could lend the bundle a Python."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env.update(extra)
    return env


def run(
    cmd: list[str | Path], *, timeout: float = RUN_TIMEOUT_S, **kw
) -> subprocess.CompletedProcess[str]:
    kw.setdefault("env", bundle_env())
    proc = subprocess.run(
        [str(c) for c in cmd],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=kw.pop("cwd", None),
        **kw,
    )
    return proc


def ok(cmd: list[str | Path], **kw) -> subprocess.CompletedProcess[str]:
    proc = run(cmd, **kw)
    assert proc.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------------------- CLI


def test_frozen_cli_reports_the_packaged_version(bundle: Bundle) -> None:
    started = time.perf_counter()
    proc = ok([bundle.pixel, "--version"])
    elapsed = time.perf_counter() - started
    assert proc.stdout.strip() == f"pixel {__version__}"
    print(
        f"\ncold start `pixel --version`: {elapsed:.2f} s; bundle {_du(bundle.root) / 1e6:.0f} MB"
    )


def test_both_executables_share_one_internal_folder_with_the_app_data(bundle: Bundle) -> None:
    assert sorted(p.name for p in bundle.root.iterdir()) == ["_internal", "pixel", "pixel-desktop"]
    data = bundle.data
    assert (data / "examples" / "acme-support.yaml").is_file()
    assert any((data / "build-templates").iterdir()), "no template sets in the bundle"
    assert (data / "resources" / "pixel-desktop.desktop").is_file()
    assert (data / "pixel_desktop" / "store" / "migrations" / "env.py").is_file()
    assert list((data / "pixel_desktop" / "store" / "migrations" / "versions").glob("*.py"))
    plugins = data / "PySide6" / "Qt" / "plugins" / "platforms"
    assert {"libqoffscreen.so", "libqxcb.so"} <= {p.name for p in plugins.iterdir()}
    assert not (data / "tkinter").exists() and not list(data.glob("lib-dynload/_tkinter*"))


def test_frozen_cli_migrates_a_fresh_sqlite_store_and_imports_the_bundled_sample(
    bundle: Bundle, pixel_home: Path
) -> None:
    assert not (pixel_home / "pixel.db").exists()
    proc = ok([bundle.pixel, "db", "upgrade"])
    assert "latest schema revision" in proc.stdout
    assert (pixel_home / "pixel.db").is_file()
    ok([bundle.pixel, "projects", "import", bundle.data / "examples" / "acme-support.yaml"])
    listed = json.loads(ok([bundle.pixel, "projects", "list", "--json"]).stdout)
    assert [p["slug"] for p in listed] == ["acme-support-bot"]


def test_frozen_cli_runs_on_a_postgresql_store(bundle: Bundle, pg_url: str) -> None:
    import sqlalchemy as sa

    name = f"pixel_pkg_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    try:
        ok([bundle.pixel, "--store", url, "db", "upgrade"])
        ok(
            [
                bundle.pixel,
                "--store",
                url,
                "projects",
                "import",
                bundle.data / "examples" / "acme-support.yaml",
            ]
        )
        assert "PostgreSQL" in ok([bundle.pixel, "--store", url, "db", "info"]).stdout
        listed = json.loads(ok([bundle.pixel, "--store", url, "projects", "list", "--json"]).stdout)
        assert [p["slug"] for p in listed] == ["acme-support-bot"]
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.docker
def test_frozen_cli_builds_the_sample_against_the_real_daemon(
    bundle: Bundle, docker_host: str, base_image: str
) -> None:
    # As a user runs it: the first build starts the bundle's build server, the second
    # runs on it (the server is the frozen `pixel` itself, started with `build-server serve`).
    # LD_LIBRARY_PATH as many users have one: the server must start with the same
    # environment as the `pixel` that starts it (the bootloader rewrites this variable).
    env = bundle_env(
        DOCKER_HOST=docker_host, PIXEL_BASE_IMAGE=base_image, PIXEL_BUILD_SERVER="on",
        LD_LIBRARY_PATH="/nonexistent/pixel-test-lib",
    )
    ok(
        [bundle.pixel, "projects", "import", bundle.data / "examples" / "acme-support.yaml"],
        env=env,
    )
    try:
        proc = run(
            [bundle.pixel, "build", "acme-support-bot", "--json"], env=env, timeout=BUILD_RUN_TIMEOUT_S
        )
        assert proc.returncode == 0, (
            f"frozen build failed:\n{proc.stderr[-6000:]}\n{proc.stdout[-2000:]}"
        )
        result = json.loads(proc.stdout)
        assert result["status"] == "completed", result
        assert result["image_id"], result
        # The wheelhouse was filled by the bundle's own pip (`pixel -m pip download`).
        assert any((Path(env["PIXEL_HOME"]) / "wheelhouse").rglob("*.whl"))
        again = run(
            [bundle.pixel, "build", "acme-support-bot", "--json", "--no-test"], env=env,
            timeout=BUILD_RUN_TIMEOUT_S,
        )
        assert again.returncode == 0, again.stderr[-6000:]
        assert "build server did not start" not in proc.stderr + again.stderr
        second = json.loads(again.stdout)["build_id"]
        assert "takes this shell's builds" in ok([bundle.pixel, "build-server", "status"], env=env).stdout
        server_log = (Path(env["PIXEL_HOME"]) / "logs" / "build-server.log").read_text()
        assert f"build {second} of acme-support-bot: accepted for a client" in server_log
    finally:
        run([bundle.pixel, "build-server", "stop"], env=env)


@pytest.mark.keyring
@pytest.mark.registry
def test_frozen_app_uses_the_same_keyring_backend_as_the_unfrozen_one(
    bundle: Bundle, secret_service: object, registry
) -> None:
    from pixel_desktop.secrets import SecretStore

    # The unfrozen app, left to keyring's own entry-point discovery, picks the Secret Service.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import keyring; b = keyring.get_keyring(); print(type(b).__module__, type(b).__name__)",
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=True,
        env=bundle_env(),
    )
    assert probe.stdout.split() == ["keyring.backends.SecretService", "Keyring"], probe.stdout

    secrets = SecretStore()
    written_by_bundle = f"pkg-w-{uuid.uuid4().hex[:8]}"
    read_by_bundle = f"pkg-r-{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    try:
        # Frozen writes → unfrozen reads the very same item.
        ok(
            [bundle.pixel, "registries", "add", written_by_bundle, "--url", registry.address,
             "--username", "someone", "--password-stdin", "--insecure"],
            input=password + "\n",
        )  # fmt: skip
        assert secrets.get_registry_password(written_by_bundle, "someone") == password

        # Unfrozen writes → frozen reads it and logs in to the real registry with it.
        ok([bundle.pixel, "registries", "add", read_by_bundle, "--url", registry.address,
            "--username", registry.username, "--insecure"])  # fmt: skip
        secrets.set_registry_password(read_by_bundle, registry.username, registry.password)
        listed = json.loads(ok([bundle.pixel, "registries", "list", "--json"]).stdout)
        stored = {r["name"]: r["password_stored"] for r in listed}
        assert stored[read_by_bundle] is True and stored[written_by_bundle] is True
        ok([bundle.pixel, "registries", "check", read_by_bundle])
    finally:
        secrets.delete_registry_password(written_by_bundle, "someone")
        secrets.delete_registry_password(read_by_bundle, registry.username)


# ---------------------------------------------------------------------------- team mode


@pytest.mark.docker
@pytest.mark.postgres
def test_frozen_worker_runs_a_team_build_submitted_from_another_process(
    bundle: Bundle,
    tmp_path: Path,
    team_env: dict[str, str],
    start_worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from team_services import lexical_project, team_app

    slug = lexical_project(tmp_path, team_env, f"frozen-team-{uuid.uuid4().hex[:6]}")
    worker = start_worker("frozen", command=[str(bundle.pixel)], env=bundle_env())
    with team_app(team_env, monkeypatch) as app:
        ref = app.builds.submit(slug, run_tests=False)
        record = app.builds.wait(ref, timeout=BUILD_RUN_TIMEOUT_S)
    assert record.status == "completed", f"{record.error_message}\n{worker.log.read_text()[-3000:]}"
    assert record.runner_host == worker.node


@pytest.mark.keyring
def test_frozen_serve_wants_a_token_from_the_keyring_and_answers_with_it(
    bundle: Bundle, secret_service: object
) -> None:
    import httpx
    from serve_helpers import serving

    with serving(bundle_env(), command=[str(bundle.pixel)]) as (base, token):
        assert httpx.get(f"{base}/builds", timeout=10).status_code == 401
        answer = httpx.get(f"{base}/builds", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json() == []  # a fresh store: no build yet


# ---------------------------------------------------------------------------- GUI


def _screenshot(
    bundle: Bundle, out: Path, env: dict[str, str], wrapper: list[str] | None = None
) -> float:
    ok(
        [bundle.pixel, "projects", "import", bundle.data / "examples" / "acme-support.yaml"],
        env=env,
    )
    started = time.perf_counter()
    ok([*(wrapper or []), bundle.desktop, "--screenshot", out, "--size", "1200x800"], env=env)
    elapsed = time.perf_counter() - started
    assert png_size(out) == (1200, 800) or min(png_size(out)) >= 400, png_size(out)
    return elapsed


def test_frozen_gui_writes_an_offscreen_screenshot(bundle: Bundle, tmp_path: Path) -> None:
    out = tmp_path / "out.png"
    elapsed = _screenshot(bundle, out, bundle_env(QT_QPA_PLATFORM="offscreen"))
    print(
        f"\n`pixel-desktop --screenshot` (offscreen): {elapsed:.2f} s, {out.stat().st_size} bytes"
    )


def test_frozen_gui_loads_the_bundled_xcb_platform_under_xvfb(
    bundle: Bundle, tmp_path: Path
) -> None:
    xvfb_run = shutil.which("xvfb-run")
    assert xvfb_run, "xvfb-run is missing: `apt-get install xvfb` (a listed test dependency)."
    xcb = bundle.data / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    missing = [
        line.split()[0]
        for line in subprocess.run(
            ["ldd", str(xcb)], capture_output=True, text=True, check=True,
            env={**os.environ, "LD_LIBRARY_PATH": str(bundle.data)},
        ).stdout.splitlines()
        if "not found" in line
    ]  # fmt: skip
    assert not missing, (
        f"the bundled xcb platform plugin needs {missing}, which neither the bundle nor this machine "
        "has; install them on the build machine (apt-get install libxcb-icccm4 libxcb-keysyms1 "
        "libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxkbcommon-x11-0) and rebuild."
    )
    out = tmp_path / "xcb.png"
    env = bundle_env(QT_QPA_PLATFORM="xcb")
    _screenshot(bundle, out, env, wrapper=[xvfb_run, "-a", "-s", "-screen 0 1600x1000x24"])


# ---------------------------------------------------------------------------- tarball + install.sh


@pytest.fixture
def unpacked(bundle: Bundle, tmp_path: Path) -> Path:
    with tarfile.open(bundle.tarball) as tar:
        names = tar.getnames()
        top = {n.split("/", 1)[0] for n in names}
        assert top == {bundle.tarball.name.removesuffix(".tar.gz")}, top
        tar.extractall(tmp_path / "unpacked", filter="tar")
    root = tmp_path / "unpacked" / top.pop()
    assert os.access(root / "install.sh", os.X_OK)
    return root


@pytest.fixture(params=["home", "my home"], ids=["plain-home", "home-with-space"])
def fresh_home(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A HOME with nothing installed; one with a space checks the .desktop Exec quoting."""
    home = tmp_path / request.param
    home.mkdir()
    yield home


def install_env(home: Path) -> dict[str, str]:
    env = bundle_env(HOME=str(home), PATH=os.environ.get("PATH", "/usr/bin:/bin"))
    for name in ("PIXEL_INSTALL_PREFIX", "XDG_DATA_HOME"):
        env.pop(name, None)
    return env


def _assert_desktop_entry_valid(path: Path, app_dir: Path) -> None:
    validator = shutil.which("desktop-file-validate")
    if validator:
        proc = subprocess.run([validator, str(path)], capture_output=True, text=True, check=False)
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] and entry["Icon"] == "pixel-desktop"
    assert entry["Exec"] == f'"{app_dir / "pixel-desktop"}"'
    assert os.access(entry["TryExec"], os.X_OK)


def test_install_sh_installs_into_a_fresh_home_and_is_idempotent(
    unpacked: Path, fresh_home: Path
) -> None:
    env = install_env(fresh_home)
    data_dir = fresh_home / ".local" / "share" / "pixel-ai-creator"
    data_dir.mkdir(parents=True)
    (data_dir / "pixel.db").write_text("user data")

    first = ok([unpacked / "install.sh"], env=env, timeout=300)
    assert "uninstall" in first.stdout
    local = fresh_home / ".local"
    app_dir = local / "opt" / "pixel-desktop"
    for name in ("pixel", "pixel-desktop"):
        link = local / "bin" / name
        assert link.is_symlink() and link.resolve() == (app_dir / name).resolve()
    assert (
        ok([local / "bin" / "pixel", "--version"], env=env).stdout.strip() == f"pixel {__version__}"
    )

    desktop = local / "share" / "applications" / "pixel-desktop.desktop"
    _assert_desktop_entry_valid(desktop, app_dir)
    for size in ICON_SIZES:
        assert png_size(
            local / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "pixel-desktop.png"
        ) == (size, size)
    assert (
        local / "share" / "icons" / "hicolor" / "scalable" / "apps" / "pixel-desktop.svg"
    ).is_file()

    # Again (an upgrade or a repair): same result, no leftovers from the swap.
    ok([unpacked / "install.sh"], env=env, timeout=300)
    assert sorted(p.name for p in (local / "opt").iterdir()) == ["pixel-desktop"]
    assert ok([local / "bin" / "pixel-desktop", "--help"], env=env).returncode == 0
    _assert_desktop_entry_valid(desktop, app_dir)

    # The uninstaller kept inside the install removes the app and leaves user data alone.
    ok([app_dir / "install.sh", "--uninstall"], env=env)
    assert not app_dir.exists() and not desktop.exists()
    assert not (local / "bin" / "pixel").exists() and not (local / "bin" / "pixel").is_symlink()
    assert not list((local / "share" / "icons").rglob("pixel-desktop.*"))
    assert (data_dir / "pixel.db").read_text() == "user data"


def test_install_sh_refuses_to_replace_a_foreign_pixel_command(
    unpacked: Path, fresh_home: Path
) -> None:
    foreign = fresh_home / ".local" / "bin" / "pixel"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("#!/bin/sh\necho some other pixel\n")
    proc = run([unpacked / "install.sh"], env=install_env(fresh_home), timeout=300)
    assert proc.returncode != 0
    assert str(foreign) in proc.stderr and "not a Pixel launcher" in proc.stderr
    assert foreign.read_text().endswith("some other pixel\n")
    assert not (fresh_home / ".local" / "opt" / "pixel-desktop").exists()


def _du(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_symlink())
