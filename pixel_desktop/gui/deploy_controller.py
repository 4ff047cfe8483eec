"""The Deploy tab's state and decisions, without widgets.

Why a controller apart from the view: the tab decides a lot (which target and build are
chosen, what the status line says for an event, when the chart samples, which buttons are
live while a deploy runs, what a late answer for another project may still change). Here
those rules run against a fake of the services and a synchronous runner, so they are tested
without Qt widgets and without Docker; ``deploy_tab.DeployTab`` only draws what this says
(``DeployView``) and forwards clicks.

Deploys and rollbacks are jobs of the core's runner: the tab submits one, keeps its job ref
(so Cancel works from the first stage on) and waits for its final record on a pool thread.
Every background call is a named operation of ``gui.operations.deploys``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pixel_desktop.gui import deploy_format as fmt
from pixel_desktop.gui.deploy_chart import MAX_SAMPLES, Chart
from pixel_desktop.gui.deploy_chart import chart as chart_of
from pixel_desktop.gui.deploy_format import Deployment, Target
from pixel_desktop.gui.messages import user_message
from pixel_desktop.gui.operations import ChangeOp, Runner
from pixel_desktop.gui.operations import deploys as ops
from pixel_desktop.gui.operations.deploys import (
    Build,
    DeployServices,
    JobRef,
    KeptSampler,
    Sample,
    TargetCheck,
)

NO_TARGET_HINT = (
    "No deploy target yet: add one in Settings → Targets (e.g. the local socket "
    "unix:///var/run/docker.sock or ssh://user@host), then deploy."
)
CHECK_HINT = "Choose a target and press Check target to see whether it is ready."
NO_BUILD_TEXT = "No completed build — build the project first"


@dataclass(frozen=True, slots=True)
class Buttons:
    """Which controls are live: pickers and actions are frozen while a run is in flight."""

    deploy: bool
    rollback: bool
    check: bool
    cancel: bool
    cancel_visible: bool
    pickers: bool


@dataclass(frozen=True, slots=True)
class Operations:
    """Stop / Remove / Logs of the chosen target's deployment: live when something of this
    project may run there (its newest record is not ``removed``) and nothing else is in
    flight; Logs also stays live during a run (reading never changes the target)."""

    stop: bool
    remove: bool
    logs: bool


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a picker: its text, its value (None = nothing to choose) and tooltip."""

    text: str
    value: str | int | None
    tip: str = ""


class DeployView(Protocol):
    """What the controller asks of the tab's widgets (``DeployTab`` implements it)."""

    def show_targets(self, choices: Sequence[Choice], selected: str | None) -> None: ...
    def show_builds(self, choices: Sequence[Choice], selected: int | None) -> None: ...
    def show_history(self, rows: Sequence[Deployment], selected_id: int | None, now: Mapping[int, str]) -> None: ...
    def show_title(self, rich_text: str) -> None: ...
    def show_verdict(self, text: str, tone: str) -> None: ...  # tone: "" | "ok" | "bad"
    def set_log(self, text: str) -> None: ...
    def append_log(self, line: str) -> None: ...
    def show_buttons(self, buttons: Buttons) -> None: ...
    def show_chart(self, chart: Chart) -> None: ...
    def reset_chart(self) -> None: ...
    def set_sampling(self, on: bool) -> None: ...  # the view owns the 2 s timer
    def is_visible(self) -> bool: ...
    def selected_deployment_id(self) -> int | None: ...
    def message(self, level: str, text: str) -> None: ...
    def copy_text(self, text: str) -> None: ...
    def show_operations(self, operations: Operations) -> None: ...
    def confirm(self, title: str, text: str, action: str) -> bool: ...
    def open_log(self, slug: str, target: str) -> None: ...  # the view's log window


def newest_build_id(builds: Sequence[Build]) -> int | None:
    """The build that completed last (the highest id among equal or unknown times)."""
    if not builds:
        return None
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(builds, key=lambda b: (b.completed_at or epoch, b.id)).id


class DeployController:
    def __init__(self, services: DeployServices, runner: Runner, view: DeployView) -> None:
        self._services = services
        self._runner = runner
        self._view = view
        self.slug: str | None = None
        self.targets: list[Target] = []
        self.builds: list[Build] = []
        self.history: list[Deployment] = []
        self.samples: list[Sample] = []
        self.target: str | None = None
        self.build_id: int | None = None
        self._newest_build: int | None = None  # the newest completed build at the last load
        self.via: str | None = None
        self.running = False  # a deploy or rollback started from this tab is in flight
        self.job: JobRef | None = None  # that run's job, once submitted
        self.cancel_requested = False
        self.last_record: Deployment | None = None  # the record the last run ended with
        self.last_check: TargetCheck | None = None
        self.checked_target: str | None = None  # target a check was last started for
        self.checking = 0  # target checks in flight
        self.history_generation = -1  # generation whose history is shown
        self.generation = 0  # bumps on project change so late answers for the old one drop
        self.sampler: KeptSampler | None = None
        self._sampling = False  # a sample is in flight
        self._sampling_on = False  # the view's 2 s timer runs
        self.latency_error: str | None = None  # why the last sample failed, for the chart title
        self._t0: float | None = None
        self._shown_target: str | None = None
        self._log_is_run = False  # the stage log shows a run (else the deployment's details)
        self.ending: str | None = None  # "stop" / "remove" in flight

    # ---------------------------------------------------------------- decisions
    def buttons(self) -> Buttons:
        ready = self.slug is not None and self.target is not None and not self.running
        return Buttons(
            deploy=ready and self.build_id is not None,
            rollback=ready and self.healthy_count() >= 2,
            check=self.target is not None and not self.checking,
            cancel=self.running and self.job is not None and not self.cancel_requested,
            cancel_visible=self.running,
            pickers=not self.running,
        )

    def healthy_count(self) -> int:
        return sum(1 for d in self.history if d.target_name == self.target and d.status == "healthy")

    def current_deployment(self) -> Deployment | None:
        """The chosen target's newest deployment of this project."""
        return next((d for d in self.history if d.target_name == self.target), None)

    def operations(self) -> Operations:
        dep = self.current_deployment()
        live = self.slug is not None and dep is not None and dep.status != "removed"
        idle = live and not self.running and self.ending is None
        return Operations(stop=idle and dep is not None and dep.status != "stopped", remove=idle, logs=live)

    def _update_buttons(self) -> None:
        self._view.show_buttons(self.buttons())
        self._view.show_operations(self.operations())

    # ---------------------------------------------------------------- project / data loading
    def set_project(self, slug: str | None) -> None:
        if slug == self.slug:
            return
        self.slug = slug
        self.generation += 1
        self.history = []
        self._view.set_log("")
        self._view.show_title("No deployment yet")
        self._log_is_run = False
        self.last_check = None
        self.checked_target = None
        self._view.show_verdict(CHECK_HINT, "")
        self._reset_chart()
        self.refresh()

    def refresh(self) -> None:
        """Reload targets, completed builds and the deployment history."""
        slug, generation = self.slug, self.generation
        ops.list_targets(self._services).success(self._targets_loaded).failure(
            self._load_failed("deploy targets")
        ).run_in_background(self._runner)
        if slug is None:
            self._builds_loaded(generation, [])
            self._history_loaded(generation, [])
            return
        ops.completed_builds(self._services, slug).success(
            lambda builds: self._builds_loaded(generation, builds)
        ).failure(self._load_failed("completed builds")).run_in_background(self._runner)
        self.refresh_history()

    def refresh_history(self) -> None:
        slug, generation = self.slug, self.generation
        if slug is None:
            return
        ops.deployment_history(self._services, slug).success(
            lambda rows: self._history_loaded(generation, rows)
        ).failure(self._load_failed("deployment history")).run_in_background(self._runner)

    def _load_failed(self, what: str) -> Callable[[BaseException], None]:
        return lambda exc: self._view.message("error", f"Cannot load the {what}: {user_message(exc)[1]}")

    def _targets_loaded(self, targets: Sequence[Target]) -> None:
        self.targets = list(targets)
        choices = [Choice(fmt.target_label(t), t.name, f"{t.kind} · {t.docker_host}") for t in targets]
        names = [t.name for t in targets]
        selected = self.target if self.target in names else (names[0] if names else None)
        if not targets:
            choices = [Choice("No deploy targets", None)]
            self._view.show_verdict(NO_TARGET_HINT, "")
        self.target = selected
        self._view.show_targets(choices, selected)
        self._target_changed()

    def _builds_loaded(self, generation: int, builds: Sequence[Build]) -> None:
        if generation != self.generation:
            return
        self.builds = list(builds)
        choices = []
        for i, b in enumerate(builds):
            when = b.completed_at.astimezone().strftime("%b %d %H:%M") if b.completed_at else ""
            latest = " (latest)" if i == 0 else ""
            choices.append(Choice(f"#{b.id} · {when}{latest}", b.id, b.image_name or ""))
        ids = [b.id for b in builds]
        newest = newest_build_id(builds)
        # The newest completed build is preselected: on the first load, and again whenever a
        # newer one completed since (a pick of an older build survives plain reloads only).
        if self.build_id not in ids or newest != self._newest_build:
            self.build_id = newest
        self._newest_build = newest
        if not builds:
            choices = [Choice(NO_BUILD_TEXT, None)]
        self._view.show_builds(choices, self.build_id)
        self._update_buttons()

    def _history_loaded(self, generation: int, rows: Sequence[Deployment]) -> None:
        if generation != self.generation:
            return
        from pixel_desktop.app.deploys import now_states  # loaded with the App already

        self.history = list(rows)
        self.history_generation = generation
        self._view.show_history(self.history, self._view.selected_deployment_id(), now_states(self.history))
        self._show_current()
        self._update_buttons()
        self.update_sampling()

    # ---------------------------------------------------------------- choices
    def select_target(self, name: str | None) -> None:
        if name == self.target:
            return
        self.target = name
        self._target_changed()

    def select_build(self, build_id: int | None) -> None:
        self.build_id = build_id
        self._update_buttons()

    def select_via(self, via: str | None) -> None:
        self.via = via

    def _target_changed(self) -> None:
        if self.target != self._shown_target and not self.running:
            self._shown_target = self.target
            self._log_is_run = False  # another target: show its deployment, not the old run
        if self.last_check is not None and self.last_check.name != self.target:
            self.last_check = None
            self._view.show_verdict("Press Check target to see whether this target is ready.", "")
        self._show_current()
        self._update_buttons()
        self.update_sampling()
        self.maybe_auto_check()

    def maybe_auto_check(self) -> None:
        """Check the shown target once when it first appears, so its verdict is there at a glance."""
        if (
            self._view.is_visible()
            and self.target is not None
            and self.checked_target != self.target
            and not self.running
        ):
            self.check_target()

    def _show_current(self) -> None:
        if self.running:
            return
        dep = self.current_deployment()
        if dep is None:
            self._view.show_title(
                "No deployment on this target yet" if self.target else "No deployment yet"
            )
            if not self._log_is_run:
                self._view.set_log("")
            return
        self._view.show_title(fmt.deployment_title(dep))
        if not self._log_is_run:
            self._view.set_log(fmt.deployment_details(dep, self.targets))

    # ---------------------------------------------------------------- target check
    def check_target(self) -> None:
        name, slug = self.target, self.slug
        if name is None:
            self._view.message("warning", "Add a deploy target in Settings → Targets first.")
            return
        self.checked_target = name
        self.checking += 1
        self._update_buttons()
        self._view.show_verdict(f"Checking {name}…", "")

        def done(check: TargetCheck) -> None:
            self.checking -= 1
            self._update_buttons()
            if name != self.target:
                return  # the user picked another target meanwhile
            self.last_check = check
            self._view.show_verdict(f"{name}: {check.verdict}", "ok" if check.ok else "bad")

        def failed(exc: BaseException) -> None:
            self.checking -= 1
            self._update_buttons()
            if name != self.target:
                return
            self._view.show_verdict(f"{name}: NOT READY: {user_message(exc)[1]}", "bad")

        ops.check_target(self._services, name, slug).success(done).failure(
            failed
        ).run_in_background(self._runner)

    # ---------------------------------------------------------------- deploy / rollback / cancel
    def deploy(self) -> None:
        slug, target, build_id, via = self.slug, self.target, self.build_id, self.via
        if slug is None or target is None or build_id is None or self.running:
            return
        self._start_run(f"Deploying build #{build_id} of {slug} to {target}…")
        ops.submit_deploy(self._services, slug, target, build_id, via).success(
            self._submitted
        ).failure(self._run_failed).run_in_background(self._runner)

    def rollback(self) -> None:
        slug, target = self.slug, self.target
        if slug is None or target is None or self.running:
            return
        self._start_run(f"Rolling {slug} on {target} back to the previous healthy deployment…")
        ops.submit_rollback(self._services, slug, target).success(self._submitted).failure(
            self._run_failed
        ).run_in_background(self._runner)

    def cancel(self) -> None:
        """Ask the runner to cancel the run; its record ends in the runner's cancelled state
        (the previous version keeps serving), reported when the wait returns."""
        job = self.job
        if not self.running or job is None or self.cancel_requested:
            return
        self.cancel_requested = True
        self._log_line("cancel requested: stopping at the next safe point…")
        self._update_buttons()

        def failed(exc: BaseException) -> None:
            self.cancel_requested = False
            self._view.message(*user_message(exc))
            self._update_buttons()

        ops.cancel_job(self._services, job).success(lambda _ok: None).failure(
            failed
        ).run_in_background(self._runner)

    def _start_run(self, text: str) -> None:
        self.running = True
        self.job = None
        self.cancel_requested = False
        self.last_record = None
        self._log_is_run = True
        self._view.set_log("")
        self._log_line(text)
        self._view.show_title(fmt.plain_title(text))
        self._update_buttons()

    def _submitted(self, job: JobRef) -> None:
        self.job = job
        self._update_buttons()
        ops.wait_job(self._services, job).success(self._run_done).failure(
            self._run_failed
        ).run_in_background(self._runner)

    def _run_done(self, record: Deployment) -> None:
        self.running = False
        self.job = None
        self.cancel_requested = False
        self.last_record = record
        self._view.message(*fmt.run_result_message(record))
        self._reset_chart()
        self.refresh_history()
        self._update_buttons()

    def _run_failed(self, exc: BaseException) -> None:
        self.running = False
        self.job = None
        self.cancel_requested = False
        level, text = user_message(exc)
        self._log_line(f"error: {text}")
        self._view.show_title(fmt.plain_title(text))
        self._view.message(level, text)
        self.refresh_history()
        self._update_buttons()

    # ---------------------------------------------------------------- live events
    def _log_line(self, text: str, ts: float | None = None) -> None:
        self._view.append_log(fmt.log_line(text, ts))

    def _is_this_run(self, deployment_id: int) -> bool:
        """An event of this tab's run (another window's or the CLI's deploys are not)."""
        if not self.running:
            return False
        return self.job is None or not deployment_id or deployment_id == self.job.id

    def on_progress(self, deployment_id: int, stage: str, message: str, ts: float | None) -> None:
        if not self._is_this_run(deployment_id):
            return
        self._log_line(f"[{stage}] {message}", ts)
        if deployment_id:
            self._view.show_title(
                fmt.plain_title(f"Deployment #{deployment_id} — {stage}: {message}")
            )

    def on_finished(
        self, deployment_id: int, status: str, url: str | None, error: str | None, ts: float | None
    ) -> None:
        if not self._is_this_run(deployment_id):
            return
        line = f"finished: {fmt.status_text(status)}"
        if url:
            line += f" at {url}"
        if error:
            line += f" — {error}"
        self._log_line(line, ts)

    # ---------------------------------------------------------------- history actions
    def deployment(self, deployment_id: int | None) -> Deployment | None:
        return next((d for d in self.history if d.id == deployment_id), None)

    def copy_url(self) -> str | None:
        dep = self.deployment(self._view.selected_deployment_id()) or self.current_deployment()
        if dep is None or not dep.url:
            self._view.message("warning", "Select a deployment with a URL first.")
            return None
        self._view.copy_text(dep.url)
        self._view.message("info", f"Copied {dep.url}")
        return str(dep.url)

    # ---------------------------------------------------------------- stop / remove / logs
    def stop(self) -> None:
        """Stop the chosen target's deployment after the user confirms (containers kept)."""
        slug, target = self.slug, self.target
        if slug is None or target is None or not self.operations().stop:
            return
        if not self._view.confirm(
            "Stop deployment",
            f"Stop {slug} on {target}? It stops answering until you deploy again; its "
            "container (or Swarm service) is kept.",
            "Stop",
        ):
            return
        self._end("stop", ops.stop_deployment(self._services, slug, target))

    def remove(self) -> None:
        """Remove the chosen target's deployment after the user confirms."""
        slug, target = self.slug, self.target
        if slug is None or target is None or not self.operations().remove:
            return
        if not self._view.confirm(
            "Remove deployment",
            f"Remove {slug} from {target}? Its containers (or Swarm service) are deleted and "
            "it stops answering; the history and the build's image are kept, so you can "
            "deploy it again.",
            "Remove",
        ):
            return
        self._end("remove", ops.remove_deployment(self._services, slug, target))

    def _end(self, what: str, op: ChangeOp[Deployment]) -> None:
        generation = self.generation
        self.ending = what
        self._update_buttons()

        def done(record: Deployment) -> None:
            self.ending = None
            note = str((record.config_snapshot or {}).get("note") or fmt.status_text(record.status))
            self._view.message("info", note)
            if generation == self.generation:
                self._log_is_run = False
                self.refresh_history()
            self._update_buttons()

        def failed(exc: BaseException) -> None:
            self.ending = None
            self._view.message(*user_message(exc))
            self._update_buttons()

        op.success(done).failure(failed).run_in_background(self._runner)

    def open_log(self) -> None:
        """Show the chosen target's deployment log in the view's log window (followed)."""
        if self.slug is None or self.target is None or not self.operations().logs:
            self._view.message("warning", "Choose a target this project is deployed on first.")
            return
        self._view.open_log(self.slug, self.target)

    # ---------------------------------------------------------------- live chart
    def sample_key(self) -> tuple[str, str] | None:
        dep = self.current_deployment()
        if self._view.is_visible() and self.slug and dep is not None and dep.status == "healthy":
            return (self.slug, dep.target_name)
        return None

    def update_sampling(self) -> None:
        """Sample only while visible and the chosen target's newest deployment is healthy;
        one kept sampler (one connection) per (project, target)."""
        key = self.sample_key()
        current = (self.sampler.slug, self.sampler.target) if self.sampler else None
        if key != current:
            self._close_sampler()
            self._reset_chart()
            if key is not None:
                self.sampler = KeptSampler(self._services, *key)
        if key is None:
            self._set_sampling(False)
            return
        if not self._sampling_on:
            self._set_sampling(True)
            self.poll_sample()

    def _set_sampling(self, on: bool) -> None:
        self._sampling_on = on
        self._view.set_sampling(on)

    def hidden(self) -> None:
        """A hidden tab costs nothing: the timer stops (the kept connection stays open)."""
        self._set_sampling(False)

    def poll_sample(self) -> None:
        kept = self.sampler
        if kept is None or self._sampling or not self._view.is_visible():
            return
        self._sampling = True

        def done(sample: Sample) -> None:
            self._sampling = False
            if kept is self.sampler:
                self._add_sample(sample)

        def failed(exc: BaseException) -> None:
            # A target that stops answering is shown on the chart title, not as a banner
            # every 2 s; the sampler reconnects on the next tick.
            self._sampling = False
            if kept is self.sampler:
                self.latency_error = user_message(exc)[1]
                self._view.show_chart(self.chart())

        ops.sample(kept).success(done).failure(failed).run_in_background(self._runner)

    def _add_sample(self, sample: Sample) -> None:
        self.latency_error = None
        self.samples.append(sample)
        del self.samples[:-MAX_SAMPLES]
        if self._t0 is None:
            self._t0 = sample.ts
        self._view.show_chart(self.chart())

    def chart(self) -> Chart:
        """The three charts for the samples so far (titles say the newest value)."""
        return chart_of(self.samples, self._t0, self.latency_error)

    def _reset_chart(self) -> None:
        self.samples = []
        self._t0 = None
        self.latency_error = None
        self._view.reset_chart()

    def _close_sampler(self) -> None:
        kept, self.sampler = self.sampler, None
        self._sampling = False
        if kept is not None:
            ops.close_sampler(kept).ignore_failure().run_in_background(self._runner)

    # ---------------------------------------------------------------- lifecycle
    def ready_for_screenshot(self, min_samples: int = 8) -> bool:
        """``--screenshot --tab deploy``: history loaded and, with a healthy deployment, a chart."""
        if self.slug is None or self.history_generation != self.generation:
            return False
        if self.checking or (self.target is not None and self.checked_target != self.target):
            return False
        dep = self.current_deployment()
        if dep is None or dep.status != "healthy":
            return True
        if len(self.samples) < min_samples:
            return False
        self._set_sampling(False)  # freeze the chart so no sample job keeps the window busy
        return True

    def shutdown(self) -> None:
        self._set_sampling(False)
        kept, self.sampler = self.sampler, None
        if kept is not None:
            kept.close()
