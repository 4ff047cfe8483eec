"""One build, phase by phase: generating → building → testing → pushing → completed.

Why this shape: every transition is persisted (``store.builds.set_status``) *before* the
phase's work starts, so a crash leaves an honest record that the next start marks
``interrupted``; every phase checks the job's cancel flag and closes whatever stream is
open; and the test container is removed on every exit path. Secrets (registry password,
project secret env) are only held in memory, passed at run time, and redacted from logs.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from pixel_desktop import paths
from pixel_desktop.build import image_names, layer_reuse, wheelhouse
from pixel_desktop.docker.client import DockerClient
from pixel_desktop.docker.stream import StreamHandle
from pixel_desktop.errors import CancelledError, PixelError, RegistryError
from pixel_desktop.events import (
    BuildFinished,
    EventBus,
    LogLine,
    MetricSample,
    PhaseChanged,
    StepProgress,
)

if TYPE_CHECKING:
    from pixel_desktop.secrets import SecretStore
    from pixel_desktop.settings import Settings
    from pixel_desktop.store.ports import BuildProject, PipelineStore

PUSH_ATTEMPTS = 3
# The test container's CPU/memory chart needs several points even for a quick test run:
# sample this often while tests run, plus once when they end (one-shot reads: StatsPoller).
SAMPLE_INTERVAL_S = 0.5

_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass
class Job:
    """A submitted build: what to do, and the handles a cancel needs to reach."""

    build_id: int
    project_id: int
    project_slug: str
    run_tests: bool = True
    push_registry: str | None = None
    no_cache: bool = False
    cancel_event: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    handle: StreamHandle | None = None
    started: float | None = None
    timed_out: bool = False
    cancel_reason: str | None = None  # why it was cancelled, when not by the user (app closed)

    def time_out(self) -> None:
        """Stop the build like a cancel, but record it as failed (build_timeout_s)."""
        self.timed_out = True
        self.cancel()

    def cancel(self, reason: str | None = None) -> None:
        """``reason`` leads the record's message (e.g. "Cancelled because the app was closed.")."""
        if reason is not None and self.cancel_reason is None:
            self.cancel_reason = reason
        self.cancel_event.set()
        handle = self.handle
        if handle is not None:
            handle.close("cancelled")


@dataclass
class _Run:
    """Mutable state of one pipeline run (phase timings, results, secrets to redact)."""

    job: Job
    phases: dict[str, float] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)  # build record column values
    redact: list[str] = field(default_factory=list)
    phase: str | None = None
    phase_start: float = 0.0
    generated: dict[str, bytes] = field(default_factory=dict)  # path → content, this build
    previous: layer_reuse.PreviousBuild | None = None  # the build the cache reuse is explained against
    reuse: str | None = None  # the layer-reuse summary, repeated at the end of the log
    last_line: str = ""  # the last line logged (the summary is not repeated right below itself)
    # Record columns written with the final status (one transaction fewer for a plain build).
    final_fields: dict[str, Any] = field(default_factory=dict)


class BuildPipeline:
    def __init__(
        self,
        store: PipelineStore,
        settings: Settings,
        bus: EventBus,
        gateway_factory: Callable[[], DockerClient],
        secrets: SecretStore | None,
        store_lock: threading.RLock,
        *,
        release_docker: Callable[[DockerClient], None] | None = None,
    ) -> None:
        """``gateway_factory`` gives each build its Docker client; the build closes it at its
        end, unless ``release_docker`` is given (a shared connection: the build hands it back)."""
        self.store, self.settings, self.bus = store, settings, bus
        self._gateway_factory = gateway_factory
        self._release_docker = release_docker
        self._secrets = secrets
        self._lock = store_lock
        self._samples: dict[int, int] = {}

    @property
    def secrets(self) -> SecretStore:
        """The OS keyring, reached only by a build that tests or pushes (``None`` given: the
        default keyring, opened on first use, so a plain build never imports keyring)."""
        if self._secrets is None:
            from pixel_desktop.secrets import SecretStore

            self._secrets = SecretStore()
        return self._secrets

    # ---------------------------------------------------------------- helpers
    def _db(self, fn: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        with self._lock:
            return fn(*args, **kwargs)

    def _log(self, run: _Run, text: str, source: str = "build") -> None:
        for secret in run.redact:
            if secret:
                text = text.replace(secret, "********")
        run.last_line = text
        self.bus.publish(LogLine(run.job.build_id, text, source))

    def _enter(self, run: _Run, phase: str, **fields: Any) -> None:
        self._check_cancel(run)
        self._close_phase(run)
        run.phase, run.phase_start = phase, time.monotonic()
        self._db(self.store.builds.set_status, run.job.build_id, phase, **fields)
        self.bus.publish(PhaseChanged(run.job.build_id, phase))
        self._log(run, f"== {phase}", "engine")

    def _close_phase(self, run: _Run) -> None:
        if run.phase:
            run.phases[run.phase] = round(time.monotonic() - run.phase_start, 3)
            run.phase = None

    @staticmethod
    def _check_cancel(run: _Run) -> None:
        if run.job.cancel_event.is_set():
            raise CancelledError("The build was cancelled.")

    # ---------------------------------------------------------------- entry
    def run(self, job: Job) -> str:
        """Run all phases; return the terminal status. Never raises for build failures."""
        run = _Run(job)
        job.started = time.monotonic()
        status, error = "completed", None
        docker: DockerClient | None = None
        try:
            project = self._db(self.store.projects.get_by_id, job.project_id)
            self._enter(run, "generating")
            docker = self._gateway_factory()
            context_dir, requirements, base_image = self._generate(run, project, docker)
            self._enter(run, "building")
            image_ref = self._build(run, project, docker, context_dir, requirements, base_image)
            if job.run_tests:
                self._enter(run, "testing")
                self._test(run, project, docker, image_ref)
            if job.push_registry:
                self._enter(run, "pushing")
                self._push(run, project, docker, image_ref)
            # No cancel check here: every phase checked while it worked, and a cancel that
            # comes once the last one is done (Ctrl-C as the tests pass) would throw away a
            # finished, tested image. The log says it came too late.
            if job.cancel_event.is_set():
                late = "build_timeout_s ran out" if job.timed_out else "The cancel came"
                self._log(run, f"{late} after the build had finished; it stays completed.", "engine")
        except CancelledError as exc:
            status, error = "cancelled", str(exc)
        except PixelError as exc:
            status, error = (
                ("cancelled", "The build was cancelled.")
                if (job.cancel_event.is_set())
                else ("failed", str(exc))
            )
        except Exception as exc:  # a bug must still leave an honest record
            status, error = "failed", f"Unexpected error: {exc.__class__.__name__}: {exc}"
        finally:
            if docker is not None:
                if self._release_docker is not None:
                    self._release_docker(docker)
                else:
                    docker.close()
        self._close_phase(run)
        if status == "cancelled" and job.cancel_reason and not job.timed_out:
            error = f"{job.cancel_reason} {error}" if error else job.cancel_reason
        if status == "cancelled" and job.timed_out:
            status = "failed"
            error = (
                f"The build took longer than build_timeout_s ({self.settings.build_timeout_s} s) "
                "and was stopped. Raise it in the settings if builds are legitimately this slow."
            )
        if error:
            self._log(run, f"{status.upper()}: {error}", "engine")
        else:
            # Repeated at the end (after the test and push lines) so the log ends with it;
            # not when it is the line just above (`--no-test`: it would show twice in a row).
            if run.reuse and run.last_line != layer_reuse.LOG_PREFIX + run.reuse:
                self._log(run, layer_reuse.LOG_PREFIX + run.reuse, "engine")
            self._log(run, f"COMPLETED in {time.monotonic() - job.started:.1f} s", "engine")
        duration = round(time.monotonic() - job.started, 3)
        run.result.update(duration_s=duration, phases=dict(run.phases))
        fields: dict[str, Any] = {**run.final_fields, "phases": dict(run.phases)}
        if error:
            fields["error_message"] = self._redact(run, error)
        try:
            self._db(self.store.builds.set_status, job.build_id, status, **fields)
        except Exception as exc:  # the DB vanished; still tell subscribers
            self._log(run, f"could not record the final status: {exc}", "engine")
        self.bus.publish(PhaseChanged(job.build_id, status))
        self.bus.publish(
            BuildFinished(
                job.build_id, status, self._redact(run, error) if error else None, dict(run.result)
            )
        )
        return status

    @staticmethod
    def _redact(run: _Run, text: str) -> str:
        for secret in run.redact:
            if secret:
                text = text.replace(secret, "********")
        return text

    # ---------------------------------------------------------------- generating
    def _generate(
        self, run: _Run, project: BuildProject, docker: DockerClient
    ) -> tuple[Path, str, str]:
        from pixel_desktop import codegen

        spec = project.spec
        base_image = spec.deployment.base_image or self.settings.effective_base_image()
        files = codegen.render_project(
            spec, spec.template, base_image=base_image, project_id=project.id
        )
        context_dir = paths.ensure_inside(paths.workspaces_dir(), Path(f"build-{run.job.build_id}"))
        if context_dir.exists():
            shutil.rmtree(context_dir)
        codegen.write_build_context(files, context_dir)
        run.generated = {f.path: f.content for f in files}
        run.previous = self._db(layer_reuse.previous_build, self.store.builds, project.id)
        self._db(
            self.store.builds.add_artifacts,
            run.job.build_id,
            [(f.path, f.content, f.role) for f in files],
        )
        self._log(run, f"generated {len(files)} files into {context_dir}", "engine")
        requirements = codegen.requirements_for(files)
        return context_dir, requirements, base_image

    # ---------------------------------------------------------------- building
    def _build(
        self,
        run: _Run,
        project: BuildProject,
        docker: DockerClient,
        context_dir: Path,
        requirements: str,
        base_image: str,
    ) -> str:
        bid = run.job.build_id
        docker.ensure_base_image(base_image)
        self._check_cancel(run)
        target = wheelhouse.probe_target(docker, base_image)
        wheels = wheelhouse.ensure_wheels(
            requirements,
            target,
            on_log=lambda line: self._log(run, line, "engine"),
            cancel=run.job.cancel_event,
        )
        wheelhouse.copy_into_context(wheels, context_dir)
        self._check_cancel(run)
        repo = image_names.repository(
            str(getattr(self.store, "url", "") or ""), project.spec.client_slug, project.slug
        )
        image_ref = f"{repo}:{image_names.build_tag(bid)}"
        handle = StreamHandle()
        run.job.handle = handle
        if run.job.cancel_event.is_set():
            handle.close("cancelled")
        try:
            outcome = docker.build(
                context_dir,
                image_ref,
                on_log=lambda line: self._log(run, line, "docker"),
                on_step=lambda n, m, instr: self.bus.publish(StepProgress(bid, n, m, instr)),
                handle=handle,
                idle_timeout_s=self.settings.idle_stream_timeout_s,
                base_image=base_image,
                nocache=run.job.no_cache,
            )
        finally:
            run.job.handle = None
        docker.tag(outcome.image_id, repo, "latest")
        info = docker.inspect_image(outcome.image_id)
        image = {"image_name": image_ref, "image_id": info.id, "size_bytes": info.size_bytes}
        if run.job.run_tests or run.job.push_registry:  # shown while the later phases run
            self._db(self.store.builds.update, bid, **image)
        else:  # nothing runs in between: recorded with the final status, in one write
            run.final_fields.update(image)
        run.result.update(
            image=image_ref,
            image_id=info.id,
            size_bytes=info.size_bytes,
            cached_steps=outcome.cached_steps,
            steps_total=outcome.steps_total,
        )
        reuse = layer_reuse.explain(
            steps=outcome.layer_steps,
            cached=outcome.cached_instructions,
            no_cache=run.job.no_cache,
            current=run.generated,
            previous=run.previous,
        )
        run.reuse = reuse.summary()
        run.result["reuse"] = run.reuse
        self._log(
            run,
            f"image {image_ref} {info.id[:19]} ({info.size_bytes / 1e6:.1f} MB, "
            f"{outcome.cached_steps}/{outcome.steps_total} steps from cache)",
            "engine",
        )
        self._log(run, layer_reuse.LOG_PREFIX + run.reuse, "engine")
        return image_ref

    # ---------------------------------------------------------------- testing
    def _runtime_env(self, run: _Run, project: BuildProject) -> dict[str, str]:
        from pixel_desktop.build import tester

        env, redact = tester.runtime_env(
            project,
            project.spec,
            self.secrets,
            on_log=lambda line: self._log(run, line, "engine"),
        )
        run.redact.extend(redact)
        return env

    def _test(self, run: _Run, project: BuildProject, docker: DockerClient, image_ref: str) -> None:
        # Imported here: the container test's HTTP client (httpx) is not needed before it.
        from pixel_desktop.build import tester

        spec = project.spec
        bid = run.job.build_id
        env = self._runtime_env(run, project)
        stop_sampling = threading.Event()
        sampler: threading.Thread | None = None
        try:
            with tester.started_container(
                docker,
                image_ref,
                port=spec.deployment.port,
                environment=env,
                labels={"pixel.build-id": str(bid), "pixel.role": "test"},
                on_log=lambda line: self._log(run, line, "test"),
            ) as box:
                container_id = box.id
                sampler = threading.Thread(
                    target=self._sample_stats,
                    args=(docker, container_id, bid, stop_sampling),
                    name=f"pixel-stats-{bid}",
                    daemon=True,
                )
                sampler.start()
                try:
                    tester.wait_healthy(
                        box.base_url,
                        spec.deployment.endpoints.health,
                        timeout_s=self.settings.health_timeout_s,
                        cancel=run.job.cancel_event,
                        still_running=lambda: docker.container_running(container_id),
                        logs=lambda: self._redact(run, docker.container_logs(container_id)),
                    )
                    self._log(run, "health ok", "test")
                    passed = tester.run_conversation_tests(
                        box.base_url,
                        spec,
                        on_log=lambda line: self._log(run, line, "test"),
                        cancel=run.job.cancel_event,
                    )
                    tester.smoke(
                        box.base_url, spec, on_log=lambda line: self._log(run, line, "test")
                    )
                    run.result["tests_passed"] = passed
                    stop_sampling.set()  # the sampler takes its last point: the footprint after the tests
                    sampler.join(timeout=5)
                finally:
                    stop_sampling.set()
                    self._samples.pop(bid, None)
        finally:
            # After the removal, which also ends a stats call the sampler may be blocked in.
            if sampler is not None:
                sampler.join(timeout=5)

    def _sample_stats(
        self, docker: DockerClient, container_id: str, bid: int, stop: threading.Event
    ) -> None:
        """A CPU/memory point every SAMPLE_INTERVAL_S from the container's start, and one
        more once ``stop`` is set (the tests' end), unless the container is already gone."""
        poller = docker.stats_poller(container_id)
        next_at = time.monotonic()
        while True:
            last = stop.is_set()
            sample = poller.sample()
            if sample is None:
                return
            self._samples[bid] = self._samples.get(bid, 0) + 1
            self.bus.publish(MetricSample(bid, *sample))
            if last:
                return
            # On a fixed beat: a read's own time (~0.5 s on some daemons) does not stretch it.
            next_at = max(next_at + SAMPLE_INTERVAL_S, time.monotonic())
            stop.wait(next_at - time.monotonic())

    # ---------------------------------------------------------------- pushing
    def _push(self, run: _Run, project: BuildProject, docker: DockerClient, image_ref: str) -> None:
        name = run.job.push_registry
        assert name is not None
        registry = self._db(self.store.registries.get, name)
        password = None
        if registry.username:
            password = self.secrets.get_registry_password(registry.name, registry.username)
            if not password:
                raise RegistryError(
                    f"No password for {registry.username} at registry {name} in the OS keyring. "
                    f"Run `pixel registries add {name} --url {registry.url} --username "
                    f"{registry.username} --password-stdin`.",
                    kind="unauthorized",
                )
            run.redact.append(password)
        path = f"{project.spec.client_slug}/{project.slug}"
        repo = f"{registry.url}/{path}"
        tag = image_names.push_tag(str(getattr(self.store, "url", "") or ""), run.job.build_id)
        docker.tag(image_ref, repo, tag)
        auth = {"serveraddress": registry.url}
        if registry.username:
            auth.update(username=registry.username, password=password or "")
        outcome = None
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            self._check_cancel(run)
            handle = StreamHandle()
            run.job.handle = handle
            try:
                outcome = docker.push(
                    repo, tag, auth, on_log=lambda line: self._log(run, line, "push"), handle=handle
                )
                break
            except RegistryError as exc:
                if exc.kind != "unreachable" or attempt == PUSH_ATTEMPTS:
                    raise RegistryError(self._redact(run, str(exc)), kind=exc.kind) from None
                self._log(run, f"push attempt {attempt} failed ({exc}); retrying", "push")
                run.job.cancel_event.wait(2.0 * attempt)
            finally:
                run.job.handle = None
        assert outcome is not None
        from pixel_desktop.build.registry_api import RegistryAPI  # only a push needs it

        api = RegistryAPI(registry.url, registry.username, password, insecure=registry.insecure)
        served = api.manifest_digest(path, tag)
        if served != outcome.digest:
            raise RegistryError(
                f"The registry serves digest {served} for {repo}:{tag} but the push reported "
                f"{outcome.digest}; not marking the build as pushed.",
            )
        pushed_ref = f"{repo}:{tag}"
        self._db(
            self.store.builds.update,
            run.job.build_id,
            pushed_ref=pushed_ref,
            digest=outcome.digest,
            registry_name=name,
        )
        run.result.update(pushed_ref=pushed_ref, digest=outcome.digest)
        self._log(run, f"pushed {pushed_ref}@{outcome.digest} (verified in the registry)", "push")
