"""A postgres run gets a database of its own, created on start and dropped on stop."""

from pathlib import Path

import pytest

from shop_topology import TopologyError, start
from shop_topology.database import create_postgres, postgres_database_exists

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
RECORD_DATABASE_URL = (
    "import os, pathlib; pathlib.Path('setup.txt').write_text(os.environ['DATABASE_URL'])"
)

pytestmark = pytest.mark.postgres


def test_create_then_drop_a_database() -> None:
    database = create_postgres(SERVER, "shop_topotest_")

    assert database.name.startswith("shop_topotest_")
    assert database.url == f"postgresql+psycopg://postgres@127.0.0.1:5432/{database.name}"
    assert postgres_database_exists(SERVER, database.name)
    database.drop()
    assert not postgres_database_exists(SERVER, database.name)


def test_a_postgres_run_uses_a_fresh_database_and_a_random_admin_password(
    fake, tmp_path: Path
) -> None:
    path = fake.write(fake.setup_step("record", RECORD_DATABASE_URL), fake.http_server())

    with start("postgres", topology_file=path, workdir=tmp_path / "run") as running:
        name = running.database_url.rsplit("/", 1)[1]
        assert (tmp_path / "setup.txt").read_text() == running.database_url
        assert postgres_database_exists(SERVER, name)
        assert running.admin_password != "admin-password-dev"
        assert len(running.admin_password) >= 16
        assert running.admin_token != "admin-token-dev" and len(running.admin_token) >= 24

    assert not postgres_database_exists(SERVER, name)


def test_a_failed_postgres_start_drops_its_database(fake, tmp_path: Path) -> None:
    path = fake.write(fake.setup_step("record", RECORD_DATABASE_URL), fake.crasher("web"))

    with pytest.raises(TopologyError, match="process web exited"):
        start("postgres", topology_file=path, workdir=tmp_path / "run")

    name = (tmp_path / "setup.txt").read_text().rsplit("/", 1)[1]
    assert not postgres_database_exists(SERVER, name)
