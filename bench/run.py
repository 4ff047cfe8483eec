"""`make bench`: measure the app against the limits it cannot beat, side by side, in one run.

Every figure is a ratio or value measured in this run on this machine (medians of
interleaved repetitions, because the machines here are small and noisy), printed as a
table with its target and a PASS / MISS verdict and written to bench/results/latest.json.
An item that cannot run shows ERROR with a one-line reason and the others still run; the
exit code is non-zero only when the harness itself breaks.

    .venv/bin/python bench/run.py            # the full run (what `make bench` does)
    .venv/bin/python bench/run.py --quick    # fewer/shorter repetitions, for development
    .venv/bin/python bench/run.py --only 3,7 # some items (results go to results/partial.json)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import machine
from bench.common import (
    PIXEL,
    REPO,
    Figure,
    Workspace,
    cleanup_root,
    error_figure,
    make_workspace,
    remove_images,
    run,
)

RESULTS = Path(__file__).resolve().parent / "results"


def _items() -> list[tuple[str, str, str, Callable[..., list[Figure]]]]:
    """(item id, name shown on ERROR, target shown on ERROR, runner) in run order."""
    from bench import assistant, builds, cli, context, gui, quality, store, team

    return [
        ("12", "`pixel projects list` / `docker image ls`; `pixel --version`", "<= 0.30 s; <= 0.15 s", lambda ws, st, a: cli.bench_cli(ws, a.quick)),
        ("7", "store import / list (SQLite, PostgreSQL)", "list < 100 ms; import >= 200/s", lambda ws, st, a: store.bench_store(ws, a.quick)),
        ("1", "build overhead cold/warm: pixel build / docker build", "<= 1.05 cold; <= 1.2 warm", lambda ws, st, a: builds.bench_build_overhead(ws, st, a.reps)),
        ("8", "image size: generated - base", "< 60 MB", lambda ws, st, a: builds.bench_image_size(ws, st)),
        ("3", "context preparation: build start -> first byte to daemon", "< 0.5 s", lambda ws, st, a: context.bench_context(ws, st, a.reps)),
        ("5", "start-up: pixel-desktop --screenshot / bare PySide6", "<= 2", lambda ws, st, a: gui.bench_startup(ws, a.reps)),
        ("4", "GUI log flood: highest rate with stall p99 < 50 ms", ">= 10,000 lines/s", lambda ws, st, a: gui.bench_flood(ws, a.quick)),
        ("9", "peak RSS: GUI (build + 100k-line flood)", "< 400 MB", lambda ws, st, a: gui.bench_gui_rss(ws, st)),
        ("6", "assistant /chat throughput vs bare FastAPI (+ item 9 assistant RSS)", ">= 0.7 of bare", lambda ws, st, a: assistant.bench_assistant(ws, st, a.quick)),
        ("10", "assistant quality on BANKING77: ours vs nearest neighbour", ">= +0.03 balanced", lambda ws, st, a: quality.bench_quality(ws, a.quick)),
        ("11", team.NAME, ">= 1.6", lambda ws, st, a: team.bench_team_throughput(ws, a.quick)),
    ]


def print_table(figures: list[Figure], out=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    rows = [("#", "figure", "measured", "target", "verdict")]
    rows += [(f.item, f.name, f.shown, f.target, f.verdict) for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    widths[2] = min(widths[2], 60)
    for n, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) if len(row[i]) <= widths[i] else row[i] for i in range(4)]
        print("  ".join([*cells, row[4]]), file=out)
        if n == 0:
            print("  ".join("-" * w for w in [*widths, 7]), file=out)


def markdown(figures: list[Figure], meta: dict) -> str:
    lines = [
        f"Measured {meta['finished_at']} on {machine.one_line(meta['machine'])}"
        f"{' (quick mode: fewer repetitions)' if meta['quick'] else ''}.",
    ]
    # Re-runs since the full run, newest last; an item re-run later supersedes its earlier rows.
    for rerun in meta.get("reruns", []):
        if rerun["at"] > meta["finished_at"] and "machine" in rerun:
            items = ", ".join(str(i) for i in rerun["items"])
            noun = "Item" if len(rerun["items"]) == 1 else "Items"
            lines.append(f"{noun} {items} re-measured {rerun['at']} on {machine.one_line(rerun['machine'])}.")
    lines += [
        "",
        "| # | figure | measured | target | verdict |",
        "|---|---|---|---|---|",
    ]
    for f in figures:
        name = f.name.replace("|", "\\|")
        name = f"↳ {name.strip()}" if name.startswith("  ") else name  # a detail of the row above
        shown = f.shown.replace("|", "\\|")
        lines.append(f"| {f.item} | {name} | {shown} | {f.target} | {f.verdict} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer and shorter repetitions (development only)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions per build figure (default 5, quick 2)")
    parser.add_argument("--only", metavar="IDS", help="comma-separated item numbers to run, e.g. 1,3")
    parser.add_argument("--out", type=Path, help="JSON result file (default results/latest.json for full runs)")
    parser.add_argument("--update", action="store_true",
                        help="with --only: replace just these items' figures in the existing result file")
    parser.add_argument("--keep", action="store_true", help="keep the temp workspace and bench images")
    args = parser.parse_args(argv)
    args.reps = args.reps or (2 if args.quick else 5)
    only = {s.strip() for s in args.only.split(",")} if args.only else None
    partial = (bool(only) and not args.update) or args.quick or args.reps < 5
    out = args.out or RESULTS / ("partial.json" if partial else "latest.json")
    if args.update and (not only or args.quick or not out.exists()):
        parser.error("--update needs --only, a full (non --quick) run and an existing result file")

    from bench.builds import BuildState

    root = Path(tempfile.mkdtemp(prefix="pixel-bench-"))
    ws: Workspace = make_workspace(root, args.quick)
    state = BuildState()
    started = datetime.now(UTC)
    meta = {"machine": machine.describe(ws.env, REPO), "quick": args.quick, "reps": args.reps,
            "started_at": started.isoformat(timespec="seconds")}
    print(f"pixel bench: workspace {root}", flush=True)
    print(f"machine: {machine.one_line(meta['machine'])}", flush=True)
    figures: list[Figure] = []
    timings: dict[str, float] = {}
    try:
        for item_id, name, target, runner in _items():
            if only and item_id not in only:
                continue
            print(f"\n== item {item_id}: {name}", flush=True)
            t0 = time.monotonic()
            try:
                got = runner(ws, state, args)
            except Exception as exc:  # one broken item must not stop the others
                traceback.print_exc()
                got = [error_figure(item_id, name, target, f"{exc.__class__.__name__}: {exc}")]
            timings[item_id] = round(time.monotonic() - t0, 1)
            for f in got:
                f.source = item_id  # which runner made it (item 6's also reports item 9)
                print(f"   {f.name}: {f.shown}  [{f.verdict}]", flush=True)
            figures.extend(got)
    finally:
        run([PIXEL, "build-server", "stop"], env=ws.env, check=False)  # the bench's servers
        if not args.keep:
            try:
                from bench.builds import store_images  # pixel/<store id>/pixel-bench/*

                remove_images(ws, "pixel/pixel-bench/*", "pixel-bench/*", store_images())
            except Exception as exc:  # cleanup must never hide the results
                print(f"warning: could not remove the bench images: {exc}", file=sys.stderr)
            cleanup_root(root)
    meta["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["item_seconds"] = timings
    if args.update:  # a re-run of some items (e.g. after a shared daemon was restarted)
        previous = json.loads(out.read_text())
        kept = [Figure(**f) for f in previous["figures"] if f.get("source", f["item"]) not in only]
        # The full run's time and machine stay the meta's; each re-run says its own (the
        # README table then names which rows came from which machine).
        rerun = {"items": sorted(only, key=int), "at": meta["finished_at"], "machine": meta["machine"]}
        meta = {**previous["meta"], "reruns": [*previous["meta"].get("reruns", []), rerun]}
        figures = kept + figures
    order = {k: i for i, k in enumerate("123456789")}
    figures.sort(key=lambda f: order.get(f.item, 99))
    print()
    print_table(figures)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "figures": [f.as_dict() for f in figures]}, indent=1) + "\n")
    print(f"\nwrote {out}")
    if out.name == "latest.json":  # the table the README's Performance section quotes
        md = out.with_suffix(".md")
        md.write_text(markdown(figures, meta))
        print(f"wrote {md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
