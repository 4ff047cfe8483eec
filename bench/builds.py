"""Items 1, 2 and 8: `pixel build` against the docker CLI, incremental rebuild, image size.

How "identical context" is guaranteed: the first (untimed) `pixel build` leaves its build
context under ``$PIXEL_HOME/workspaces/build-<id>``; the harness copies that folder once and
every `docker build` runs on the copy, while every `pixel build` regenerates the same bytes
(generation is deterministic). Cold runs start from an empty layer cache for both tools:
before every cold run (of either tool) the harness removes all images of the bench chain —
the bench project's Dockerfile is unique to it, so nothing else can feed that cache — and
both tools also get ``--no-cache``. `pixel build` names its images per store
(``pixel/<store id>/<client>/<project>``), so the harness asks ``image_names`` for the
bench store's repositories. Each run records how many steps came from the cache, so a cold
run that was not cold shows.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    CLIENT_SLUG,
    FAQ_SLUG,
    LEXICAL_SLUG,
    PIXEL,
    SAMPLE_SLUG,
    BenchError,
    Figure,
    Workspace,
    error_figure,
    figure,
    image_size,
    median,
    remove_images,
    timed,
)
from bench.specs import faq_spec, lexical_sample_spec, sample_spec, with_prompt

CLI_REPO = "pixel-bench/cli-sample"
_CACHE_RE = re.compile(r"(\d+)/(\d+) steps from cache")


@dataclass
class BuildState:
    """What later items reuse: the sample's build context and the image references."""

    sample_ctx: Path | None = None
    sample_image: str | None = None
    faq_image: str | None = None
    faq_build: dict[str, Any] = field(default_factory=dict)
    lexical_image: str | None = None


def repo(slug: str) -> str:
    """The repository `pixel build` tags SLUG's images in, in the bench store (the default
    store of the bench's PIXEL_HOME, which make_workspace put in this process's environment)."""
    from pixel_desktop import paths
    from pixel_desktop.build.image_names import repository

    return repository(paths.default_store_url(), CLIENT_SLUG, slug)


def store_images() -> str:
    """The reference pattern of every image `pixel build` made in the bench store (cleanup)."""
    return repo("*")


def open_store(ws: Workspace) -> Any:
    from pixel_desktop.store import Store

    return Store.open(f"sqlite:///{ws.home / 'pixel.db'}")


def setup_projects(ws: Workspace) -> None:
    store = open_store(ws)
    try:
        store.projects.replace(sample_spec())
        store.projects.replace(faq_spec())
        store.projects.replace(lexical_sample_spec())
    finally:
        store.close()


_DAEMON_GONE = ("stopped responding", "Cannot reach the Docker daemon")


def pixel_build(
    ws: Workspace, slug: str, *flags: str, env: dict[str, str] | None = None
) -> tuple[float, dict[str, Any]]:
    """Wall time of `pixel build SLUG --no-test` and its JSON result (cached steps added).

    The daemon is shared with other test runs that may restart it; a build that failed only
    because the daemon went away is run once more (the failed attempt is not timed).
    """
    try:
        return _pixel_build_once(ws, slug, *flags, env=env)
    except BenchError as exc:
        if not any(s in str(exc) for s in _DAEMON_GONE):
            raise
        print(f"   (daemon went away during `pixel build {slug}`; waiting for it and retrying once)", flush=True)
        ws.require_docker()
        return _pixel_build_once(ws, slug, *flags, env=env)


def _pixel_build_once(
    ws: Workspace, slug: str, *flags: str, env: dict[str, str] | None = None
) -> tuple[float, dict[str, Any]]:
    cmd = [PIXEL, "build", slug, "--no-test", "--json", *flags]
    wall, proc = timed(cmd, env=env or ws.env, check=False)
    try:
        result = json.loads(proc.stdout)
    except ValueError as exc:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"`pixel build {slug}` printed no JSON result (exit {proc.returncode}): {tail[:200]}") from exc
    if result.get("status") != "completed":
        raise BenchError(f"`pixel build {slug}` {result.get('status')}: {str(result.get('error'))[:200]}")
    result["cached"], result["steps"] = _cached_steps(ws, int(result["build_id"]))
    return wall, result


def _cached_steps(ws: Workspace, build_id: int) -> tuple[int | None, int | None]:
    store = open_store(ws)
    try:
        for line in store.builds.read_log(build_id):
            m = _CACHE_RE.search(line)
            if m:
                return int(m[1]), int(m[2])
    finally:
        store.close()
    return None, None


def cli_build(ws: Workspace, ctx: Path, tag: str, *, nocache: bool) -> tuple[float, dict[str, Any]]:
    cmd = ["docker", "build", "-t", tag, *(["--no-cache"] if nocache else []), str(ctx)]
    try:
        wall, proc = timed(cmd, env=ws.env)
    except BenchError:
        if _daemon_up(ws):
            raise
        print("   (daemon went away during `docker build`; waiting for it and retrying once)", flush=True)
        ws.require_docker()
        wall, proc = timed(cmd, env=ws.env)
    steps = re.findall(r"^Step (\d+)/(\d+) :", proc.stdout, re.M)
    return wall, {"cached": proc.stdout.count("---> Using cache"), "steps": int(steps[-1][1]) if steps else None}


def _daemon_up(ws: Workspace) -> bool:
    from bench.common import run

    return run(["docker", "version"], env=ws.env, check=False).returncode == 0


def wipe_sample_chain(ws: Workspace) -> None:
    remove_images(ws, repo(SAMPLE_SLUG), CLI_REPO)


def prepare(ws: Workspace, state: BuildState) -> None:
    """Untimed first build: warms the wheelhouse and yields the context the CLI builds."""
    ws.require_docker()
    setup_projects(ws)
    _wall, result = pixel_build(ws, SAMPLE_SLUG)
    src = ws.home / "workspaces" / f"build-{result['build_id']}"
    if not (src / "Dockerfile").is_file():
        raise BenchError(f"the engine left no build context at {src}")
    dest = ws.root / "ctx-sample"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest)
    state.sample_ctx = dest
    state.sample_image = f"{repo(SAMPLE_SLUG)}:latest"


def bench_build_overhead(ws: Workspace, state: BuildState, reps: int) -> list[Figure]:
    """Item 1 (cold and warm ratios) and item 2 (incremental / cold)."""
    if state.sample_ctx is None:
        prepare(ws, state)
    ctx = state.sample_ctx
    assert ctx is not None
    figures: list[Figure] = []
    runs: dict[str, list[float]] = {"pixel_cold": [], "cli_cold": [], "pixel_warm": [], "cli_warm": []}
    engine_s: dict[str, list[float]] = {"cold": [], "warm": [], "incremental": []}
    cached: dict[str, list[Any]] = {k: [] for k in runs} | {"incremental": []}

    def one(kind: str, temp: str, i: int) -> None:
        cold = temp == "cold"
        if cold:
            wipe_sample_chain(ws)
        if kind == "pixel":
            wall, res = pixel_build(ws, SAMPLE_SLUG, *(["--no-cache"] if cold else []))
            engine_s[temp].append(float(res.get("duration_s") or 0))
        else:
            wall, res = cli_build(ws, ctx, f"{CLI_REPO}:{temp}{i}", nocache=cold)
        runs[f"{kind}_{temp}"].append(wall)
        cached[f"{kind}_{temp}"].append(f"{res.get('cached')}/{res.get('steps')}")

    for temp in ("cold", "warm"):
        if temp == "warm":
            pixel_build(ws, SAMPLE_SLUG)  # untimed: put the cache back after the last wipe
        for i in range(reps):
            order = ("pixel", "cli") if i % 2 == 0 else ("cli", "pixel")  # interleaved, ABBA
            for kind in order:
                one(kind, temp, i)
        ratio = median(runs[f"pixel_{temp}"]) / median(runs[f"cli_{temp}"])
        engine_ratio = median(engine_s[temp]) / median(runs[f"cli_{temp}"])
        figures.append(
            figure(
                "1", f"build overhead {temp}: pixel build / docker build", ratio, "x",
                limit=1.05 if temp == "cold" else 1.5, op="<=",  # issue 16: cold <= 1.05x, warm <= 1.5x
                details={
                    "pixel_build_s": runs[f"pixel_{temp}"],
                    "docker_build_s": runs[f"cli_{temp}"],
                    "pixel_median_s": median(runs[f"pixel_{temp}"]),
                    "docker_median_s": median(runs[f"cli_{temp}"]),
                    "pixel_engine_duration_s": engine_s[temp],
                    "cached_steps_pixel": cached[f"pixel_{temp}"],
                    "cached_steps_docker": cached[f"cli_{temp}"],
                    "runs": reps,
                },
            )
        )
        figures.append(
            figure(
                "1", f"  {temp}: engine-reported build duration / docker build", engine_ratio, "x",
                details={"note": "without `pixel` process start-up and shutdown"},
            )
        )
    figures.append(_warm_without_server(ws, ctx, reps))
    figures.extend(_incremental(ws, runs["pixel_cold"], reps, engine_s, cached))
    remove_images(ws, CLI_REPO)
    return figures


def _warm_without_server(ws: Workspace, ctx: Path, reps: int) -> Figure:
    """Warm `pixel build` with the build server off (PIXEL_BUILD_SERVER=off): what a build
    costs when no server is up yet (the first of a session, or where none can run), so the
    table shows what the server buys and what remains without it."""
    off = {**ws.env, "PIXEL_BUILD_SERVER": "off"}
    pixel_s: list[float] = []
    docker_s: list[float] = []
    for i in range(reps):
        order = ("pixel", "cli") if i % 2 == 0 else ("cli", "pixel")
        for kind in order:
            if kind == "pixel":
                pixel_s.append(pixel_build(ws, SAMPLE_SLUG, env=off)[0])
            else:
                docker_s.append(cli_build(ws, ctx, f"{CLI_REPO}:off{i}", nocache=False)[0])
    return figure(
        "1", "  warm, build server off: pixel build / docker build", median(pixel_s) / median(docker_s), "x",
        details={"pixel_build_s": pixel_s, "docker_build_s": docker_s,
                 "note": "each `pixel build` starts Python, the store, Docker and Jinja itself"},
    )


def _incremental(
    ws: Workspace, cold: list[float], reps: int, engine_s: dict[str, list[float]], cached: dict[str, list[Any]]
) -> list[Figure]:
    store = open_store(ws)
    walls: list[float] = []
    try:
        for i in range(reps):
            current = store.projects.get(SAMPLE_SLUG)
            prompt = f"{current.spec.personality.system_prompt.rstrip()}\n(bench edit {i} {uuid.uuid4().hex[:8]})\n"
            store.projects.update(SAMPLE_SLUG, with_prompt(current.spec, prompt), current.version)
            wall, res = pixel_build(ws, SAMPLE_SLUG)
            walls.append(wall)
            engine_s["incremental"].append(float(res.get("duration_s") or 0))
            cached["incremental"].append(f"{res.get('cached')}/{res.get('steps')}")
    finally:
        store.close()
    ratio = median(walls) / median(cold)
    return [
        figure(
            "2", "incremental rebuild (prompt change) / cold build", ratio, "x", limit=0.1, op="<=",
            fmt="{:.3f}",
            details={
                "incremental_s": walls,
                "cold_median_s": median(cold),
                "incremental_median_s": median(walls),
                "pixel_engine_duration_s": engine_s["incremental"],
                "cached_steps": cached["incremental"],
            },
        ),
        figure(
            "2", "  engine-reported durations: incremental / cold",
            median(engine_s["incremental"]) / median(engine_s["cold"]), "x", fmt="{:.3f}",
            details={"note": "without `pixel` process start-up and shutdown"},
        ),
    ]


def ensure_faq_image(ws: Workspace, state: BuildState) -> str:
    if state.faq_image is None:
        ws.require_docker()
        setup_projects(ws)
        wall, res = pixel_build(ws, FAQ_SLUG)
        state.faq_image = f"{repo(FAQ_SLUG)}:latest"
        state.faq_build = {"wall_s": wall, **res}
    return state.faq_image


def ensure_sample_image(ws: Workspace, state: BuildState) -> str:
    if state.sample_image is None or not _exists(ws, state.sample_image):
        if state.sample_ctx is None:
            prepare(ws, state)
        else:
            pixel_build(ws, SAMPLE_SLUG)
        state.sample_image = f"{repo(SAMPLE_SLUG)}:latest"
    return state.sample_image


def _exists(ws: Workspace, ref: str) -> bool:
    from bench.common import run

    return run(["docker", "image", "inspect", ref], env=ws.env, check=False).returncode == 0


def ensure_lexical_image(ws: Workspace, state: BuildState) -> str:
    if state.lexical_image is None:
        ws.require_docker()
        setup_projects(ws)
        pixel_build(ws, LEXICAL_SLUG)
        state.lexical_image = f"{repo(LEXICAL_SLUG)}:latest"
    return state.lexical_image


def bench_image_size(ws: Workspace, state: BuildState) -> list[Figure]:
    """Item 8: generated image minus its base image (docker's Size, MB = 10^6 bytes).

    Semantic retrieval (the default) ships numpy, tokenizers and the float16 model: target
    150 MB. The lean lexical mode ships neither: target 60 MB."""
    assert ws.base_image
    base = image_size(ws, ws.base_image)
    figures = []
    for name, ensure, limit in (
        ("image size: sample (semantic) - base image", ensure_sample_image, 150),
        ("image size: 5,000-FAQ (semantic) - base image", ensure_faq_image, 150),
        ("image size: sample (lexical) - base image", ensure_lexical_image, 60),
    ):
        try:
            image = ensure(ws, state)
            figures.append(figure(
                "8", name, (image_size(ws, image) - base) / 1e6, "MB", limit=limit, op="<", fmt="{:.1f}",
                details={"image": image, "base_image": ws.base_image, "base_bytes": base,
                         "image_bytes": image_size(ws, image)}))
        except BenchError as exc:
            figures.append(error_figure("8", name, f"< {limit:.1f} MB", str(exc)))
    return figures
