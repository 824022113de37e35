"""The cut-over's two stages that promise something about the shop while they run (ADR-0018):
the backfill is online (the whole contract suite passes through the proxy while it copies),
and the shadow stage finds no mismatch over a whole contract-suite run.

A step-3 topology of its own, handed back to the monolith first (the state a real cut-over
starts from), with catalog rows the service never heard of, so that the backfill has work.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

import shop_topology

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
# Written to the monolith's tables without events, for the backfill to copy: fewer than the
# contract's page limit (100,000), which its pagination tests walk at one product a page.
ROWS = 50_000
SUITE = ["uv", "run", "--no-sync", "pytest", "tests/contract", "-q", "-p", "no:cacheprovider"]
SUITE_TIMEOUT_S = 600


@dataclass
class Shop:
    running: shop_topology.RunningTopology

    def env(self) -> dict[str, str]:
        roles = {role.name: role for role in self.running.topology.database.roles}
        return os.environ | {
            "CATALOG_MONOLITH_DATABASE_URL": self.running.database.role_url(roles["monolith"]),
            "CATALOG_MIGRATION_DATABASE_URL": self.running.database.role_url(
                roles["catalog-migrator"]
            ),
            "CATALOG_BROKER_URL": str(self.running.broker_url),
            "CATALOG_ROUTES_FILE": str(self.running.workdir / "proxy-routes.toml"),
            "STRANGLER_ADMIN_URL": self.running.url("strangler-proxy", "admin"),
            "STRANGLER_ADMIN_TOKEN": self.running.admin_token,
        }

    def stage(self, name: str, *options: str, timeout: float = 600) -> str:
        done = subprocess.run(
            ["catalog-service", "cutover", name, *options],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{name}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def suite(self, log: Path) -> subprocess.Popen[str]:
        """The whole contract suite (but the browser's) through the proxy, in its own group,
        its output in `log` (a pipe nobody reads while the test waits could fill up)."""
        env = os.environ | {
            "SHOP_BASE_URL": self.running.base_url,
            "SHOP_ADMIN_EMAIL": self.running.admin_email,
            "SHOP_ADMIN_PASSWORD": self.running.admin_password,
        }
        with log.open("w") as output:
            return subprocess.Popen(
                [*SUITE, "-m", "not browser"],
                cwd=REPO_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )

    def shadow_results(self) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.running.url('strangler-proxy', 'admin')}/admin/api/state",
            headers={"Authorization": f"Bearer {self.running.admin_token}"},
        )
        response.raise_for_status()
        return [route["shadow"] for route in response.json()["routes"] if route["shadow"]]


def finished(suite: subprocess.Popen[str], log: Path) -> tuple[int, str]:
    """The suite's exit code and the last lines of its output."""
    try:
        code = suite.wait(timeout=SUITE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(suite.pid, signal.SIGKILL)
        suite.wait()
        code = -1
    return code, "\n".join(log.read_text().splitlines()[-30:])


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    workdir = tmp_path_factory.mktemp("cutover-under-load")
    with shop_topology.start(database="postgres", workdir=workdir) as running:
        shop = Shop(running)
        shop.stage("rollback")
        roles = {role.name: role for role in running.topology.database.roles}
        engine = create_engine(running.database.role_url(roles["monolith"]))
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO catalog.products (id, sku, name, description, category_id,"
                    " price_amount, price_currency, active, created_at, updated_at, version)"
                    " SELECT gen_random_uuid(), 'LOAD-' || i, 'Loaded ' || i, '', NULL,"
                    " 100 + i % 1000, 'EUR', true, now(), now(), 0"
                    " FROM generate_series(1, :n) i"
                ),
                {"n": ROWS},
            )
        engine.dispose()
        yield shop


def test_the_contract_suite_passes_while_the_backfill_copies(shop: Shop, tmp_path: Path) -> None:
    """The copy runs again and again, from the first row, in small batches, for as long as
    the suite does: every test of the suite meets a backfill at work."""
    log = tmp_path / "suite.log"
    suite, copies = shop.suite(log), 0
    try:
        while suite.poll() is None or copies == 0:
            out = shop.stage("backfill", "--restart", "--batch-size", "500")
            assert "in all" in out, out
            copies += 1
    finally:
        code, tail = finished(suite, log)
    assert code == 0, f"the contract suite failed during the backfill:\n{tail}"
    assert copies >= 2, copies
    shop.stage("catch-up")
    report = shop.stage("reconcile")
    assert "missing 0, extra 0, different 0" in report, report


def test_shadowing_a_whole_contract_suite_run_finds_no_mismatch(shop: Shop, tmp_path: Path) -> None:
    assert "step-3-shadow.toml" in shop.stage("shadow")
    log = tmp_path / "suite.log"
    code, tail = finished(shop.suite(log), log)
    assert code == 0, f"the contract suite failed in the shadow stage:\n{tail}"

    results = shop.shadow_results()
    compared = sum(result["compared"] for result in results)
    mismatched = sum(result["mismatched"] for result in results)
    recent = [m for result in results for m in result["recent"]]
    assert compared > 500, results  # the suite's catalog reads were compared
    assert mismatched == 0, recent[:5]
    # Back to where the step leaves the shop.
    shop.stage("writes")
