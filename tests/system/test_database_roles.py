"""Each deployable's database role reaches its own schemas only (ADR-0018): the catalog
service's runtime role cannot read any of the monolith's schemas, and the monolith's role
cannot read or write the service's schema. Every role is made as the topology makes it, every
schema by its deployable's own migrations run as its own role."""

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from psycopg import errors, sql

from shop_topology.database import PostgresDatabase, create_postgres
from shop_topology.spec import RoleSpec

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MONOLITH = RoleSpec("monolith", create=True)
CATALOG = RoleSpec("catalog")
MIGRATOR = RoleSpec("catalog-migrator", create=True)
MONOLITH_SCHEMAS = [
    "monolith",
    "catalog",
    "inventory",
    "customers",
    "basket",
    "ordering",
    "payments",
]


@dataclass(frozen=True)
class Shop:
    database: PostgresDatabase

    def connect(self, role: RoleSpec) -> psycopg.Connection[tuple[object, ...]]:
        url = self.database.role_url(role).replace("+psycopg", "", 1)
        return psycopg.connect(url, autocommit=True)


def migrate(ini_section: str, url: str) -> None:
    config = Config(str(ROOT / "migrations" / "alembic.ini"), ini_section=ini_section)
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    database = create_postgres(SERVER, "shop_roles_", (MONOLITH, CATALOG, MIGRATOR))
    try:
        migrate("monolith", database.role_url(MONOLITH))
        migrate("catalog_service", database.role_url(MIGRATOR))
        subprocess.run(
            ["catalog-service", "grant", "--role", database.role_name(CATALOG)],
            env={**os.environ, "CATALOG_MIGRATION_DATABASE_URL": database.role_url(MIGRATOR)},
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield Shop(database)
    finally:
        database.drop()
    with psycopg.connect(SERVER.replace("+psycopg", "") + "postgres") as admin:
        left = admin.execute(
            "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, %s)", (database.name,)
        ).fetchone()
    assert left == (0,), "the run's roles outlived its database"


@pytest.mark.parametrize("schema", MONOLITH_SCHEMAS)
def test_the_services_runtime_role_cannot_read_the_monoliths_schemas(
    shop: Shop, schema: str
) -> None:
    with shop.connect(MONOLITH) as owner:
        tables = owner.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    assert tables, f"the monolith's migrations made no table in {schema}"
    with shop.connect(CATALOG) as connection:
        for (table,) in tables:
            with pytest.raises(errors.InsufficientPrivilege):
                query = sql.SQL("SELECT 1 FROM {} LIMIT 1")
                connection.execute(query.format(sql.Identifier(schema, str(table))))


def test_the_services_runtime_role_reads_and_writes_its_own_tables(shop: Shop) -> None:
    with shop.connect(CATALOG) as connection:
        connection.execute(
            "INSERT INTO catalog_service.categories (id, slug, name)"
            " VALUES (gen_random_uuid(), 'roles', 'Roles')"
        )
        assert connection.execute("SELECT count(*) FROM catalog_service.categories").fetchone()
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute("CREATE TABLE catalog_service.extra (id int)")


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM catalog_service.products",
        "INSERT INTO catalog_service.categories (id, slug, name)"
        " VALUES (gen_random_uuid(), 'mono', 'Mono')",
        "UPDATE catalog_service.ownership SET owner = 'monolith'",
    ],
)
def test_the_monoliths_role_can_neither_read_nor_write_the_services_schema(
    shop: Shop, statement: str
) -> None:
    with shop.connect(MONOLITH) as connection, pytest.raises(errors.InsufficientPrivilege):
        connection.execute(statement)
