"""The store's contract, proven on SQLite and on a real PostgreSQL (same tests, both)."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from pixel_desktop.errors import AlreadyExistsError, ConflictError, InputError, NotFoundError
from pixel_desktop.spec import dump_spec, load_spec_file, spec_from_data
from pixel_desktop.spec.model import ProjectSpec
from pixel_desktop.store import Store
from pixel_desktop.store.models import Base

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "acme-support.yaml"


def make_spec(name: str, client: str = "Acme Corp", **extra: object) -> ProjectSpec:
    data: dict[str, object] = {"spec_version": 1, "name": name, "client": client}
    data.update(extra)
    return spec_from_data(data)


# --------------------------------------------------------------------------- schema
def test_fresh_store_is_built_by_migrations_and_matches_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() is not None
        assert compare_metadata(ctx, Base.metadata) == []


def test_registries_table_has_no_password_column(store: Store) -> None:
    columns = {c["name"] for c in inspect(store.engine).get_columns("registries")}
    assert {"name", "url", "username", "insecure"} <= columns
    assert not [c for c in columns if "pass" in c or "secret" in c or "token" in c]


def test_reopening_a_current_store_keeps_data_and_makes_no_backup(store_url: str) -> None:
    with Store.open(store_url) as first:
        first.projects.create(make_spec("Keeper"))
    with Store.open(store_url) as again:
        assert again.backup_file is None
        assert again.projects.get("keeper").name == "Keeper"


# ------------------------------------------------------------------------- projects
def test_project_round_trips_spec_with_hostile_text(store: Store) -> None:
    spec = load_spec_file(SAMPLE)
    hostile = spec.model_copy(
        update={"description": "Ünïcødé 🤖 \"quotes\" 'single' {{ jinja }} $(rm -rf /)\nline two\n"}
    )
    created = store.projects.create(hostile)
    loaded = store.projects.get(created.slug)
    assert loaded.spec == hostile
    assert dump_spec(loaded.spec) == dump_spec(hostile)
    assert (loaded.name, loaded.client, loaded.template, loaded.version) == (
        spec.name,
        spec.client,
        spec.template,
        1,
    )
    assert store.projects.get_by_id(created.id) == loaded
    assert loaded.created_at.tzinfo is not None


def test_create_refuses_a_slug_that_is_taken(store: Store) -> None:
    store.projects.create(make_spec("Bot"))
    with pytest.raises(AlreadyExistsError, match="'bot' already exists"):
        store.projects.create(make_spec("Bot", client="Other"))
    assert store.projects.count() == 1


def test_list_is_sorted_by_client_then_name_and_search_filters(store: Store) -> None:
    store.projects.create(make_spec("Zeta helper", client="beta Ltd"))
    store.projects.create(make_spec("alpha helper", client="Beta Ltd 2"))
    store.projects.create(make_spec("Support", client="Acme"))
    store.projects.create(make_spec("Billing", client="Acme"))
    assert [p.slug for p in store.projects.list()] == [
        "billing",
        "support",
        "zeta-helper",
        "alpha-helper",
    ]
    assert [p.slug for p in store.projects.list("HELPER")] == ["zeta-helper", "alpha-helper"]
    assert [p.slug for p in store.projects.list("acme")] == ["billing", "support"]
    assert store.projects.list("100%") == []
    assert store.projects.list("_") == []  # LIKE wildcards are escaped
    assert store.projects.count() == 4


def test_clients_are_upserted_by_name(store: Store) -> None:
    a = store.projects.create(make_spec("One", client="Shared Client"))
    b = store.projects.create(make_spec("Two", client="Shared Client"))
    assert a.client == b.client == "Shared Client"
    from sqlalchemy import select

    from pixel_desktop.store.models import Client

    with store.engine.connect() as conn:
        assert conn.execute(select(Client.name)).scalars().all() == ["Shared Client"]


def test_update_bumps_version_and_stale_version_is_a_conflict(store: Store) -> None:
    rec = store.projects.create(make_spec("Bot"))
    saved = store.projects.update("bot", make_spec("Bot", description="v2"), rec.version)
    assert saved.version == 2 and saved.spec.description == "v2"
    assert saved.updated_at >= rec.updated_at
    with pytest.raises(ConflictError) as err:
        store.projects.update("bot", make_spec("Bot", description="stale"), rec.version)
    assert err.value.current_version == 2
    assert str(err.value) == (
        "Project 'bot' was changed by someone else (now version 2, you edited version 1). "
        "Reload to see their changes or overwrite with yours."
    )
    assert store.projects.get("bot").spec.description == "v2"


def test_two_users_on_one_store_get_a_conflict_and_no_lost_update(store_url: str) -> None:
    alice, bob = Store.open(store_url), Store.open(store_url)
    try:
        alice.projects.create(make_spec("Shared Bot"))
        a_view = alice.projects.get("shared-bot")
        b_view = bob.projects.get("shared-bot")
        alice.projects.update(
            "shared-bot", make_spec("Shared Bot", description="Alice"), a_view.version
        )
        with pytest.raises(ConflictError, match="changed by someone else") as err:
            bob.projects.update(
                "shared-bot", make_spec("Shared Bot", description="Bob"), b_view.version
            )
        assert err.value.current_version == 2
        assert bob.projects.get("shared-bot").spec.description == "Alice"
        # Bob reloads and chooses to overwrite: now his text wins, version 3.
        mine = bob.projects.overwrite("shared-bot", make_spec("Shared Bot", description="Bob"))
        assert (mine.version, alice.projects.get("shared-bot").spec.description) == (3, "Bob")
    finally:
        alice.close()
        bob.close()


def test_simultaneous_saves_from_the_same_version_let_exactly_one_win(store_url: str) -> None:
    stores = [Store.open(store_url) for _ in range(4)]
    try:
        stores[0].projects.create(make_spec("Race"))
        barrier = threading.Barrier(len(stores))
        outcomes: list[str] = []

        def save(i: int) -> None:
            barrier.wait()
            try:
                stores[i].projects.update("race", make_spec("Race", description=f"user {i}"), 1)
                outcomes.append(f"user {i}")
            except ConflictError:
                outcomes.append("conflict")

        threads = [threading.Thread(target=save, args=(i,)) for i in range(len(stores))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        winners = [o for o in outcomes if o != "conflict"]
        assert len(outcomes) == len(stores) and len(winners) == 1
        final = stores[0].projects.get("race")
        assert (final.version, final.spec.description) == (2, winners[0])
    finally:
        for s in stores:
            s.close()


def test_replace_creates_or_overwrites(store: Store) -> None:
    first = store.projects.replace(make_spec("Bot"))
    second = store.projects.replace(make_spec("Bot", description="new"))
    assert (first.id, first.version) == (second.id, 1)
    assert second.version == 2 and second.spec.description == "new"


def test_update_can_rename_but_not_onto_a_taken_slug(store: Store) -> None:
    rec = store.projects.create(make_spec("Old Name"))
    store.projects.create(make_spec("Taken"))
    renamed = store.projects.update("old-name", make_spec("New Name"), rec.version)
    assert renamed.slug == "new-name" and renamed.id == rec.id
    with pytest.raises(AlreadyExistsError):
        store.projects.update("new-name", make_spec("Taken"), renamed.version)
    with pytest.raises(NotFoundError, match="'old-name'"):
        store.projects.get("old-name")


def test_missing_things_raise_not_found_naming_them(store: Store) -> None:
    with pytest.raises(NotFoundError, match="'nope'"):
        store.projects.get("nope")
    with pytest.raises(NotFoundError):
        store.projects.update("nope", make_spec("Nope"), 1)
    with pytest.raises(NotFoundError):
        store.projects.delete("nope")
    with pytest.raises(NotFoundError, match="999"):
        store.builds.get(999)
    with pytest.raises(NotFoundError):
        store.builds.create(999)
    with pytest.raises(NotFoundError, match="'hub'"):
        store.registries.get("hub")
    with pytest.raises(NotFoundError, match="'prod'"):
        store.targets.get("prod")


def test_deleting_a_project_deletes_its_builds_logs_artifacts_and_deployments(store: Store) -> None:
    keep = store.projects.create(make_spec("Keep"))
    gone = store.projects.create(make_spec("Gone"))
    kept_build = store.builds.create(keep.id)
    build = store.builds.create(gone.id)
    store.builds.append_log(build.id, ["x", "y"])
    store.builds.add_artifacts(build.id, [("app/main.py", b"print()", "code")])
    store.deployments.create(gone.id, "local", "img:1", build_id=build.id)
    store.projects.delete("gone")
    with pytest.raises(NotFoundError):
        store.builds.get(build.id)
    assert store.deployments.list() == []
    from sqlalchemy import func, select

    from pixel_desktop.store.models import BuildArtifact, BuildLogLine

    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(BuildLogLine)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(BuildArtifact)).scalar() == 0
    assert store.builds.get(kept_build.id).project_slug == "keep"


def test_build_and_deployment_ids_are_never_reused_after_deleting_the_newest(
    store: Store,
) -> None:
    """Build N names logs/builds/N.log and the image tag :bN; a reused id would mix two
    builds' logs and images (SQLite reuses the highest rowid unless AUTOINCREMENT)."""
    keep = store.projects.create(make_spec("Stays"))
    gone = store.projects.create(make_spec("Goes"))
    first = store.builds.create(keep.id)
    newest = store.builds.create(gone.id)
    deployment = store.deployments.create(gone.id, "local", "img:1", build_id=newest.id)
    store.projects.delete("goes")
    again = store.builds.create(keep.id)
    assert again.id > newest.id > first.id
    later = store.deployments.create(keep.id, "local", "img:2", build_id=again.id)
    assert later.id > deployment.id


# --------------------------------------------------------------------------- builds
def test_build_status_transitions_stamp_started_and_completed(store: Store) -> None:
    project = store.projects.create(make_spec("Bot"))
    queued = store.builds.create(project.id)
    assert (queued.status, queued.started_at, queued.completed_at) == ("queued", None, None)
    assert queued.project_slug == "bot"
    generating = store.builds.set_status(queued.id, "generating")
    assert generating.started_at is not None and generating.completed_at is None
    building = store.builds.set_status(queued.id, "building", image_name="pixel/bot:1")
    assert building.started_at == generating.started_at  # stamped once
    store.builds.update(queued.id, image_id="sha256:abc", size_bytes=5_000_000_000)
    done = store.builds.set_status(
        queued.id, "completed", phases={"generating": 0.5, "building": 12.25}
    )
    assert done.completed_at is not None and done.completed_at >= done.started_at
    assert done.phases == {"generating": 0.5, "building": 12.25}
    assert (done.image_name, done.image_id, done.size_bytes) == (
        "pixel/bot:1",
        "sha256:abc",
        5_000_000_000,
    )
    assert store.builds.get(queued.id) == done
    with pytest.raises(ValueError, match="Unknown build status"):
        store.builds.set_status(queued.id, "exploded")
    with pytest.raises(ValueError, match="password"):
        store.builds.update(queued.id, password="x")


def test_mark_interrupted_takes_running_builds_and_queued_ones_only_when_asked(
    store: Store,
) -> None:
    project = store.projects.create(make_spec("Bot"))
    ids = {}
    for status in ("queued", "building", "testing", "completed", "failed"):
        b = store.builds.create(project.id)
        if status != "queued":
            store.builds.set_status(b.id, status)
        ids[status] = b.id
    assert store.builds.mark_interrupted() == 2
    for status in ("building", "testing"):
        rec = store.builds.get(ids[status])
        assert rec.status == "interrupted" and rec.completed_at is not None
        assert status in (rec.error_message or "")
    assert store.builds.get(ids["queued"]).status == "queued"
    assert store.builds.get(ids["completed"]).status == "completed"
    assert store.builds.mark_interrupted() == 0
    assert store.builds.mark_interrupted(include_queued=True) == 1
    assert "queue" in (store.builds.get(ids["queued"]).error_message or "")
    assert store.builds.count_by_status() == {
        "interrupted": 3,
        "completed": 1,
        "failed": 1,
    }


def test_mark_interrupted_leaves_builds_running_on_another_machine_alone(store: Store) -> None:
    project = store.projects.create(make_spec("Bot"))
    build = store.builds.create(project.id)
    store.builds.set_status(build.id, "building")
    # A teammate's laptop on the same shared store starts Pixel: not its build to judge.
    assert store.builds.mark_interrupted(host="teammates-laptop") == 0
    assert store.builds.get(build.id).status == "building"
    assert store.builds.mark_interrupted() == 1


def test_list_last_successful_and_counts(store: Store) -> None:
    a = store.projects.create(make_spec("A"))
    b = store.projects.create(make_spec("B"))
    assert store.builds.last_successful(a.id) is None
    ok1 = store.builds.create(a.id)
    store.builds.set_status(ok1.id, "completed")
    ok2 = store.builds.create(a.id)
    store.builds.set_status(ok2.id, "completed")
    bad = store.builds.create(a.id)
    store.builds.set_status(bad.id, "failed", error_message="boom")
    store.builds.create(b.id)
    last = store.builds.last_successful(a.id)
    assert last is not None and last.id == ok2.id
    assert [r.id for r in store.builds.list("a")] == [bad.id, ok2.id, ok1.id]
    assert [r.id for r in store.builds.list("a", limit=2)] == [bad.id, ok2.id]
    assert len(store.builds.list()) == 4
    with pytest.raises(NotFoundError):
        store.builds.list("missing")


def test_100k_log_lines_append_fast_and_read_back_in_order(store: Store) -> None:
    project = store.projects.create(make_spec("Noisy"))
    build = store.builds.create(project.id)
    other = store.builds.create(project.id)
    started = time.monotonic()
    for batch in range(200):  # the log writer flushes batches of ~500 lines
        store.builds.append_log(build.id, [f"step {batch}: line {i} ✓" for i in range(500)])
        if batch % 50 == 0:
            store.builds.append_log(other.id, [f"other {batch}"])
    elapsed = time.monotonic() - started
    assert elapsed < 120, f"appending 100k lines took {elapsed:.1f}s"  # hang ceiling
    lines = list(store.builds.read_log(build.id))
    assert len(lines) == 100_000
    assert lines[0] == "step 0: line 0 ✓" and lines[-1] == "step 199: line 499 ✓"
    assert lines[12_345] == "step 24: line 345 ✓"
    assert list(store.builds.read_log(other.id)) == [
        "other 0",
        "other 50",
        "other 100",
        "other 150",
    ]
    assert store.builds.get(build.id).log_line_count == 100_000


def test_log_lines_keep_odd_text_and_empty_lines(store: Store) -> None:
    project = store.projects.create(make_spec("Bot"))
    build = store.builds.create(project.id)
    odd = [
        "",
        "  indented",
        "tab\tand 'quotes' \"double\"",
        "nul\x00byte",
        "🤖 ünïcødé",
        "\\ backslash",
    ]
    store.builds.append_log(build.id, odd)
    store.builds.append_log(build.id, [])
    assert list(store.builds.read_log(build.id)) == [line.replace("\x00", "\ufffd") for line in odd]
    with pytest.raises(NotFoundError):
        store.builds.read_log(424242)
    with pytest.raises(NotFoundError):
        store.builds.append_log(424242, ["x"])


def test_artifacts_store_bytes_role_and_sha256(store: Store) -> None:
    project = store.projects.create(make_spec("Bot"))
    build = store.builds.create(project.id)
    binary = bytes(range(256)) * 10
    store.builds.add_artifacts(
        build.id,
        [
            ("Dockerfile", b"FROM x\n", "build"),
            ("app/data.bin", binary, "data"),
            ("app/main.py", b"", "code"),
        ],
    )
    arts = store.builds.artifacts(build.id)
    assert [a.path for a in arts] == ["Dockerfile", "app/data.bin", "app/main.py"]
    data = arts[1]
    assert (data.content, data.role, data.size_bytes) == (binary, "data", 2560)
    import hashlib

    assert data.sha256 == hashlib.sha256(binary).hexdigest()
    with pytest.raises(AlreadyExistsError):
        store.builds.add_artifacts(build.id, [("Dockerfile", b"again", "build")])
    with pytest.raises(InputError):
        store.builds.add_artifacts(build.id, [("../escape.py", b"", "code")])
    with pytest.raises(InputError):
        store.builds.add_artifacts(build.id, [("/etc/passwd", b"", "code")])
    assert len(store.builds.artifacts(build.id)) == 3


# ------------------------------------------------------------ registries / targets
def test_registries_crud(store: Store) -> None:
    added = store.registries.add("local", "127.0.0.1:5000", username="pixel", insecure=True)
    assert (added.name, added.url, added.username, added.insecure) == (
        "local",
        "127.0.0.1:5000",
        "pixel",
        True,
    )
    store.registries.add("hub", "registry.example.com")
    with pytest.raises(AlreadyExistsError):
        store.registries.add("hub", "elsewhere")
    assert [r.name for r in store.registries.list()] == ["hub", "local"]
    changed = store.registries.update("local", username=None, insecure=False, url="127.0.0.1:5055")
    assert (changed.username, changed.insecure, changed.url) == (None, False, "127.0.0.1:5055")
    assert store.registries.get("local") == changed
    with pytest.raises(ValueError):
        store.registries.update("local", password="secret")
    with pytest.raises(InputError):
        store.registries.add("  ", "x")
    with pytest.raises(InputError, match="at most 100"):
        store.registries.add("r" * 101, "x")
    store.registries.remove("hub")
    with pytest.raises(NotFoundError):
        store.registries.remove("hub")
    assert [r.name for r in store.registries.list()] == ["local"]


def test_targets_crud(store: Store) -> None:
    t = store.targets.add("staging", "ssh://deploy@10.0.0.5", "ssh")
    assert (t.name, t.docker_host, t.kind) == ("staging", "ssh://deploy@10.0.0.5", "ssh")
    store.targets.add("laptop", "unix:///var/run/docker.sock", "local")
    with pytest.raises(AlreadyExistsError):
        store.targets.add("laptop", "x", "local")
    assert [x.name for x in store.targets.list()] == ["laptop", "staging"]
    assert store.targets.get("staging") == t
    store.targets.remove("staging")
    with pytest.raises(NotFoundError):
        store.targets.get("staging")


# ---------------------------------------------------------------------- deployments
def test_deployments_history_and_last_healthy(store: Store) -> None:
    project = store.projects.create(make_spec("Bot"))
    build = store.builds.create(project.id)
    store.targets.add("prod", "ssh://prod", "ssh")
    d1 = store.deployments.create(
        project.id,
        "prod",
        "reg/bot:1",
        build_id=build.id,
        digest="sha256:1",
        config_snapshot={"port": 8000},
    )
    assert (d1.status, d1.completed_at, d1.project_slug) == ("pending", None, "bot")
    d1 = store.deployments.set_status(d1.id, "healthy", url="http://prod:8000")
    assert d1.completed_at is not None and d1.url == "http://prod:8000"
    d2 = store.deployments.create(project.id, "prod", "reg/bot:2", config_snapshot={"port": 8001})
    store.deployments.set_status(d2.id, "healthy")
    d3 = store.deployments.create(project.id, "prod", "reg/bot:3")
    store.deployments.set_status(d3.id, "failed", error_message="health check timed out")
    other = store.deployments.create(project.id, "local", "reg/bot:3")
    store.deployments.set_status(other.id, "healthy")

    assert store.deployments.last_healthy(project.id, "prod").id == d2.id
    before = store.deployments.last_healthy(project.id, "prod", before_id=d2.id)
    assert before is not None and before.id == d1.id and before.config_snapshot == {"port": 8000}
    assert store.deployments.last_healthy(project.id, "prod", before_id=d1.id) is None
    assert [d.id for d in store.deployments.list("bot")] == [other.id, d3.id, d2.id, d1.id]
    assert store.deployments.list("nobody") == []
    with pytest.raises(ValueError, match="Unknown deployment status"):
        store.deployments.set_status(d1.id, "exploded")
    # Removing the target keeps the history under its name.
    store.targets.remove("prod")
    assert store.deployments.get(d1.id).target_name == "prod"


def test_records_are_frozen_plain_dataclasses(store: Store) -> None:
    rec = store.projects.create(make_spec("Bot"))
    assert dataclasses.is_dataclass(rec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.version = 99  # type: ignore[misc]


def test_one_store_is_safe_to_share_between_threads(store: Store) -> None:
    """The engine's workers, its log writer and the GUI all call one Store concurrently."""
    project = store.projects.create(make_spec("Busy"))
    builds = [store.builds.create(project.id).id for _ in range(6)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(builds) + 1)

    def writer(build_id: int) -> None:
        try:
            barrier.wait()
            for batch in range(40):
                store.builds.append_log(build_id, [f"{build_id}:{batch}:{i}" for i in range(50)])
                store.builds.set_status(build_id, "building", phases={"building": float(batch)})
            store.builds.set_status(build_id, "completed")
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            barrier.wait()
            for _ in range(40):
                store.projects.list()
                store.builds.count_by_status()
                for build_id in builds:
                    lines = list(store.builds.read_log(build_id))
                    assert lines == sorted(lines, key=lambda t: tuple(int(p) for p in t.split(":")))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(b,)) for b in builds]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert store.builds.count_by_status() == {"completed": len(builds)}
    for build_id in builds:
        lines = list(store.builds.read_log(build_id))
        assert lines == [f"{build_id}:{b}:{i}" for b in range(40) for i in range(50)]


def test_several_first_opens_at_once_migrate_exactly_once(store_url: str) -> None:
    """Two users starting Pixel against a new shared store at the same moment."""
    barrier = threading.Barrier(3)
    opened: list[Store] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            barrier.wait()
            opened.append(Store.open(store_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert errors == [] and len(opened) == 3
        opened[0].projects.create(make_spec("After Race"))
        assert [p.slug for p in opened[2].projects.list()] == ["after-race"]
        with opened[1].engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        for s in opened:
            s.close()
