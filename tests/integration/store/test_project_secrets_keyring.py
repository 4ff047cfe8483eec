"""A project's secret env values belong to that project only (real Secret Service keyring).

A slug is freed by a delete or a rename and can be taken by another project, even another
client's; before secrets were keyed by the project's own ``secrets_key``, that project was
handed the old values at build and deploy time. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pixel_desktop.cleanup import delete_project
from pixel_desktop.secrets import SecretStore, project_service
from pixel_desktop.spec import spec_from_data
from pixel_desktop.store import Store
from pixel_desktop.store.connection import create_store_engine
from pixel_desktop.store.migrate import alembic_config, migration_transaction

pytestmark = pytest.mark.keyring
NAME = "PIXEL_TEST_API_KEY"


def _spec(slug: str, client: str) -> Any:
    return spec_from_data(
        {
            "spec_version": 1,
            "name": f"Bot {slug}",
            "slug": slug,
            "client": client,
            "deployment": {"secret_env": [NAME]},
        }
    )


@pytest.fixture
def slug() -> str:
    return f"secret-bot-{uuid.uuid4().hex[:8]}"  # the keyring is shared by every test run


@pytest.fixture
def forget(secret_service: Any) -> Iterator[list[str]]:
    """Keyring services to clear after the test, whatever it left behind."""
    services: list[str] = []
    yield services
    for service in services:
        if secret_service.get_password(service, NAME) is not None:
            secret_service.delete_password(service, NAME)


def test_a_new_project_with_a_deleted_projects_slug_does_not_get_its_secret(
    store: Store, secret_service: Any, slug: str, forget: list[str]
) -> None:
    secrets = SecretStore()
    old = store.projects.create(_spec(slug, "Acme Corp"))
    forget.append(project_service(old.secrets_key))
    secrets.set_project_secret(old, NAME, "acme-only-value")

    result = delete_project(store, slug)

    assert result.secrets_deleted == (NAME,) and result.problems == ()
    assert secret_service.get_password(project_service(old.secrets_key), NAME) is None
    new = store.projects.create(_spec(slug, "Other Client Ltd"))
    forget.append(project_service(new.secrets_key))
    assert new.secrets_key != old.secrets_key
    assert secrets.get_project_secret(new, NAME) is None


def test_a_renamed_projects_secret_follows_it_and_its_old_slug_gets_none(
    store: Store, secret_service: Any, slug: str, forget: list[str]
) -> None:
    secrets = SecretStore()
    project = store.projects.create(_spec(slug, "Acme Corp"))
    forget.append(project_service(project.secrets_key))
    secrets.set_project_secret(project, NAME, "acme-only-value")

    renamed = store.projects.update(slug, _spec(f"{slug}-v2", "Acme Corp"), project.version)
    assert renamed.secrets_key == project.secrets_key  # the key never changes
    assert secrets.get_project_secret(renamed, NAME) == "acme-only-value"

    taker = store.projects.create(_spec(slug, "Other Client Ltd"))
    forget.append(project_service(taker.secrets_key))
    assert secrets.get_project_secret(taker, NAME) is None


def test_projects_from_before_secrets_keys_still_find_their_values_and_delete_them(
    store_url: str, secret_service: Any, slug: str, forget: list[str]
) -> None:
    """Migration 0005 keeps an existing project's old keyring entry (keyed by its slug then):
    found after the upgrade, deleted with the project, and never handed to a newcomer."""
    legacy = project_service(slug)  # where values were stored before migration 0005
    forget.append(legacy)
    engine = create_store_engine(make_url(store_url))
    try:
        with migration_transaction(engine) as conn:
            command.upgrade(alembic_config(conn), "0004")
            conn.execute(text("INSERT INTO clients (name, slug, created_at) VALUES ('Acme', 'acme', CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO templates (name, created_at) VALUES ('faq-assistant', CURRENT_TIMESTAMP)"))
            conn.execute(
                text(
                    "INSERT INTO projects (slug, name, client_id, template_id, spec, version,"
                    " created_at, updated_at) SELECT :slug, 'Old', c.id, t.id, :spec, 1,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM clients c, templates t"
                ),
                {
                    "slug": slug,
                    "spec": f'{{"spec_version":1,"name":"Old","client":"Acme","slug":"{slug}",'
                    f'"deployment":{{"secret_env":["{NAME}"]}}}}',
                },
            )
    finally:
        engine.dispose()
    secret_service.set_password(legacy, NAME, "kept-across-the-upgrade")

    with Store.open(store_url) as store:
        secrets = SecretStore()
        old = store.projects.get(slug)
        assert secrets.get_project_secret(old, NAME) == "kept-across-the-upgrade"

        result = delete_project(store, slug)

        assert result.secrets_deleted == (NAME,)
        assert secret_service.get_password(legacy, NAME) is None
        secret_service.set_password(legacy, NAME, "left-by-an-older-pixel")  # a stale entry
        new = store.projects.create(_spec(slug, "Other Client Ltd"))
        forget.append(project_service(new.secrets_key))
        assert secrets.get_project_secret(new, NAME) is None
