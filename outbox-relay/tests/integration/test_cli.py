"""The command line: the reference DDL, creating and checking tables, settings from flags."""

import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

CLI = [sys.executable, "-m", "outbox_relay"]


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, check=check)


def test_the_printed_sqlite_ddl_makes_a_database_the_relay_accepts(tmp_path: Path) -> None:
    database = tmp_path / "shop.db"
    with sqlite3.connect(database) as connection:
        connection.executescript(cli("ddl", "--dialect", "sqlite").stdout)
    connection.close()
    checked = cli("check", "--database-url", f"sqlite:///{database}")
    assert checked.stdout.strip() == "outbox-relay: every table and column is there"


@pytest.mark.postgres
def test_create_tables_then_check_on_postgresql(pg_database: str) -> None:
    schema = f"cli_{uuid.uuid4().hex[:8]}"
    where = ["--database-url", pg_database, "--schema", schema]
    missing = cli("check", *where, check=False)
    assert missing.returncode == 1 and "lacks tables outbox, outbox_dead_letters" in missing.stderr
    cli("create-tables", *where)
    cli("create-tables", *where)  # idempotent
    assert "every table and column is there" in cli("check", *where).stdout
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_the_printed_postgresql_ddl_names_the_schema_and_wakes_the_relay() -> None:
    printed = cli("ddl", "--schema", "monolith").stdout
    assert 'CREATE TABLE IF NOT EXISTS "monolith".outbox (' in printed
    assert 'FOR EACH STATEMENT EXECUTE FUNCTION "monolith".outbox_notify()' in printed


def test_a_schema_that_is_not_a_plain_identifier_is_refused(tmp_path: Path) -> None:
    refused = cli(
        "check", "--database-url", "postgresql://x/y", "--schema", 'a"; drop', check=False
    )
    assert refused.returncode == 1 and "schema must be a plain SQL identifier" in refused.stderr


def test_requeue_wants_ids_or_all(sqlite_url: str) -> None:
    refused = cli("dead-letters", "requeue", "--database-url", sqlite_url, check=False)
    assert refused.returncode == 1 and "give dead letter ids, or --all" in refused.stderr
    assert cli("dead-letters", "requeue", "--all", "--database-url", sqlite_url).stdout == (
        "requeued 0 dead letters\n"
    )
