"""Item 7: import 1,000 projects and list 10,000, on SQLite and on PostgreSQL.

"Import" is what `pixel projects import FILE...` does minus process start-up: the app's
``Projects.import_files`` over 1,000 spec files (read, parse and validate each, check its
template, then store every 100 in one transaction), timed; beside it its halves: YAML
parse + validate alone, and ``store.projects.create`` of parsed specs one transaction
each (what an import of one file does). The
store is then filled to 10,000 projects (sample-sized specs, 100 clients) in one bulk
transaction through the store's own ORM models with the same canonical spec JSON
(``create`` at the measured rate would take many minutes), and the list query
``store.project_list.summaries()`` — the columns a project list shows, what `pixel
projects list` runs — is timed, median of the repetitions, SQLite and PostgreSQL
interleaved. Beside it: the full records (``store.projects.list()``, every spec read, what
the figure timed before) and, on SQLite, the same query through plain sqlite3 (the path
`pixel projects list` takes on a current SQLite store, without SQLAlchemy).
PostgreSQL runs in a scratch schema (``search_path``) that is dropped afterwards.
"""

from __future__ import annotations

import gc
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import BenchError, Figure, Workspace, error_figure, figure, median
from bench.specs import filler_fields, filler_yaml, sample_data
from pixel_desktop.spec import load_spec_text

IMPORT_N = 1000
LIST_N = 10_000
LIST_REPS = 3
CREATE_ONLY_N = 100


@contextmanager
def _pg_scratch() -> Iterator[str]:
    base = os.environ.get("PIXEL_TEST_PG_URL")
    if not base:
        raise BenchError("PIXEL_TEST_PG_URL is not set; run `make services` (scripts/test-services.sh) first")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"pixel_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _import_files(url: str, folder: Path, texts: list[str]) -> float:
    """Write the specs as files, then time ``Projects.import_files`` over them (what
    `pixel projects import FILE...` runs), failing on any file it did not store."""
    from pixel_desktop.app.context import AppContext
    from pixel_desktop.app.projects import Projects

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"project-{i:05d}.yaml")
        files[-1].write_text(text, encoding="utf-8")
    ctx = AppContext(store_url=url)
    try:
        start = time.perf_counter()
        outcomes = list(Projects(ctx).import_files(files))
        took = time.perf_counter() - start
    finally:
        ctx.close()
    problems = [o.problem for o in outcomes if o.error is not None]
    if problems or len(outcomes) != len(files):
        raise BenchError(f"import stored {len(outcomes) - len(problems)} of {len(files)}: {problems[:1]}")
    return took


def settle_garbage() -> None:
    """Collect what the untimed work before a timed call left behind, as timeit does: the
    full records list (10,000 specs as dicts) otherwise triggers a full collection inside
    the next timed list query, which then pays about 110 ms for the previous call's objects."""
    gc.collect()


def _bulk_fill(store: Any, numbers: range) -> float:
    """Insert filler projects in one transaction, rows exactly as ``projects.create`` makes them."""
    from datetime import UTC, datetime

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from pixel_desktop.store.models import Client, Project, Template
    from pixel_desktop.store.projects import new_secrets_key

    start = time.perf_counter()
    base = sample_data()
    now = datetime.now(UTC)
    with Session(store.engine) as s, s.begin():
        clients = {c.name: c.id for c in s.scalars(select(Client))}
        template_id = s.scalar(select(Template.id).where(Template.name == base["template"]))
        if template_id is None or len(clients) < 100:
            raise BenchError("the timed import did not create the clients/template the filler needs")
        for i in numbers:
            data = dict(base, **filler_fields(i))
            s.add(Project(slug=data["slug"], name=data["name"], client_id=clients[data["client"]],
                          template_id=template_id, version=1, created_at=now, updated_at=now,
                          secrets_key=new_secrets_key(data["slug"]),
                          spec=json.dumps(data, ensure_ascii=False, separators=(",", ":"))))
    return time.perf_counter() - start


def bench_store(ws: Workspace, quick: bool) -> list[Figure]:
    from pixel_desktop.store import Store

    import_n, list_n = (200, 2000) if quick else (IMPORT_N, LIST_N)
    texts = [filler_yaml(i) for i in range(import_n)]
    figures: list[Figure] = []
    stores: dict[str, Any] = {}
    contexts = []
    try:
        backends = [("SQLite", lambda: _sqlite_url(ws)), ("PostgreSQL", None)]
        for name, make in backends:
            try:
                if make is None:
                    cm = _pg_scratch()
                    url = cm.__enter__()
                    contexts.append(cm)
                else:
                    url = make()
                store = Store.open(url)
                stores[name] = store
                took = _import_files(url, ws.root / f"store-import-{name.lower()}", texts[:import_n])
                rate = import_n / took
                figures.append(figure("7", f"store import ({name})", rate, "projects/s", limit=200, op=">=",
                                      fmt="{:.0f}", details={"projects": import_n, "seconds": took}))
                created = [filler_yaml(i) for i in range(list_n, list_n + CREATE_ONLY_N)]
                start = time.perf_counter()
                parsed = [load_spec_text(text, source=f"project {i}") for i, text in enumerate(created)]
                parse_s = time.perf_counter() - start
                start = time.perf_counter()
                for spec in parsed:
                    store.projects.create(spec)
                create_s = time.perf_counter() - start
                figures.append(figure("7", f"  YAML parse + validate only ({name} run)",
                                      1000 * parse_s / CREATE_ONLY_N, "ms/spec", fmt="{:.1f}"))
                figures.append(figure("7", f"  store create only, one transaction per project, spec parsed ({name})",
                                      CREATE_ONLY_N / create_s, "projects/s", fmt="{:.0f}"))
                fill_s = _bulk_fill(store, range(import_n, list_n - CREATE_ONLY_N))
                if store.projects.count() != list_n:
                    raise BenchError(f"{name} holds {store.projects.count()} projects, expected {list_n}")
                figures[-1].details["fill_rate_per_s"] = (list_n - import_n) / fill_s
            except Exception as exc:
                stores.pop(name, None)
                figures.append(error_figure("7", f"store ({name})", "list < 100 ms; import >= 200/s",
                                            f"{exc.__class__.__name__}: {exc}"))
        samples: dict[str, list[float]] = {name: [] for name in stores}
        full: dict[str, list[float]] = {name: [] for name in stores}
        for _ in range(LIST_REPS):
            for name, store in stores.items():  # interleaved
                settle_garbage()
                start = time.perf_counter()
                summaries = store.project_list.summaries()
                samples[name].append(time.perf_counter() - start)
                settle_garbage()
                start = time.perf_counter()
                records = store.projects.list()
                full[name].append(time.perf_counter() - start)
                if len(summaries) != list_n or len(records) != list_n:
                    raise BenchError(f"{name} list returned {len(summaries)}/{len(records)} projects, expected {list_n}")
        for name, values in samples.items():
            search = stores[name]
            start = time.perf_counter()
            hits = search.project_list.summaries("client 042")
            search_s = time.perf_counter() - start
            figures.append(figure("7", f"store list {list_n:,} ({name})", median(values) * 1000, "ms",
                                  limit=100, op="<", fmt="{:.0f}",
                                  details={"samples_ms": [v * 1000 for v in values],
                                           "search_ms": search_s * 1000, "search_hits": len(hits)}))
            figures.append(figure("7", f"  full records, every spec read: store.projects.list() ({name})",
                                  median(full[name]) * 1000, "ms", fmt="{:.0f}",
                                  details={"samples_ms": [v * 1000 for v in full[name]]}))
            if name == "SQLite":
                figures.append(_sqlite_reader_figure(search.url, list_n))
    finally:
        for store in stores.values():
            store.close()
        for cm in contexts:
            cm.__exit__(None, None, None)
    return figures


def _sqlite_reader_figure(url: str, list_n: int) -> Figure:
    from pixel_desktop.store.sqlite_reader import SqliteProjectList

    reader = SqliteProjectList.open(url)
    if reader is None:
        raise BenchError("the SQLite bench store is not current, so `pixel projects list` would not take the sqlite3 path")
    try:
        values = []
        for _ in range(LIST_REPS):
            settle_garbage()
            start = time.perf_counter()
            got = reader.summaries()
            values.append(time.perf_counter() - start)
            if len(got) != list_n:
                raise BenchError(f"the sqlite3 list returned {len(got)} projects, expected {list_n}")
    finally:
        reader.close()
    return figure("7", "  list query through plain sqlite3, as `pixel projects list` runs it (SQLite)",
                  median(values) * 1000, "ms", fmt="{:.0f}", details={"samples_ms": [v * 1000 for v in values]})


def _sqlite_url(ws: Workspace) -> str:
    path = ws.root / "store-bench.db"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"
