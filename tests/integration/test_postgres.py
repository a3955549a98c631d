"""The database is PostgreSQL for real, with every migration applied."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db
def test_database_is_postgresql() -> None:
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    assert version.startswith("PostgreSQL")


@pytest.mark.django_db
def test_every_migration_ran_and_every_model_has_its_table() -> None:
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    applied = executor.loader.applied_migrations
    for app in ("betool", "voice_models", "pipelines", "telephony"):
        assert any(label == app for label, _ in applied), f"no migration of {app} was applied"
    tables = set(connection.introspection.table_names())
    missing = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.db_table not in tables
    ]
    assert missing == []
