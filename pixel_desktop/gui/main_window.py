"""The main window: projects by client on the left, editor / files / builds on the right.

The window owns the ``TaskRunner`` and the ``EventBridge`` (its one subscription to the event
bus); tabs receive them. It never calls the core itself except through the named operations
in ``gui/operations`` on a worker, so the status bar's Docker check or a slow PostgreSQL never
freezes the UI. The queue counts follow the build events; nothing polls the database.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolBar,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop import __version__, paths
from pixel_desktop.errors import AlreadyExistsError, ConflictError, PixelError, SpecError
from pixel_desktop.gui import errors as gui_errors
from pixel_desktop.gui.close_guard import CloseChoice, CloseGuard, CloseQuestion
from pixel_desktop.gui.operations import builds as build_ops
from pixel_desktop.gui.operations import lifecycle as lifecycle_ops
from pixel_desktop.gui.operations import projects as project_ops
from pixel_desktop.gui.operations import registries as registry_ops
from pixel_desktop.gui.operations import status as status_ops
from pixel_desktop.gui.project_sidebar import ProjectSidebar
from pixel_desktop.gui.status_line import StatusLine
from pixel_desktop.gui.tasks import TaskRunner

if TYPE_CHECKING:
    # The tabs, the services and the spec model are imported by attach(), after the frame
    # is painted: they are most of the app's import time (issue 16).
    from pixel_desktop.app.projects import ImportOutcome
    from pixel_desktop.gui.about_dialog import AboutDialog
    from pixel_desktop.gui.bridge import EventBridge
    from pixel_desktop.gui.builds_tab import BuildsTab
    from pixel_desktop.gui.deploy_tab import DeployTab
    from pixel_desktop.gui.editor import ProjectEditor
    from pixel_desktop.gui.eval_tab import EvalTab
    from pixel_desktop.gui.files_tab import FilesTab
    from pixel_desktop.gui.foreign_builds_follower import ForeignBuildsFollower
    from pixel_desktop.gui.notifications import Notifier
    from pixel_desktop.gui.queue_counts import QueueCounts
    from pixel_desktop.gui.services import DaemonState, Services
    from pixel_desktop.gui.team_panel import TeamPanel
    from pixel_desktop.gui.try_panel import TryPanel
    from pixel_desktop.spec import ProjectSpec

DOCKER_CHECK_MS = 15_000
TABS = ("editor", "files", "builds", "deploy", "evaluate")
TAB_TITLES = {"editor": "Editor", "files": "Files", "builds": "Builds", "deploy": "Deploy", "evaluate": "Evaluate"}
TAB_ICONS = (
    QStyle.StandardPixmap.SP_FileDialogDetailedView,
    QStyle.StandardPixmap.SP_DirIcon,
    QStyle.StandardPixmap.SP_MediaPlay,
    QStyle.StandardPixmap.SP_DriveNetIcon,
    QStyle.StandardPixmap.SP_DialogApplyButton,
)
FIRST_PAINT_WAIT_MS = 500  # attach() anyway when no frame is painted by then (started minimized)
SPEC_SUFFIXES = (".yaml", ".yml")


SIDEBAR_MIN_WIDTH = 180
MAX_NAMED_FILES = 5  # a drop of many files names this many in a question or summary


def _named(names: list[str]) -> str:
    """At most MAX_NAMED_FILES names, then how many more."""
    more = f" and {len(names) - MAX_NAMED_FILES} more" if len(names) > MAX_NAMED_FILES else ""
    return ", ".join(names[:MAX_NAMED_FILES]) + more


def _first_problem(outcome: ImportOutcome) -> str:
    """A file's first problem; a spec with several says how many more (the file has them all)."""
    first = (outcome.problem or "").split("\n", 1)[0]
    more = outcome.error.problem_count - 1 if isinstance(outcome.error, SpecError) else 0
    return f"{first} (and {more} more problem{'s' if more > 1 else ''} in this file)" if more else first


def dropped_specs(urls: list[QUrl]) -> list[Path]:
    """The local .yaml/.yml files among dropped URLs (anything else is not a spec)."""
    return [Path(u.toLocalFile()) for u in urls if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in SPEC_SUFFIXES]


def app_icon() -> QIcon:
    icon = QIcon()
    base = paths.resources_dir() / "icons" / "hicolor"
    for size in (16, 24, 32, 48, 64, 128, 256):
        png = base / f"{size}x{size}" / "apps" / "pixel-desktop.png"
        if png.exists():
            icon.addFile(str(png), QSize(size, size))
    return icon


def gui_settings() -> QSettings:
    """Window state lives under PIXEL_HOME, so profiles and tests never share it."""
    return QSettings(str(paths.home() / "gui.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """``MainWindow(services)`` builds the whole window at once (tests, the bench harness).

    ``MainWindow(None)`` builds only its frame — menus, toolbar, the project tree saying
    "Loading projects…", the tab bar, the status line — from modules that import in a few
    milliseconds, so ``pixel-desktop`` paints it at once; ``attach(services)`` then builds the
    tabs (the editor, the charts, the services and the spec model are most of the app's
    import time) right after that first frame (``after_first_paint``). Until then the tab
    pages are empty and the actions that need the store are disabled: nothing to click into.
    """

    # Built by attach(): the services and everything that talks to them.
    services: Services
    bridge: EventBridge
    editor: ProjectEditor
    files_tab: FilesTab
    builds_tab: BuildsTab
    deploy_tab: DeployTab
    eval_tab: EvalTab
    try_panel: TryPanel
    team_panel: TeamPanel
    foreign_builds: ForeignBuildsFollower
    notifier: Notifier
    queue: QueueCounts  # queued and running builds, moved by the build events

    def __init__(self, services: Services | None, *, periodic_checks: bool = True) -> None:
        super().__init__()
        self.attached = False
        self._periodic_checks = periodic_checks
        self.tasks = TaskRunner(self)
        self.record: Any | None = None  # ProjectRecord being edited
        self.projects: list[Any] = []  # ProjectSummary rows, as the tree shows them
        self.projects_loaded = False
        # Start-up (start()): the store opens after the window is shown.
        self.store_ready = False
        self.startup_error: BaseException | None = None  # what kept the first load from finishing
        self._explicit_select: str | None = None
        self._sample_on_empty: Callable[[], bool] | None = None
        self._opening: str | None = None  # slug whose full record is being read
        self.daemon_state: DaemonState | None = None
        self.active_builds: set[int] = set()  # builds this window submitted, until they finish
        self._pending_select: str | None = None
        # Tests replace this to answer the conflict dialog: returns reload | overwrite | cancel.
        self.conflict_chooser: Callable[[str], str] = self._ask_conflict
        self.confirm_close = True  # ask about unsaved edits and running builds on close (tests turn it off)
        # Closing while builds run: tests replace close_guard.ask to answer the question.
        self.close_guard = CloseGuard(self._ask_close_with_builds)
        self.kept_builds: list[int] = []  # builds the user chose to keep running after close
        self.store_description: str | None = None
        self.window_in_front: Callable[[], bool] = lambda: self.isActiveWindow() and not self.isMinimized()
        self._build_projects: dict[int, str] = {}  # build id → project name (notifications)
        self._first_paint: _FirstPaint | None = None
        self._make_frame()
        if services is not None:
            self.attach(services)
        else:
            # What the first frame shows while the rest is built and the store opens.
            self.sidebar.show_loading()
            self.status_line.show_store("Store: opening…")

    def _make_frame(self) -> None:
        self.setWindowTitle("Pixel AI Creator")
        self.setWindowIcon(app_icon())
        self.setUnifiedTitleAndToolBarOnMac(True)

        # --- left: projects
        self.sidebar = ProjectSidebar()
        # A floor for the project list: opening Try it must not squeeze names to "Acme C…".
        self.sidebar.setMinimumWidth(SIDEBAR_MIN_WIDTH)
        self.search_edit = self.sidebar.search_edit
        self.project_tree = self.sidebar.tree
        self.count_label = self.sidebar.count_label
        self.sidebar.search_changed.connect(self.refresh_projects)
        self.sidebar.project_chosen.connect(self._project_chosen)

        # --- right: banner + tabs (their pages are built by attach())
        self.banner = gui_errors.Banner()
        self.tabs = self._tab_widget([QWidget() for _name in TABS])
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 6, 6, 0)
        right_layout.addWidget(self.banner)
        self.work_splitter = QSplitter()
        self.work_splitter.addWidget(self.tabs)
        right_layout.addWidget(self.work_splitter, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([270, 1130])
        self.setCentralWidget(self.splitter)

        self._make_actions()
        self._make_statusbar()
        self._docker_timer = QTimer(self)
        self._docker_timer.setInterval(DOCKER_CHECK_MS)
        self._docker_timer.timeout.connect(self.check_docker)
        self._restore_geometry()

    def after_first_paint(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the window's first frame has been painted (or, should no
        frame come — a window started minimized —, after FIRST_PAINT_WAIT_MS)."""
        self._first_paint = _FirstPaint(self, callback)

    def attach(self, services: Services) -> None:
        """Build the tabs and the parts that talk to ``services``; the frame stays as it is."""
        from pixel_desktop.gui.bridge import EventBridge
        from pixel_desktop.gui.builds_tab import BuildsTab
        from pixel_desktop.gui.deploy_tab import DeployTab
        from pixel_desktop.gui.editor import ProjectEditor
        from pixel_desktop.gui.eval_tab import EvalTab
        from pixel_desktop.gui.files_tab import FilesTab
        from pixel_desktop.gui.foreign_builds_follower import ForeignBuildsFollower
        from pixel_desktop.gui.queue_counts import QueueCounts
        from pixel_desktop.gui.team_panel import TeamPanel
        from pixel_desktop.gui.tray_notifier import TrayNotifier
        from pixel_desktop.gui.try_controller import EditorState
        from pixel_desktop.gui.try_panel import TryPanel

        if self.attached:
            raise RuntimeError("the main window is attached to its services already")
        self.services = services
        self.queue = QueueCounts()
        self.bridge = EventBridge(services.bus, parent=self)
        # A build's end is notified only while the window is in the background.
        self.notifier = TrayNotifier(self, app_icon())
        self.editor = ProjectEditor()
        self.files_tab = FilesTab(services, self.tasks)
        self.builds_tab = BuildsTab(services, self.tasks, self.bridge)
        self.deploy_tab = DeployTab(services, self.tasks, self.bridge)
        self.eval_tab = EvalTab(services, self.tasks)
        tabs = self._tab_widget([self.editor, self.files_tab, self.builds_tab, self.deploy_tab, self.eval_tab])
        # Try it beside the tabs: the build's assistant, opened by its button in the tab bar.
        self.try_panel = TryPanel(services, self.tasks, lambda: EditorState(self.record, self.editor.dirty))
        self.try_panel.project_changed.connect(self._saved)  # reloads the editor
        self.bridge.build_finished.connect(self.try_panel.build_finished)  # new builds join its list
        self.try_panel.controller.clean_leftovers()  # containers of a crashed app, by label
        tabs.setCornerWidget(self.try_panel.open_button)
        # The built tabs take the frame's place, on the tab the user chose meanwhile. Filled
        # while not yet in the window, no page but the chosen one is ever shown (a Deploy tab
        # shown in passing would make its charts, and import pyqtgraph, for nothing).
        tabs.setCurrentIndex(self.tabs.currentIndex())
        frame_tabs = self.work_splitter.replaceWidget(0, tabs)
        self.tabs = tabs
        if frame_tabs is not None:
            frame_tabs.deleteLater()
        self.work_splitter.addWidget(self.try_panel)
        self.work_splitter.setStretchFactor(0, 1)
        self.work_splitter.setSizes([760, 380])

        self.editor.validated.connect(self._on_validated)
        self.editor.changed.connect(self._update_title)
        self.editor.secret_requested.connect(self.set_secret)
        self.editor.rename_requested.connect(self.rename_project)
        self.bridge.build_finished.connect(self._on_build_finished)
        self.bridge.phase_changed.connect(self._on_queue_event)
        # Builds another process of this PIXEL_HOME runs (an app closed with "keep running").
        self.foreign_builds = ForeignBuildsFollower(services, self.tasks, self.bridge, self)
        self.builds_tab.add_header_action(self.open_log_action)
        self.builds_tab.phase_shown.connect(self._update_actions)
        # Team mode (broker + PostgreSQL): a "Team" tab, placed once start() learns it is on.
        self.team_panel = TeamPanel(services, self.tasks, self.status_line.show_team, periodic=self._periodic_checks)
        gui_errors.set_sink(self.show_message)
        if self._periodic_checks:
            self._docker_timer.start()
        self.setAcceptDrops(True)
        self.attached = True
        self._update_actions()

    def _tab_widget(self, pages: list[QWidget]) -> QTabWidget:
        tabs = QTabWidget()
        tabs.setDocumentMode(True)
        style = self.style()
        for name, pixmap, page in zip(TABS, TAB_ICONS, pages, strict=True):
            tabs.addTab(page, style.standardIcon(pixmap), TAB_TITLES[name])
        return tabs

    # ---------------------------------------------------------------- chrome
    def _action(self, text: str, icon: QStyle.StandardPixmap, shortcut: Any, slot: Callable[[], None], tip: str) -> QAction:
        action = QAction(self.style().standardIcon(icon), text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})" if shortcut else tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        P = QStyle.StandardPixmap
        self.new_action = self._action("New", P.SP_FileIcon, QKeySequence.StandardKey.New, self.ask_new_project, "Create a project")
        self.import_action = self._action("Import", P.SP_DialogOpenButton, QKeySequence.StandardKey.Open, self.ask_import, "Import a project spec (YAML)")
        self.export_action = self._action("Export", P.SP_DriveFDIcon, "Ctrl+E", self.ask_export, "Export the project spec as YAML")
        self.save_action = self._action("Save", P.SP_DialogSaveButton, QKeySequence.StandardKey.Save, self.save, "Save the project")
        self.build_action = self._action("Build", P.SP_MediaPlay, "Ctrl+B", self.build, "Build and test the image")
        self.push_action = self._action("Build && Push", P.SP_ArrowUp, "Ctrl+Shift+B", self.ask_build_and_push, "Build, test and push to a registry")
        self.cancel_action = self._action("Cancel", P.SP_MediaStop, "Ctrl+.", self.cancel_build, "Cancel the shown build")
        self.settings_action = self._action("Settings", P.SP_FileDialogDetailedView, QKeySequence.StandardKey.Preferences, self.open_settings, "Settings")
        self.settings_action.setShortcuts([QKeySequence("Ctrl+,")])
        self._action("Search", P.SP_FileDialogContentsView, QKeySequence.StandardKey.Find, self.focus_search, "Search projects")
        self.refresh_action = self._action("Refresh", P.SP_BrowserReload, QKeySequence.StandardKey.Refresh, self.refresh_all, "Refresh")
        self.quit_action = self._action("Quit", P.SP_DialogCloseButton, QKeySequence.StandardKey.Quit, self.close, "Quit")
        for index, name in enumerate(TABS):
            self._action(name, P.SP_ArrowRight, f"Ctrl+{index + 1}", lambda i=index: self.tabs.setCurrentIndex(i), f"{name.capitalize()} tab")
        self.open_log_action = self._action("Open full log", P.SP_FileLinkIcon, None, self.open_full_log, "Open the complete log file of the shown build")

        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(20, 20))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.new_action, self.import_action, self.export_action, self.save_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        for action in (self.build_action, self.push_action, self.cancel_action):
            toolbar.addAction(action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addAction(self.settings_action)
        self.addToolBar(toolbar)
        self._make_menus()
        self._update_actions()

    def _make_menus(self) -> None:
        """File and Help menus; the toolbar keeps its short labels (icon texts)."""
        for action, short, long in (
            (self.new_action, "New", "New project…"),
            (self.import_action, "Import", "Import spec…"),
            (self.export_action, "Export", "Export spec…"),
            (self.settings_action, "Settings", "Settings…"),
        ):
            action.setIconText(short)
            action.setText(long)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        menu_bar = self.menuBar()
        self.file_menu = menu_bar.addMenu("&File")
        for action in (self.new_action, self.import_action, self.export_action):
            self.file_menu.addAction(action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.help_menu = menu_bar.addMenu("&Help")
        self.about_action = QAction("About Pixel AI Creator", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(lambda _checked=False: self.show_about())
        self.help_menu.addAction(self.about_action)

    def about_dialog(self) -> AboutDialog:
        """Version, store and data folder; the store's description is asked off-thread once."""
        from pixel_desktop.gui.about_dialog import AboutDialog

        dialog = AboutDialog(__version__, self.store_description or "(checking the store…)", paths.home(), app_icon(), self)
        if self.store_description is None:
            (
                status_ops.describe_store(self.services)
                .success(lambda text: self._store_described(text, dialog))
                .failure(lambda exc: dialog.show_store(f"unavailable: {gui_errors.user_message(exc)[1]}"))
                .run_in_background(self.tasks)
            )
        return dialog

    def show_about(self) -> None:
        self.about_dialog().exec()

    def _store_described(self, text: str, dialog: AboutDialog | None = None) -> None:
        self.store_description = text
        self.status_line.show_store(f"Store: {text}")
        if dialog is not None:
            dialog.show_store(text)

    def _make_statusbar(self) -> None:
        self.status_line = StatusLine(self.statusBar())
        self.docker_label = self.status_line.docker_label
        self.store_label = self.status_line.store_label
        self.queue_label = self.status_line.queue_label

    def _update_actions(self) -> None:
        # Before attach() there is nothing behind these yet (a frame or two after the first paint).
        for action in (self.new_action, self.import_action, self.settings_action, self.refresh_action, self.about_action):
            action.setEnabled(self.attached)
        has_project = self.record is not None
        for action in (self.export_action, self.save_action, self.build_action, self.push_action):
            action.setEnabled(has_project)
        self.cancel_action.setEnabled(bool(self.active_builds) or (self.attached and self.builds_tab.shown_build_running()))

    def _update_title(self) -> None:
        if self.record is None:
            self.setWindowTitle("Pixel AI Creator")
        else:
            star = " •" if self.editor.dirty else ""
            self.setWindowTitle(f"{self.record.name}{star} — Pixel AI Creator")

    def show_message(self, level: str, text: str) -> None:
        self.banner.show_message(level, text)
        if level == "info":
            self.statusBar().showMessage(text, 8000)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    # ---------------------------------------------------------------- startup
    def start(self, *, select: str | None = None, sample_on_empty: Callable[[], bool] | None = None) -> None:
        """Once the window is shown: open the store, then fill the list, status bar and
        templates, all off-thread, the parts filling in as they come ("Loading projects…"
        until then). ``sample_on_empty`` decides, on a store without projects, whether to
        import the sample (the first-run question)."""
        self._pending_select = select
        self._explicit_select = select
        self._sample_on_empty = sample_on_empty
        self.sidebar.show_loading()
        self.status_line.show_store("Store: opening…")
        # Move the startup heap (Qt wrappers, SQLAlchemy, pydantic) out of the collector's
        # reach: a full GC pass over it took ~200 ms and, triggered by a log flood's
        # allocations on any thread, froze the GUI for that long. (pyqtgraph's is moved when
        # a chart first imports it: widgets.charts.)
        gc.collect()
        gc.freeze()
        # Docker and templates need no store: asked at once, beside the store's opening.
        self.check_docker()
        status_ops.template_names(self.services).success(self.editor.set_templates).ignore_failure().run_in_background(self.tasks)
        status_ops.open_store(self.services).success(self._store_opened).failure(self._store_failed).run_in_background(self.tasks)

    def _store_opened(self, project_count: int) -> None:
        if project_count == 0 and self._sample_on_empty is not None and self._sample_on_empty():
            self.sidebar.show_loading("Importing the sample project…")
            (
                project_ops.import_sample_if_empty(self.services)
                .success(lambda _record: self._store_ready())
                .failure(self._sample_failed)
                .run_in_background(self.tasks)
            )
            return
        self._store_ready()

    def _sample_failed(self, exc: BaseException) -> None:
        gui_errors.report_exception(exc)
        self._store_ready()  # the store is open: an empty list beats a stuck "Loading…"

    def _store_ready(self) -> None:
        self.store_ready = True
        self.refresh_projects()
        self.refresh_counts()
        (
            status_ops.describe_store(self.services)
            .success(self._store_described)
            .failure(self._store_failed)
            .run_in_background(self.tasks)
        )
        self.foreign_builds.start()
        self.team_panel.start(self._show_team_tab)

    def _show_team_tab(self) -> None:
        self.tabs.addTab(self.team_panel, self.style().standardIcon(QStyle.StandardPixmap.SP_ComputerIcon), "Team")

    def _store_failed(self, exc: BaseException) -> None:
        """Said in the window (status line, sidebar, banner): there is no dialog before it."""
        self.status_line.show_store("Store: unavailable")
        if not self.store_ready:
            self.startup_error = exc
            self.sidebar.show_load_error("Projects unavailable: the store did not open.")
        gui_errors.report_exception(exc)

    def refresh_all(self) -> None:
        self.refresh_projects()
        self.check_docker()
        self.refresh_counts()
        self.team_panel.refresh()
        self.builds_tab.refresh_history()
        self.deploy_tab.refresh()
        self.eval_tab.refresh()

    # ---------------------------------------------------------------- status bar
    def check_docker(self) -> None:
        status_ops.daemon_state(self.services).success(self._docker_checked).failure(self._docker_check_failed).run_in_background(self.tasks)

    def _docker_checked(self, state: DaemonState) -> None:
        self.daemon_state = state
        self.status_line.show_docker(state.ok, state.text)

    def _docker_check_failed(self, exc: BaseException) -> None:
        from pixel_desktop.gui.services import DaemonState

        self._docker_checked(DaemonState(False, gui_errors.user_message(exc)[1]))

    def refresh_counts(self) -> None:
        """Ask the runner once (start, Refresh); from then on the build events move the counts."""
        build_ops.queue_counts(self.services).success(self._counts_loaded).ignore_failure().run_in_background(self.tasks)

    def _counts_loaded(self, counts: dict[str, int]) -> None:
        self.queue.seed(counts)
        self._show_counts()

    def _on_queue_event(self, event: Any) -> None:
        if self.queue.on_event(event):
            self._show_counts()

    def _show_counts(self) -> None:
        from pixel_desktop.gui.builds_format import queue_text

        counts = self.queue.counts()
        self.status_line.show_queue(queue_text(counts["running"], counts["queued"]))

    # ---------------------------------------------------------------- project list
    def refresh_projects(self, select: str | None = None) -> None:
        if select is not None:
            self._pending_select = select
        if not self.store_ready:
            return  # start() lists them once the store is open
        search = self.sidebar.search_text()
        project_ops.project_summaries(self.services, search).success(self._projects_loaded).run_in_background(self.tasks)

    def _projects_loaded(self, records: list[Any]) -> None:
        """``records`` are summaries (what the tree shows); the chosen one is read in full."""
        self.projects = records
        wanted = self._pending_select or (self.record.slug if self.record else None)
        self._pending_select = None
        selected = self.sidebar.show_projects(records, wanted)
        self.projects_loaded = True
        explicit, self._explicit_select = self._explicit_select, None
        if not selected and explicit is not None and explicit == wanted and not self.search_edit.text():
            self._open_slug(explicit)  # not listed: reading it says what is wrong (not found)
            return
        if not selected and self.record is None and records and not self.search_edit.text():
            self.select_project(records[0].slug)

    def select_project(self, slug: str) -> None:
        if not self.sidebar.select(slug):
            self.refresh_projects(select=slug)

    def _project_chosen(self, slug: str, previous: QTreeWidgetItem | None) -> None:
        if self.record is not None and slug == self.record.slug:
            return
        if self.editor.dirty and self.record is not None:
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                f"{self.record.name} has unsaved changes. Discard them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                self.sidebar.revert(previous)
                return
        self._open_slug(slug)

    def _open_slug(self, slug: str) -> None:
        """Read the project's full record (the list holds summaries) and open it, unless
        another project was chosen while it was read."""
        self._opening = slug

        def read(record: Any) -> None:
            if self._opening == slug:
                self._opening = None
                self.open_record(record)

        def failed(exc: BaseException) -> None:
            if self._opening == slug:
                self._opening = None
                if self.record is None:
                    self.startup_error = exc
                gui_errors.report_exception(exc)

        project_ops.get_project(self.services, slug).success(read).failure(failed).run_in_background(self.tasks)

    def open_record(self, record: Any) -> None:
        self.record = record
        self.editor.load(record)
        self.files_tab.set_project(record.spec, record.id)
        self.builds_tab.set_project(record.slug)
        self.deploy_tab.set_project(record.slug)
        self.eval_tab.set_project(record.slug)
        self.try_panel.set_project(record.slug)
        self._update_actions()
        self._update_title()
        self._load_secret_states(record)

    def _load_secret_states(self, record: Any) -> None:
        names = list(record.spec.deployment.secret_env)
        if not names:
            return
        slug = record.slug
        (
            project_ops.secret_states(self.services, record, names)
            .success(lambda states: self.editor.set_secret_states(states) if self.record and self.record.slug == slug else None)
            .ignore_failure()
            .run_in_background(self.tasks)
        )

    # ---------------------------------------------------------------- editing
    def _on_validated(self, result: Any) -> None:
        from pixel_desktop.spec import ProjectSpec

        if isinstance(result, ProjectSpec) and self.record is not None:
            self.files_tab.schedule(result)
        self._update_title()

    def save(self, then: Callable[[Any], None] | None = None) -> None:
        if self.record is None:
            return
        try:
            spec = self.editor.current_spec()
        except SpecError as exc:
            self.editor.show_error(exc)
            self.editor.reveal_error()
            self.tabs.setCurrentWidget(self.editor)
            self.show_message("error", f"Not saved: {str(exc).removeprefix('form: ')}")
            return
        slug, version = self.record.slug, self.record.version
        (
            project_ops.update_project(self.services, slug, spec, version)
            .success(lambda record: self._saved(record, then))
            .failure(lambda exc: self._save_failed(exc, spec, then))
            .run_in_background(self.tasks)
        )

    def _saved(self, record: Any, then: Callable[[Any], None] | None = None) -> None:
        self.record = record
        self.editor.load(record)
        self.files_tab.schedule(record.spec)
        self.statusBar().showMessage(f"Saved {record.name} (version {record.version}).", 5000)
        self.banner.hide()
        self._update_title()
        self.refresh_projects(select=record.slug)
        if then is not None:
            then(record)

    def _save_failed(self, exc: BaseException, spec: ProjectSpec, then: Callable[[Any], None] | None) -> None:
        if not isinstance(exc, ConflictError) or self.record is None:
            gui_errors.report_exception(exc)
            return
        choice = self.conflict_chooser(str(exc))
        slug = self.record.slug
        if choice == "reload":
            project_ops.get_project(self.services, slug).success(self._reloaded).run_in_background(self.tasks)
        elif choice == "overwrite":
            (
                project_ops.overwrite_project(self.services, slug, spec)
                .success(lambda record: self._saved(record, then))
                .run_in_background(self.tasks)
            )

    def _reloaded(self, record: Any) -> None:
        self.open_record(record)
        self.show_message("info", f"Reloaded {record.name} (version {record.version}); your unsaved edits were discarded.")

    def _ask_conflict(self, message: str) -> str:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Saved elsewhere")
        box.setText("This project was changed and saved by someone else since you opened it.")
        box.setInformativeText(
            f"{message}\n\nReload discards your edits and shows the saved version. "
            "Overwrite keeps your edits and replaces the saved version."
        )
        reload_button = box.addButton("Reload (discard mine)", QMessageBox.ButtonRole.DestructiveRole)
        overwrite_button = box.addButton("Overwrite (keep mine)", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        if clicked is reload_button:
            return "reload"
        if clicked is overwrite_button:
            return "overwrite"
        return "cancel"

    def set_secret(self, slug: str, name: str, value: str) -> None:
        record = self.record if self.record is not None and self.record.slug == slug else None

        def stored(_result: None) -> None:
            self.show_message("info", f"Stored the value of {name} in the OS keyring.")
            if self.record is not None:
                self._load_secret_states(self.record)

        project_ops.set_secret(self.services, slug, name, value, record).success(stored).run_in_background(self.tasks)

    # ---------------------------------------------------------------- new / import / export
    def ask_new_project(self) -> None:
        from pixel_desktop.gui.new_project_dialog import NewProjectDialog

        dialog = NewProjectDialog({p.slug for p in self.projects}, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.create_project(dialog.name_edit.text(), dialog.client_edit.text(), dialog.slug())

    def create_project(self, name: str, client: str, slug: str | None = None) -> None:
        from pixel_desktop.spec import ProjectSpec

        try:
            spec = ProjectSpec(name=name, client=client, slug=slug or None)
        except Exception as exc:  # pydantic ValidationError → every problem, in words
            from pydantic import ValidationError

            from pixel_desktop.gui.messages import spec_problems

            if isinstance(exc, ValidationError):
                problems = " ".join(f"{sentence}." for _field, sentence in spec_problems(exc.errors()))
                self.show_message("error", f"Project not created: {problems}")
                return
            raise
        project_ops.create_project(self.services, spec).success(self._created).run_in_background(self.tasks)

    def rename_project(self, slug: str, new_slug: str, version: int) -> None:
        """The editor's Rename…: through the app layer; the renamed record is loaded as saved."""

        def renamed(record: Any) -> None:
            self._saved(record)
            self.show_message("info", f"Renamed {slug} to {record.slug}; secrets, builds and deployments stay with it.")

        project_ops.rename_project(self.services, slug, new_slug, version).success(renamed).run_in_background(self.tasks)

    def _created(self, record: Any) -> None:
        self.record = None
        self.show_message("info", f"Created {record.name} ({record.slug}).")
        self.refresh_projects(select=record.slug)
        self.tabs.setCurrentWidget(self.editor)

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import project spec", "", "Project specs (*.yaml *.yml);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path, *, replace: bool = False) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, AlreadyExistsError) and not replace:
                answer = QMessageBox.question(
                    self, "Project exists", f"{exc}\n\nReplace the stored project with the file's version?"
                )
                if answer == QMessageBox.StandardButton.Yes:
                    self.import_file(path, replace=True)
                return
            gui_errors.report_exception(exc)

        project_ops.import_spec(self.services, path, replace=replace).success(self._created).failure(failed).run_in_background(self.tasks)

    def ask_export(self) -> None:
        if self.record is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export project spec", f"{self.record.slug}.yaml", "YAML (*.yaml)")
        if path:
            slug = self.record.slug
            (
                project_ops.export_spec(self.services, slug, Path(path))
                .success(lambda p: self.show_message("info", f"Exported {slug} to {p}."))
                .run_in_background(self.tasks)
            )

    # ---------------------------------------------------------------- builds
    def build(self, push_registry: str | None = None) -> None:
        if self.record is None:
            return
        if self.editor.dirty:
            self.save(then=lambda _record: self.build(push_registry))
            return
        slug = self.record.slug
        build_ops.submit_build(self.services, slug, push_registry=push_registry).success(self._build_submitted).run_in_background(self.tasks)

    def _build_submitted(self, build_id: int) -> None:
        self.active_builds.add(build_id)
        if self.record is not None:
            self._build_projects[build_id] = self.record.name
        self._update_actions()
        # Follows from the build's first event on: the tab replays what the runner published
        # before this answer reached the GUI thread ("queued build N of …", the first phase).
        self.builds_tab.show_build(build_id, live=True)
        self.tabs.setCurrentWidget(self.builds_tab)
        self.builds_tab.refresh_history(select=build_id)

    def ask_build_and_push(self) -> None:
        if self.record is None:
            return
        registry_ops.list_registries(self.services).success(self._choose_registry).run_in_background(self.tasks)

    def _choose_registry(self, registries: list[Any]) -> None:
        if not registries:
            self.show_message("warning", "No registry is configured. Add one in Settings → Registries (its password goes to the OS keyring), then Build & Push.")
            return
        names = [r.name for r in registries]
        name, ok = QInputDialog.getItem(self, "Build & Push", "Push to registry:", names, 0, False)
        if ok and name:
            self.build(push_registry=name)

    def cancel_build(self) -> None:
        """Cancel the shown build when it is running (here, in another process or on a team
        worker), else the newest build this window started."""
        build_id = self.builds_tab.build_id
        if build_id is None or not (build_id in self.active_builds or self.builds_tab.shown_build_running()):
            build_id = max(self.active_builds) if self.active_builds else None
        if build_id is None:
            return
        (
            build_ops.cancel_build(self.services, build_id)
            .success(
                lambda ok: self.statusBar().showMessage(
                    f"Cancelling build #{build_id}…" if ok else f"Build #{build_id} is no longer running.", 5000
                )
            )
            .run_in_background(self.tasks)
        )

    def _on_build_finished(self, event: Any) -> None:
        self.active_builds.discard(event.build_id)
        from pixel_desktop.gui.notifications import build_notice

        notice = build_notice(
            event, window_in_front=self.window_in_front(), project=self._build_projects.pop(event.build_id, None)
        )
        if notice is not None:
            self.notifier.notify(notice)
        self._update_actions()
        self._on_queue_event(event)
        if event.status == "completed":
            self.statusBar().showMessage(f"Build #{event.build_id} completed.", 8000)
            self.files_tab.refresh_baseline()
            self.deploy_tab.refresh()
        elif event.status == "failed" and event.error:
            self.show_message("error", f"Build #{event.build_id} failed: {event.error}")
        self.eval_tab.refresh()  # a build that failed its test still has an image to evaluate

    def notifier_close(self) -> None:
        close = getattr(self.notifier, "close", None)
        if close is not None:
            close()

    def open_full_log(self) -> None:
        build_id = self.builds_tab.build_id
        if build_id is None:
            self.show_message("warning", "Select a build first.")
            return
        path = self.services.build_log_file(build_id)
        if not path.exists():
            self.show_message("warning", f"The log file {path} does not exist (yet); use Save… to export the log from the store.")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # ---------------------------------------------------------------- settings / lifecycle
    def open_settings(self) -> None:
        from pixel_desktop.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.services, self.tasks, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.deploy_tab.refresh()  # targets may have been added or removed (saved at once)
        if accepted:
            self.check_docker()
            self.show_message("info", "Settings saved. A changed store URL, broker URL or build concurrency applies after a restart.")

    def _restore_geometry(self) -> None:
        settings = gui_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        # The size is kept on its own too: some platforms (Wayland, offscreen) restore the
        # frame geometry only partly, and a window that comes back small is what people notice.
        size = settings.value("window/size")
        self.resize(size if isinstance(size, QSize) and size.isValid() else QSize(1400, 900))
        splitter = settings.value("window/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def save_geometry(self) -> None:
        settings = gui_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        if not (self.isMaximized() or self.isFullScreen()):
            settings.setValue("window/size", self.size())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.attached:  # closed within the frame or two before the tabs exist
            self.save_geometry()
            self.shutdown()
            event.accept()
            return
        if self.confirm_close and self.editor.dirty and self.record is not None and self.isVisible():
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                f"Save the changes to {self.record.name} before quitting?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save:
                event.ignore()
                self.save(then=lambda _r: self.close())
                return
        if self.confirm_close and self.isVisible() and not self._settle_running_builds():
            event.ignore()
            return
        self.save_geometry()
        self.shutdown()
        event.accept()

    def _settle_running_builds(self) -> bool:
        """Ask what happens to builds still running here; False: the user stays."""
        running = lifecycle_ops.builds_running_here(self.services).run_now()  # no I/O: the runner's lists
        choice = self.close_guard.decide(running)
        if choice is CloseChoice.STAY:
            return False
        if choice is CloseChoice.KEEP_RUNNING:
            self.kept_builds = sorted(running)
        elif choice is CloseChoice.CANCEL_BUILDS:
            lifecycle_ops.cancel_builds_for_close(self.services).run_now()  # sets flags; the runner ends them
        return True

    def _ask_close_with_builds(self, question: CloseQuestion) -> CloseChoice:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(question.title)
        box.setText(question.text)
        box.setInformativeText(question.details)
        keep = box.addButton("Keep running", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton("Cancel builds", QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton("Don't close", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(stay)
        box.exec()
        clicked = box.clickedButton()
        if clicked is keep:
            return CloseChoice.KEEP_RUNNING
        if clicked is cancel:
            return CloseChoice.CANCEL_BUILDS
        return CloseChoice.STAY

    # ---------------------------------------------------------------- drag and drop of specs
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() and dropped_specs(mime.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        specs = dropped_specs(event.mimeData().urls())
        if not specs:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_dropped(specs)

    def import_dropped(self, specs: list[Path]) -> None:
        """Import each dropped spec like File › Import; unsaved edits are settled first."""
        if self.editor.dirty and self.record is not None:
            answer = QMessageBox.question(
                self,
                "Unsaved changes",
                f"Save the changes to {self.record.name} before importing {', '.join(p.name for p in specs)}?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Save:
                self.save(then=lambda _r: self._import_all(specs))
                return
            self.editor.load(self.record)  # discard: the editor shows the stored version again
        self._import_all(specs)

    def _import_all(self, specs: list[Path]) -> None:
        if len(specs) == 1:
            self.import_file(specs[0])
            return
        self._import_many(specs, replace=False, earlier=[])

    def _import_many(self, specs: list[Path], *, replace: bool, earlier: list[ImportOutcome]) -> None:
        """Several dropped files as one import (``app.projects.import_files``): one question
        for all the projects that exist, one summary for all the files, instead of a
        dialog per file."""

        def imported(answer: tuple[list[ImportOutcome], PixelError | None]) -> None:
            outcomes, error = answer
            if error is not None:  # the database failed: say what was stored before it, then why
                self._imported_many([*earlier, *outcomes])
                gui_errors.report_exception(error)
                return
            taken = [o for o in outcomes if isinstance(o.error, AlreadyExistsError)]
            if taken and not replace:
                question = QMessageBox(
                    QMessageBox.Icon.Question,
                    "Projects exist",
                    f"{len(taken)} of the dropped files hold projects that already exist "
                    f"({_named([Path(o.source).name for o in taken])}).\n\n"
                    "Replace the stored projects with the files' versions?",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    self,
                )
                question.setTextFormat(Qt.TextFormat.PlainText)  # file names are text, never markup
                if question.exec() == QMessageBox.StandardButton.Yes:
                    kept = [o for o in outcomes if o not in taken]
                    self._import_many([Path(o.source) for o in taken], replace=True, earlier=[*earlier, *kept])
                    return
            self._imported_many([*earlier, *outcomes])

        def failed(exc: BaseException) -> None:
            if earlier:
                self._imported_many(earlier)
            gui_errors.report_exception(exc)

        project_ops.import_specs(self.services, specs, replace=replace).success(imported).failure(
            failed
        ).run_in_background(self.tasks)

    def _imported_many(self, outcomes: list[ImportOutcome]) -> None:
        stored = [o.record for o in outcomes if o.record is not None]
        if stored:
            self.record = None
            self.refresh_projects(select=stored[-1].slug)
            self.tabs.setCurrentWidget(self.editor)
        problems = [_first_problem(o) for o in outcomes if o.error is not None]
        if not problems:
            count = f"{len(stored)} project{'s' if len(stored) != 1 else ''}"
            self.show_message("info", f"Imported {count}: {_named([r.name for r in stored])}.")
            return
        shown = problems[:MAX_NAMED_FILES]
        if len(problems) > MAX_NAMED_FILES:
            shown.append(f"… and {len(problems) - MAX_NAMED_FILES} more files not imported.")
        self.show_message(
            "error",
            f"Imported {len(stored)} of {len(outcomes)} files; not imported:\n" + "\n".join(shown),
        )

    def shutdown(self) -> None:
        if self._first_paint is not None:
            self._first_paint.cancel()
        if not self.attached:
            self._docker_timer.stop()
            self.tasks.wait_idle(10_000)
            return
        self.foreign_builds.stop()
        self.team_panel.stop()
        self.notifier_close()
        self._docker_timer.stop()
        self.deploy_tab.shutdown()
        self.eval_tab.shutdown()
        self.try_panel.shutdown()
        self.bridge.close()
        gui_errors.set_sink(None)
        self.tasks.wait_idle(10_000)


class _FirstPaint(QObject):
    """Calls back once, on the event loop's turn after the window's first Paint event (the
    frame is on screen by then), or after FIRST_PAINT_WAIT_MS when none comes."""

    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._callback: Callable[[], None] | None = callback
        window.installEventFilter(self)
        QTimer.singleShot(FIRST_PAINT_WAIT_MS, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self, self._fire)
        return False

    def cancel(self) -> None:
        self._callback = None
        self._window.removeEventFilter(self)

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            self._window.removeEventFilter(self)
            callback()
