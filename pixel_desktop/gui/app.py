"""``pixel-desktop``: start the GUI, or render a screenshot of it and exit.

``--screenshot FILE`` opens the main window on the current store, waits until the selected
project and tab have loaded (off-thread work included), grabs the window into a PNG and
exits 0 — used for the README and as a smoke test of the whole GUI in CI (offscreen).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixel_desktop.gui.services import Services

TABS = ("editor", "files", "builds", "deploy", "evaluate")
SCREENSHOT_TIMEOUT_S = 60.0
BUILD_SCREENSHOT_TIMEOUT_S = 1800.0
MAX_TIMER_S = (2**31 - 1) / 1000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="pixel-desktop",
        description="Pixel AI Creator desktop app. Without options it opens the main window.",
    )
    parser.add_argument("--store", metavar="URL", help="SQLAlchemy URL of the store (default: settings / PIXEL_STORE_URL)")
    parser.add_argument("--screenshot", metavar="FILE", type=Path, help="render the main window to a PNG and exit (gives up after 60 s, 30 min with --run-build; PIXEL_SCREENSHOT_TIMEOUT_S changes it)")
    parser.add_argument("--project", metavar="SLUG", help="project to select (default: the first one)")
    parser.add_argument("--tab", choices=TABS, default="editor", help="tab to show (default: editor)")
    parser.add_argument(
        "--section",
        choices=[key for key, _title, _icon in _sections()],
        help="editor section to show (default: general)",
    )
    parser.add_argument(
        "--run-build",
        action="store_true",
        help="with --screenshot: build the project first and capture the finished build (Builds tab, live charts)",
    )
    parser.add_argument(
        "--eval-csv",
        metavar="FILE",
        type=Path,
        help="with --screenshot: run these question,expected rows against the project's last build and capture the Evaluate tab",
    )
    parser.add_argument(
        "--try-question",
        metavar="TEXT",
        help="with --screenshot: open Try it on the project's newest completed build, ask TEXT and capture the answer",
    )
    parser.add_argument("--size", default="1400x900", help="window size for --screenshot, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    if args.run_build and not args.screenshot:
        parser.error("--run-build only makes sense with --screenshot")
    if args.try_question is not None and not args.screenshot:
        parser.error("--try-question only makes sense with --screenshot")
    if args.eval_csv is not None:
        if not args.screenshot:
            parser.error("--eval-csv only makes sense with --screenshot")
        args.tab = "evaluate"
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size!r}: use WIDTHxHEIGHT, e.g. 1400x900")
    args.size = (w, h)
    return args


def _sections() -> list[tuple[str, str, object]]:
    from pixel_desktop.gui.editor_sections import SECTIONS

    return list(SECTIONS)


def display_problem(env: Mapping[str, str], platform: str) -> str | None:
    """Why no window can open here, or None. Without a display on Linux Qt aborts the
    process (SIGABRT) with "no Qt platform plugin could be initialized"; say what to do
    instead, before Qt is even imported."""
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open. "
        "Use the `pixel` command line instead, or render the window headless with "
        "QT_QPA_PLATFORM=offscreen pixel-desktop --screenshot out.png."
    )


def main(argv: list[str] | None = None) -> int:
    """The window's frame is painted first; the services (settings, the app layer) and the
    tabs are built on the event loop's turn after that frame (``MainWindow.after_first_paint``),
    and the store, Docker, projects and templates load behind it (``MainWindow.start``)."""
    args = parse_args(argv)
    problem = display_problem(os.environ, sys.platform)
    if problem is not None:
        print(f"pixel-desktop: {problem}", file=sys.stderr)
        return 1
    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from pixel_desktop.gui import errors as gui_errors
    from pixel_desktop.gui import palette
    from pixel_desktop.gui.main_window import MainWindow, app_icon

    QCoreApplication.setOrganizationName("Pixel")
    QCoreApplication.setApplicationName("Pixel AI Creator")
    QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("pixel-desktop")
    _palette = palette.follow_os(app)  # light or dark as the OS says, kept in step while it runs
    gui_errors.install_excepthook()
    screenshot = args.screenshot is not None
    result = {"code": 0}

    def fail(message: str, code: int = 1) -> None:
        result["code"] = code
        if screenshot or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            print(f"pixel-desktop: {message}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "Pixel AI Creator", message)
        QApplication.quit()

    if args.store:  # the settings module (pydantic) is not imported for the usual start
        from pixel_desktop.settings import command_line_password_warning

        warning = command_line_password_warning(args.store, "pixel-desktop")
        if warning:
            print(warning, file=sys.stderr)

    window = MainWindow(None, periodic_checks=not screenshot)
    if screenshot:
        window.resize(*args.size)
        # A watchdog of its own, not a check inside the capture's ticks: it also fires when
        # the first paint (which starts the ticks) or a tick never comes.
        limit = screenshot_timeout_s(args.run_build, os.environ)

        def give_up_waiting() -> None:
            if result["code"] or result.get("written"):
                return  # already said, or written: the quit is on its way
            fail(f"the window did not finish loading within {limit:g} s; no screenshot written.")

        QTimer.singleShot(int(limit * 1000), give_up_waiting)
    window.show()
    loaded: dict[str, Services] = {}
    shooters: list[_Screenshot] = []

    def sample_on_empty() -> bool:
        if screenshot:
            return True
        return loaded["services"].settings.offer_sample_on_first_run and _ask_import_sample(window)

    def load() -> None:
        from pixel_desktop.errors import PixelError
        from pixel_desktop.gui.services import Services

        try:
            services = Services(store_url=args.store)  # reads settings; the store opens later
        except PixelError as exc:
            fail(str(exc), exc.exit_code)
            return
        loaded["services"] = services
        window.attach(services)
        window.start(select=args.project, sample_on_empty=sample_on_empty)
        window.tabs.setCurrentIndex(TABS.index(args.tab))
        if args.section:
            window.editor.show_section(args.section)
        if screenshot:
            # Kept here: Qt holds a timer's bound method only weakly, and load() returns.
            shooters.append(_Screenshot(window, args, result))
            QTimer.singleShot(0, shooters[0].tick)

    window.after_first_paint(load)

    # Ctrl+C / SIGTERM in the terminal quit cleanly (closing the window saves its geometry);
    # the idle timer gives Python a chance to run signal handlers while Qt waits for events.
    def request_quit(*_args: object) -> None:
        from pixel_desktop.gui.close_guard import CloseChoice

        # No question from a signal (a logout, a terminal's Ctrl+C): builds running here are
        # cancelled, their records saying the app was closed.
        window.close_guard.ask = lambda _question: CloseChoice.CANCEL_BUILDS
        window.close()
        QApplication.quit()

    signal.signal(signal.SIGINT, request_quit)
    signal.signal(signal.SIGTERM, request_quit)
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(250)

    app.exec()
    window.shutdown()
    services = loaded.get("services")
    if services is not None:
        if window.kept_builds:
            finish_headless(services, window.kept_builds)
        services.close()
    return result["code"]


def screenshot_timeout_s(run_build: bool, environ: Mapping[str, str]) -> float:
    """How long --screenshot waits for the window: PIXEL_SCREENSHOT_TIMEOUT_S (seconds) for a
    slow machine, else a minute (half an hour when it builds first)."""
    default = BUILD_SCREENSHOT_TIMEOUT_S if run_build else SCREENSHOT_TIMEOUT_S
    try:
        value = float(environ.get("PIXEL_SCREENSHOT_TIMEOUT_S", default))
    except ValueError:
        return default
    if not math.isfinite(value) or value <= 0:
        return default
    return min(value, MAX_TIMER_S)  # a Qt timer counts milliseconds in a signed 32-bit int


def finish_headless(services: Services, build_ids: list[int]) -> None:
    """The window is gone but the user kept builds running: stay until they end (their logs
    go to the store as before), then let the process exit. Ctrl+C / SIGTERM now cancel them,
    the record saying the app was stopped."""
    import threading

    stop = threading.Event()

    def request_stop(*_args: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    ids = ", ".join(f"#{b}" for b in build_ids)
    print(
        f"pixel-desktop: the window is closed; finishing build {ids} in the background "
        "(open the app again to follow it; Ctrl+C cancels).",
        file=sys.stderr,
        flush=True,
    )
    for record in services.finish_kept_builds(stop):
        print(f"pixel-desktop: build #{record.id} {record.status}.", file=sys.stderr, flush=True)


def _ask_import_sample(parent: object | None = None) -> bool:
    from PySide6.QtWidgets import QMessageBox

    from pixel_desktop import paths

    answer = QMessageBox.question(
        parent,  # type: ignore[arg-type]
        "Welcome to Pixel AI Creator",
        "Your project store is empty. Import the sample project "
        f"“Acme Support Bot” ({paths.sample_spec_file().name}) so you can press Build right away?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


class _Screenshot:
    """Polls until the requested view has loaded, then grabs the window and quits."""

    def __init__(self, window: object, args: argparse.Namespace, result: dict[str, int]) -> None:
        self.window = window
        self.args = args
        self.result = result
        self.build_id: int | None = None
        self.build_done = False
        self.settle = 0
        if args.run_build:
            window.bridge.build_finished.connect(self._finished)  # type: ignore[attr-defined]

    def _finished(self, event: object) -> None:
        if event.build_id == self.build_id:  # type: ignore[attr-defined]
            self.build_done = True

    def ready(self) -> bool:
        w = self.window
        if not w.projects_loaded or w.record is None or w.daemon_state is None:  # type: ignore[attr-defined]
            return False
        if self.args.project and w.record.slug != self.args.project:  # type: ignore[attr-defined]
            return False
        if w.tasks.pending:  # type: ignore[attr-defined]
            return False
        if self.args.run_build:
            if self.build_id is None:
                if w.active_builds:  # type: ignore[attr-defined]
                    self.build_id = max(w.active_builds)  # type: ignore[attr-defined]
                else:
                    return False
            if not self.build_done:
                return False
            w.tabs.setCurrentIndex(TABS.index("builds"))  # type: ignore[attr-defined]
            return True
        if self.args.try_question is not None:
            return self._try_ready()
        if self.args.tab == "files":
            return w.files_tab.applied_generation > 0  # type: ignore[attr-defined]
        if self.args.tab == "deploy":
            return w.deploy_tab.ready_for_screenshot()  # type: ignore[attr-defined]
        if self.args.tab == "evaluate":
            return self._eval_ready()
        if self.args.tab == "builds" and w.builds_tab.history and w.builds_tab.build_id is None:  # type: ignore[attr-defined]
            w.builds_tab.select_history(w.builds_tab.history[0].id)  # type: ignore[attr-defined]
            return False
        return True

    def _eval_ready(self) -> bool:
        """With --eval-csv: load it, run it once checked, ready when the report is shown."""
        tab = self.window.eval_tab  # type: ignore[attr-defined]
        if not tab.ready_for_screenshot():
            return False
        if self.args.eval_csv is None:
            return True
        if tab.csv_path is None:
            tab.load_csv(self.args.eval_csv)
            return False
        if tab.report is not None:
            return True
        if getattr(self, "_eval_started", False) or tab.plan is None:
            # Refused CSV, or a run that failed: say why instead of a picture of the error.
            self._give_up(tab.status_label.text())
            return False
        self._eval_started = True
        tab.run()
        return False

    def _try_ready(self) -> bool:
        """With --try-question: open Try it, ask once the assistant answers /health; ready
        when the answer is shown. A start or a question that fails is said, not captured."""
        panel = self.window.try_panel  # type: ignore[attr-defined]
        controller = panel.controller
        if not panel.isVisible():
            panel.open_panel()
            return False
        if controller.answers:
            return True
        if controller.session is None:
            if panel.retry_button.isVisible():
                self._give_up(panel.status_label.text())
            return False
        if getattr(self, "_try_asked", False):
            if not controller.asking:
                self._give_up(panel.transcript.toPlainText().strip().splitlines()[-1])
            return False
        self._try_asked = True
        controller.ask(self.args.try_question)
        return False

    def _give_up(self, message: str) -> None:
        from PySide6.QtWidgets import QApplication

        if self.result["code"]:
            return  # already said, the quit is on its way
        print(f"pixel-desktop: {message}", file=sys.stderr)
        self.result["code"] = 1
        QApplication.quit()

    def tick(self) -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        w = self.window
        if self.result["code"]:
            return  # the watchdog gave up; the quit is on its way
        if self.args.run_build and self.build_id is None and w.record is not None and not w.active_builds and not getattr(self, "_submitted", False):  # type: ignore[attr-defined]
            self._submitted = True
            w.build()  # type: ignore[attr-defined]
        error = w.startup_error  # type: ignore[attr-defined]
        if error is not None:
            # The store did not open or --project names no project: said, no picture of it.
            from pixel_desktop.errors import PixelError

            print(f"pixel-desktop: {error}", file=sys.stderr)
            self.result["code"] = error.exit_code if isinstance(error, PixelError) else 1
            QApplication.quit()
            return
        if not self.ready():
            self.settle = 0
            QTimer.singleShot(50, self.tick)
            return
        self.settle += 1
        # Let layouts, charts and queued signals settle (the status bar's queue counts follow
        # the build's events, so they are final once its finish event has been handled).
        if self.settle < (24 if self.args.run_build else 6):
            QTimer.singleShot(50, self.tick)
            return
        path: Path = self.args.screenshot
        path.parent.mkdir(parents=True, exist_ok=True)
        if not w.grab().save(str(path)):  # type: ignore[attr-defined]
            print(f"pixel-desktop: could not write {path} (check the folder exists and is writable).", file=sys.stderr)
            self.result["code"] = 1
        else:
            print(f"pixel-desktop: wrote {path}")
            self.result["written"] = 1
        QApplication.quit()


if __name__ == "__main__":
    raise SystemExit(main())
