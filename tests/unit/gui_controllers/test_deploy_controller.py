"""The Deploy tab's decisions, without widgets and without Docker.

A fake of the services (typed against ``operations.deploys.DeployServices``), a runner that
holds each background call until the test lets it finish, and a view that records what it
was told. What is proven here is what the tab decides: buttons while a run is in flight,
Cancel for the run's own job, late answers for another project dropped, the chart's one
kept sampler (one connection) per deployment, plain text for daemon strings.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pytest
from deploy_record_fakes import FakeDeployment as Dep

from pixel_desktop.errors import DeployError, DockerUnavailableError
from pixel_desktop.gui.deploy_chart import Chart
from pixel_desktop.gui.deploy_controller import Buttons, Choice, DeployController, Operations
from pixel_desktop.gui.deploy_format import deployment_details, short_digest
from pixel_desktop.gui.operations.deploys import DeployServices, JobRef, LogFollower, follow_log

NOW = dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Target:
    name: str
    docker_host: str = "unix:///var/run/docker.sock"
    kind: str = "docker"


@dataclass(frozen=True)
class Build:
    id: int
    image_name: str | None = "pixel/acme:b1"
    completed_at: dt.datetime | None = NOW


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    verdict: str


@dataclass(frozen=True)
class Sample:
    cpu_percent: float = 3.0
    memory_bytes: int = 64 * 1_048_576
    memory_limit_bytes: int = 0
    health_latency_ms: float | None = 4.0
    healthy: bool = True
    ts: float = 100.0


class FakeSampler:
    def __init__(self, samples: list[Sample | BaseException]) -> None:
        self.samples = samples
        self.closed = False

    def sample(self) -> Sample:
        item = self.samples.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self.closed = True


class FakeServices:
    def __init__(self) -> None:
        self.targets: list[Target] = [Target("local"), Target("farm", kind="swarm")]
        self.builds: dict[str, list[Build]] = {"acme": [Build(2), Build(1)], "other": []}
        self.deployments: dict[str, list[Dep]] = {"acme": [], "other": []}
        self.calls: list[tuple[Any, ...]] = []
        self.submit_error: BaseException | None = None
        self.final: dict[int, Dep] = {}
        self.cancelled: list[JobRef] = []
        self.samplers: list[FakeSampler] = []
        self.sample_script: list[Sample | BaseException] = []
        self.next_id = 10

    def list_targets(self) -> Sequence[Target]:
        return list(self.targets)

    def completed_builds(self, slug: str, limit: int = 50) -> Sequence[Build]:
        return list(self.builds[slug])

    def list_deployments(self, slug: str, limit: int = 100) -> Sequence[Dep]:
        return list(self.deployments[slug])

    def check_target(self, name: str, slug: str | None = None) -> Check:
        self.calls.append(("check", name, slug))
        return Check(name, True, "READY: Docker 27")

    def submit_deploy(self, slug: str, target: str, *, build_id: int | None = None, via: str | None = None) -> JobRef:
        self.calls.append(("deploy", slug, target, build_id, via))
        if self.submit_error is not None:
            raise self.submit_error
        self.next_id += 1
        return JobRef("deploy", self.next_id)

    def submit_rollback(self, slug: str, target: str) -> JobRef:
        self.calls.append(("rollback", slug, target))
        self.next_id += 1
        return JobRef("rollback", self.next_id)

    def cancel_job(self, job: JobRef) -> bool:
        self.cancelled.append(job)
        return True

    def wait_job(self, job: JobRef) -> Dep:
        return self.final[job.id]

    def deploy_sampler(self, slug: str, target: str) -> FakeSampler:
        sampler = FakeSampler(self.sample_script)
        self.samplers.append(sampler)
        return sampler

    def _ended(self, slug: str, target: str, status: str, note: str) -> Dep:
        self.calls.append((status, slug, target))
        self.next_id += 1
        record = Dep(self.next_id, status=status, target_name=target, config_snapshot={"note": note})
        self.deployments[slug] = [record, *self.deployments[slug]]
        return record

    def stop_deployment(self, slug: str, target: str) -> Dep:
        return self._ended(slug, target, "stopped", f"Stopped pixel-{slug} on {target}.")

    def remove_deployment(self, slug: str, target: str) -> Dep:
        return self._ended(slug, target, "removed", f"Removed pixel-{slug} from {target}.")

    def deployment_log(self, slug: str, target: str, *, tail: int | None = 200, follow: bool = False) -> Any:
        raise AssertionError("the view reads logs, not the controller")


class HeldRunner:
    """Holds background calls until ``finish`` runs them (in order): a slow daemon."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], object], Any, Any]] = []

    def run(self, fn: Callable[[], object], on_done: Any = None, on_error: Any = None) -> None:
        self.pending.append((fn, on_done, on_error))

    def finish(self, count: int | None = None) -> None:
        n = len(self.pending) if count is None else count
        for _ in range(n):
            fn, on_done, on_error = self.pending.pop(0)
            try:
                result = fn()
            except BaseException as exc:
                if on_error is not None:
                    on_error(exc)
                continue
            if on_done is not None:
                on_done(result)

    def drain(self) -> None:
        while self.pending:
            self.finish(1)


class FakeView:
    def __init__(self) -> None:
        self.visible = True
        self.targets: tuple[Sequence[Choice], str | None] = ((), None)
        self.builds: tuple[Sequence[Choice], int | None] = ((), None)
        self.rows: list[Any] = []
        self.title = ""
        self.verdict = ("", "")
        self.log: list[str] = []
        self.buttons: Buttons | None = None
        self.chart: Chart | None = None
        self.sampling = False
        self.selected: int | None = None
        self.messages: list[tuple[str, str]] = []
        self.clipboard = ""
        self.operations: Any = None
        self.confirm_answer = True
        self.confirmed: list[str] = []
        self.logs_opened: list[tuple[str, str]] = []

    def show_targets(self, choices: Sequence[Choice], selected: str | None) -> None:
        self.targets = (choices, selected)

    def show_builds(self, choices: Sequence[Choice], selected: int | None) -> None:
        self.builds = (choices, selected)

    def show_history(self, rows: Sequence[Any], selected_id: int | None, now: Mapping[int, str]) -> None:
        self.rows = list(rows)
        self.now = dict(now)

    def show_title(self, rich_text: str) -> None:
        self.title = rich_text

    def show_verdict(self, text: str, tone: str) -> None:
        self.verdict = (text, tone)

    def set_log(self, text: str) -> None:
        self.log = text.splitlines()

    def append_log(self, line: str) -> None:
        self.log.append(line)

    def show_buttons(self, buttons: Buttons) -> None:
        self.buttons = buttons

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart

    def reset_chart(self) -> None:
        self.chart = None

    def set_sampling(self, on: bool) -> None:
        self.sampling = on

    def is_visible(self) -> bool:
        return self.visible

    def selected_deployment_id(self) -> int | None:
        return self.selected

    def message(self, level: str, text: str) -> None:
        self.messages.append((level, text))

    def copy_text(self, text: str) -> None:
        self.clipboard = text

    def show_operations(self, operations: Any) -> None:
        self.operations = operations

    def confirm(self, title: str, text: str, action: str) -> bool:
        self.confirmed.append(text)
        return self.confirm_answer

    def open_log(self, slug: str, target: str) -> None:
        self.logs_opened.append((slug, target))


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


def _open(services: FakeServices, slug: str = "acme", *, visible: bool = True) -> tuple[DeployController, HeldRunner, FakeView]:
    fake: DeployServices = services  # the fake is checked against the tab's services seam
    runner, view = HeldRunner(), FakeView()
    view.visible = visible
    controller = DeployController(fake, runner, view)
    controller.set_project(slug)
    runner.drain()
    return controller, runner, view


def test_first_target_and_newest_build_are_chosen_and_deploy_is_enabled(services: FakeServices) -> None:
    controller, _runner, view = _open(services, visible=False)
    assert controller.target == "local" and controller.build_id == 2
    choices, selected = view.targets
    assert [c.text for c in choices] == ["local", "farm (swarm)"] and selected == "local"
    assert view.builds[0][0].text.endswith("(latest)")
    assert view.buttons == Buttons(deploy=True, rollback=False, check=True, cancel=False, cancel_visible=False, pickers=True)


def test_a_visible_tab_checks_the_shown_target_once(services: FakeServices) -> None:
    controller, runner, view = _open(services)
    assert services.calls.count(("check", "local", "acme")) == 1
    assert view.verdict == ("local: READY: Docker 27", "ok")
    controller.maybe_auto_check()
    runner.drain()
    assert services.calls.count(("check", "local", "acme")) == 1


def test_no_target_and_no_build_say_what_to_do_and_keep_deploy_disabled(services: FakeServices) -> None:
    services.targets = []
    _controller, _runner, view = _open(services, "other", visible=False)
    assert "add one in Settings → Targets" in view.verdict[0]
    assert view.builds[0][0].value is None and "build the project first" in view.builds[0][0].text
    assert view.buttons is not None and not view.buttons.deploy and not view.buttons.check


def test_deploy_runs_as_a_job_freezes_the_pickers_and_offers_cancel_once_submitted(services: FakeServices) -> None:
    controller, runner, view = _open(services, visible=False)
    controller.select_via("load")
    controller.deploy()
    assert controller.running and view.buttons == Buttons(
        deploy=False, rollback=False, check=True, cancel=False, cancel_visible=True, pickers=False
    ), "Cancel shows at once but needs the job"
    runner.finish(1)  # submitted
    assert services.calls[-1] == ("deploy", "acme", "local", 2, "load")
    job = controller.job
    assert job == JobRef("deploy", 11)
    assert view.buttons is not None and view.buttons.cancel

    controller.cancel()
    assert view.buttons.cancel is False, "one cancel request per run"
    assert any("cancel requested" in line for line in view.log)
    wait, cancel = runner.pending
    runner.pending = [cancel]
    runner.finish(1)  # the cancel call
    assert services.cancelled == [job]

    services.final[11] = Dep(11, status="cancelled", error_message="Cancelled; the previous version keeps serving.")
    services.deployments["acme"] = [services.final[11]]
    runner.pending.append(wait)
    runner.drain()  # the wait returns the final record, then the history reloads
    assert not controller.running and controller.last_record == services.final[11]
    assert view.messages[-1][0] == "warning" and "cancelled" in view.messages[-1][1]
    assert view.buttons == Buttons(deploy=True, rollback=False, check=True, cancel=False, cancel_visible=False, pickers=True)
    assert [d.id for d in view.rows] == [11]


def test_a_refused_deploy_is_one_sentence_in_the_log_title_and_banner(services: FakeServices) -> None:
    services.submit_error = DeployError("Build 2 was not pushed to a registry; deploy with --via load.")
    controller, runner, view = _open(services, visible=False)
    controller.deploy()
    runner.drain()
    assert not controller.running and controller.last_record is None
    assert view.messages[-1] == ("error", "Build 2 was not pushed to a registry; deploy with --via load.")
    assert view.log[-1].endswith("error: Build 2 was not pushed to a registry; deploy with --via load.")
    assert view.buttons is not None and view.buttons.deploy


def test_progress_of_another_deployment_does_not_reach_this_runs_log(services: FakeServices) -> None:
    controller, runner, view = _open(services, visible=False)
    controller.on_progress(5, "health", "not ours", None)
    assert not any("not ours" in line for line in view.log), "idle: nothing is this tab's"
    controller.deploy()
    runner.finish(1)
    controller.on_progress(5, "health", "other window", None)
    controller.on_progress(11, "health", "<b>ours</b>", None)
    assert not any("other window" in line for line in view.log)
    assert any("[health] <b>ours</b>" in line for line in view.log)
    assert view.title == "Deployment #11 — health: &lt;b&gt;ours&lt;/b&gt;", "daemon text is escaped"


def test_rollback_needs_two_healthy_deployments_on_the_chosen_target(services: FakeServices) -> None:
    services.deployments["acme"] = [Dep(3), Dep(2, target_name="farm"), Dep(1, status="failed")]
    controller, runner, view = _open(services, visible=False)
    assert view.buttons is not None and not view.buttons.rollback
    services.deployments["acme"] = [Dep(3), Dep(2)]
    controller.refresh_history()
    runner.drain()
    assert view.buttons.rollback
    controller.rollback()
    runner.finish(1)
    assert services.calls[-1] == ("rollback", "acme", "local") and controller.job is not None


def test_the_history_marks_per_target_which_deployment_serves_now(services: FakeServices) -> None:
    services.deployments["acme"] = [
        Dep(5, status="failed"),  # a failed deploy leaves #4 serving
        Dep(4),
        Dep(3),  # replaced by #4
        Dep(2, target_name="farm", status="stopped"),  # a stop ends #1 on farm
        Dep(1, target_name="farm"),
    ]
    _controller, _runner, view = _open(services, visible=False)
    assert view.now == {4: "serving", 3: "replaced", 1: "stopped"}


def test_late_answers_for_the_previous_project_are_dropped(services: FakeServices) -> None:
    services.deployments["acme"] = [Dep(3)]
    runner, view = HeldRunner(), FakeView()
    view.visible = False
    controller = DeployController(services, runner, view)
    controller.set_project("acme")
    controller.set_project("other")  # before acme's answers arrive
    runner.drain()
    assert controller.history == [] and controller.builds == []


def test_current_deployment_title_links_a_healthy_url_and_escapes_record_text(services: FakeServices) -> None:
    services.deployments["acme"] = [Dep(4, status="failed", url=None, error_message="<a href='x'>boom</a>")]
    _controller, _runner, view = _open(services, visible=False)
    assert "&lt;a href=&#x27;x&#x27;&gt;boom&lt;/a&gt;" in view.title and "<a " not in view.title
    services.deployments["acme"] = [Dep(5)]
    _controller, _runner, view = _open(services, visible=False)
    assert "<a href='http://127.0.0.1:8000'" in view.title and "healthy" in view.title
    assert view.log[0] == "Deployment #5", "idle: the log shows the current deployment's details"


def test_chart_samples_through_one_kept_sampler_and_reconnects_after_a_failure(services: FakeServices) -> None:
    services.deployments["acme"] = [Dep(5)]
    services.sample_script = [
        Sample(ts=100.0),
        Sample(ts=102.0, cpu_percent=7.5),
        DockerUnavailableError("Cannot reach the Docker daemon at unix:///x."),
        Sample(ts=106.0, health_latency_ms=None, healthy=False),
    ]
    controller, runner, view = _open(services)
    assert view.sampling, "visible + healthy: the timer runs"
    runner.drain()  # the first sample is taken at once
    controller.poll_sample()
    runner.drain()
    assert len(services.samplers) == 1, "two ticks, one connection"
    assert view.chart is not None and view.chart.cpu.title == "Container CPU: 7.5 %"
    assert view.chart.cpu.xs == [0.0, 2.0]
    controller.poll_sample()
    runner.drain()
    assert view.chart.latency.title == "Health latency: Cannot reach the Docker daemon at unix:///x."
    assert services.samplers[0].closed, "a failed sample drops its connection"
    controller.poll_sample()
    runner.drain()
    assert len(services.samplers) == 2, "the next tick reconnects"
    assert view.chart.latency.title == "Health latency: /health is not answering"
    assert len(view.chart.latency.xs) == 2 and view.chart.last_x == 6.0

    controller.hidden()
    assert not view.sampling
    controller.shutdown()
    assert services.samplers[1].closed


def test_no_sampling_for_a_failed_deployment_or_a_hidden_tab(services: FakeServices) -> None:
    services.deployments["acme"] = [Dep(5, status="failed")]
    controller, _runner, view = _open(services)
    assert not view.sampling and controller.sampler is None
    services.deployments["acme"] = [Dep(5)]
    controller2, _runner2, view2 = _open(services, visible=False)
    assert not view2.sampling and controller2.sampler is None


def test_copy_url_uses_the_selected_row_else_the_current_deployment(services: FakeServices) -> None:
    services.deployments["acme"] = [Dep(6, url="http://b:1"), Dep(5, url="http://a:1")]
    controller, _runner, view = _open(services, visible=False)
    assert controller.copy_url() == "http://b:1"
    view.selected = 5
    assert controller.copy_url() == "http://a:1" and view.clipboard == "http://a:1"
    services.deployments["acme"] = [replace(Dep(7), url=None)]
    controller, _runner, view = _open(services, visible=False)
    assert controller.copy_url() is None and view.messages[-1][0] == "warning"


def test_details_name_secrets_but_never_their_values() -> None:
    dep = Dep(8, config_snapshot={"via": "load", "port": 8000, "secret_env": {"API_KEY": "***"}, "env_vars": {"MODE": "x"}})
    text = deployment_details(dep, [Target("local")])
    assert "API_KEY (from the OS keyring, never stored)" in text and "***" not in text
    assert "local (docker · unix:///var/run/docker.sock)" in text
    assert short_digest("sha256:" + "ab" * 32) == "sha256:abababababab"


def test_details_say_a_secret_left_unset_was_not_read_rather_than_taken_from_the_keyring() -> None:
    snapshot = {"secret_env": {"LLM_API_KEY": "***", "SMTP_PASSWORD": "***"}, "secret_env_unset": ["LLM_API_KEY"]}
    text = deployment_details(Dep(9, config_snapshot=snapshot), [Target("local")])
    assert "SMTP_PASSWORD (from the OS keyring, never stored)" in text
    assert "LLM_API_KEY (not set; the service does not read it)" in text
    assert "LLM_API_KEY (from" not in text and "LLM_API_KEY, " not in text


def test_closing_the_kept_sampler_never_waits_for_a_running_tick(services: FakeServices) -> None:
    import threading

    from pixel_desktop.gui.operations.deploys import KeptSampler

    started, release = threading.Event(), threading.Event()

    class SlowSampler(FakeSampler):
        def sample(self) -> Sample:
            started.set()
            release.wait(10)
            return Sample()

    slow = SlowSampler([])
    services.deploy_sampler = lambda slug, target: slow  # type: ignore[method-assign]
    kept = KeptSampler(services, "acme", "local")
    tick = threading.Thread(target=kept.sample)
    tick.start()
    assert started.wait(10)
    kept.close()  # returns at once although the tick still holds the connection
    assert not slow.closed
    release.set()
    tick.join(10)
    assert slow.closed, "the tick that was running closed it when it ended"
    with pytest.raises(RuntimeError):
        kept.sample()


# ---------------------------------------------------------------- stop / remove / logs

def test_stop_asks_first_then_records_stopped_and_leaves_only_remove_and_logs(
    services: FakeServices,
) -> None:
    services.deployments["acme"] = [Dep(5, status="healthy")]
    controller, runner, view = _open(services, visible=False)
    assert view.operations == Operations(stop=True, remove=True, logs=True)

    view.confirm_answer = False
    controller.stop()
    assert "Stop acme on local?" in view.confirmed[-1] and not runner.pending

    view.confirm_answer = True
    controller.stop()
    assert view.operations == Operations(stop=False, remove=False, logs=True), "one at a time"
    runner.drain()

    assert ("stopped", "acme", "local") in services.calls
    assert view.messages[-1] == ("info", "Stopped pixel-acme on local.")
    assert controller.current_deployment().status == "stopped"
    assert view.operations == Operations(stop=False, remove=True, logs=True)


def test_remove_confirms_and_then_nothing_is_left_to_stop_or_read(services: FakeServices) -> None:
    services.deployments["acme"] = [Dep(5, status="healthy")]
    controller, runner, view = _open(services, visible=False)
    controller.remove()
    runner.drain()
    assert "Remove acme from local?" in view.confirmed[-1]
    assert view.operations == Operations(stop=False, remove=False, logs=False)
    controller.open_log()
    assert view.logs_opened == [] and view.messages[-1][0] == "warning"


def test_no_deployment_on_the_target_offers_no_operations_and_logs_open_for_a_live_one(
    services: FakeServices,
) -> None:
    controller, _runner, view = _open(services, visible=False)
    assert view.operations == Operations(stop=False, remove=False, logs=False)
    services.deployments["acme"] = [Dep(5, status="healthy")]
    controller.refresh_history()
    _runner.drain()
    controller.open_log()
    assert view.logs_opened == [("acme", "local")]


class _Log:
    source = "container pixel-acme-d5 (running)"

    def __init__(self) -> None:
        self.closed = threading.Event()
        self.release = threading.Event()

    def __iter__(self) -> Iterator[str]:
        yield "first"
        self.release.wait(5)  # a followed log blocks until a line comes or it is closed
        if not self.closed.is_set():
            yield "late"

    def close(self) -> None:
        self.closed.set()
        self.release.set()


class _LogServices:
    def __init__(self) -> None:
        self.log = _Log()
        self.asked: list[Any] = []

    def deployment_log(self, slug: str, target: str, *, tail: int | None = 200, follow: bool = False) -> _Log:
        self.asked.append((slug, target, tail, follow))
        return self.log


def test_the_log_follower_streams_lines_and_closing_it_ends_the_read() -> None:
    services = _LogServices()
    follower = LogFollower(services, "acme", "local", tail=50)  # type: ignore[arg-type]
    sources: list[str] = []
    lines: list[str] = []
    result: list[bool] = []
    op = follow_log(follower, sources.append, lines.append)
    reader = threading.Thread(target=lambda: result.append(op.run_now()))
    reader.start()
    while not lines:
        threading.Event().wait(0.01)
    follower.close()
    reader.join(5)
    assert not reader.is_alive()
    assert services.asked == [("acme", "local", 50, True)]
    assert sources == ["container pixel-acme-d5 (running)"] and lines == ["first"]
    assert result == [True] and services.log.closed.is_set()


def test_a_log_closed_before_it_opened_is_closed_at_once() -> None:
    services = _LogServices()
    follower = LogFollower(services, "acme", "local")  # type: ignore[arg-type]
    follower.close()
    assert follower.read(lambda _s: None, lambda _l: None) is True
    assert services.log.closed.is_set()
