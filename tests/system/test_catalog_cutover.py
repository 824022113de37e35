"""The catalog's cut-over walked stage by stage on a running shop with data (ADR-0018): back
to the monolith, a backfill under writes that is killed and resumed, the proxy's stages, the
switch of writes, and a rollback after writes moved that loses nothing.

One step-3 topology for the module, in a directory of its own; the tests run in file order,
each from the state the one before left. The stages run as a reader runs them, by command.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from client import API, ShopClient, admin_client, create_product
from sqlalchemy import Engine, create_engine, text

import shop_topology
from shop_topology.spec import RoleSpec

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

COPIED_BEHIND_ITS_BACK = 3_000  # products written to the monolith's tables without events


@dataclass
class Shop:
    running: shop_topology.RunningTopology
    http: httpx.Client
    admin: ShopClient
    monolith_db: Engine  # as the monolith's role
    service_db: Engine  # as the service's migration role
    written: dict[str, str] = field(default_factory=dict)  # product id -> name, through the proxy

    def role_url(self, name: str) -> str:
        return self.running.database.role_url(_role(self.running, name))

    def stage(
        self, name: str, *options: str, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["catalog-service", "cutover", name, *options],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def env(self) -> dict[str, str]:
        return os.environ | {
            "CATALOG_MONOLITH_DATABASE_URL": self.role_url("monolith"),
            "CATALOG_MIGRATION_DATABASE_URL": self.role_url("catalog-migrator"),
            "CATALOG_BROKER_URL": str(self.running.broker_url),
            "CATALOG_ROUTES_FILE": str(self.running.workdir / "proxy-routes.toml"),
            "STRANGLER_ADMIN_URL": self.running.url("strangler-proxy", "admin"),
            "STRANGLER_ADMIN_TOKEN": self.running.admin_token,
        }

    def owners(self) -> tuple[str, str]:
        with self.monolith_db.connect() as monolith, self.service_db.connect() as service:
            return (
                str(monolith.scalar(text("SELECT owner FROM catalog.ownership"))),
                str(service.scalar(text("SELECT owner FROM catalog_service.ownership"))),
            )

    def proxy_state(self) -> dict[str, Any]:
        response = httpx.get(
            f"{self.running.url('strangler-proxy', 'admin')}/admin/api/state",
            headers={"Authorization": f"Bearer {self.running.admin_token}"},
        )
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state

    def write(self, name: str) -> dict[str, Any]:
        product = create_product(self.admin, name=name)
        self.written[product["id"]] = name
        return product


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    workdir = tmp_path_factory.mktemp("cutover")
    with shop_topology.start(database="postgres", workdir=workdir) as running:
        http = httpx.Client(base_url=running.base_url, timeout=30)
        shop = Shop(
            running,
            http,
            admin_client(http, running.admin_email, running.admin_password),
            create_engine(running.database.role_url(_role(running, "monolith"))),
            create_engine(running.database.role_url(_role(running, "catalog-migrator"))),
        )
        try:
            yield shop
        finally:
            http.close()
            shop.monolith_db.dispose()
            shop.service_db.dispose()


def _role(running: shop_topology.RunningTopology, name: str) -> RoleSpec:
    [role] = [r for r in running.topology.database.roles if r.name == name]
    return role


def succeeded(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def direct(shop: Shop, process: str) -> httpx.Client:
    return httpx.Client(base_url=shop.running.url(process), timeout=30)


def test_the_topology_starts_cut_over(shop: Shop) -> None:
    assert shop.owners() == ("catalog", "catalog")
    assert shop.proxy_state()["source"].endswith("proxy-routes.toml")
    product = shop.write("Made by the service")
    with direct(shop, "catalog-http") as service:
        assert service.get(f"{API}/products/{product['id']}").json()["name"] == product["name"]


def test_rollback_hands_catalog_writes_back_to_the_monolith(shop: Shop) -> None:
    out = succeeded(shop.stage("rollback"))

    assert "the monolith owns catalog writes again" in out
    assert shop.owners() == ("monolith", "monolith")
    product = shop.write("Made by the monolith")
    with direct(shop, "monolith-web") as monolith:
        assert monolith.get(f"{API}/products/{product['id']}").status_code == 200
    with direct(shop, "catalog-http") as service:  # a write around the proxy: refused
        refused = service.post(
            f"{API}/categories",
            json={"slug": f"x-{uuid.uuid4().hex[:8]}", "name": "Refused"},
            headers={"Authorization": f"Bearer {shop.admin.current_token()}"},
        )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/writes-elsewhere")


def test_a_killed_backfill_resumes_and_writes_made_meanwhile_are_all_there(shop: Shop) -> None:
    with shop.monolith_db.begin() as connection:  # rows the service never heard of
        connection.execute(
            text(
                "INSERT INTO catalog.products (id, sku, name, description, category_id,"
                " price_amount, price_currency, active, created_at, updated_at, version)"
                " SELECT gen_random_uuid(), 'BF-' || i, 'Backfilled ' || i, '', NULL,"
                " 100 + i, 'EUR', true, now(), now(), 0 FROM generate_series(1, :n) i"
            ),
            {"n": COPIED_BEHIND_ITS_BACK},
        )
    stop = threading.Event()
    writer = threading.Thread(target=_keep_writing, args=(shop, stop), daemon=True)
    writer.start()
    try:
        first = subprocess.Popen(
            ["catalog-service", "cutover", "backfill", "--batch-size", "100", "--restart"],
            env=shop.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        copied = _wait_for_progress(shop, first)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        out = succeeded(shop.stage("backfill", "--batch-size", "500"))
    finally:
        stop.set()
        writer.join(30)

    assert copied > 0 and "resumed after" in out, out
    succeeded(shop.stage("catch-up"))
    report = succeeded(shop.stage("reconcile", timeout=300))
    assert "missing 0, extra 0, different 0" in report, report
    during = [pid for pid, name in shop.written.items() if name.startswith("During backfill")]
    assert during, "the writer made nothing during the backfill"
    with direct(shop, "catalog-http") as service:
        for product_id in during:
            assert service.get(f"{API}/products/{product_id}").status_code == 200


def _keep_writing(shop: Shop, stop: threading.Event) -> None:
    with httpx.Client(base_url=shop.running.base_url, timeout=30) as http:
        admin = admin_client(http, shop.running.admin_email, shop.running.admin_password)
        number = 0
        while not stop.is_set():
            product = create_product(admin, name=f"During backfill {number}")
            shop.written[product["id"]] = product["name"]
            number += 1
            time.sleep(0.05)


def _wait_for_progress(shop: Shop, process: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        with shop.service_db.connect() as connection:
            copied = connection.scalar(
                text("SELECT copied FROM catalog_service.backfill_progress WHERE name = 'products'")
            )
        if copied and copied >= 300:
            return int(copied)
        time.sleep(0.05)
    raise AssertionError("the backfill copied nothing in a minute")


def test_shadow_compares_catalog_reads_and_finds_no_difference(shop: Shop) -> None:
    assert "step-3-shadow.toml" in succeeded(shop.stage("shadow"))
    some = list(shop.written)[:5]
    paths = [
        f"{API}/products",
        f"{API}/products?q=Backfilled&sort=-price&per_page=50",
        f"{API}/products?page=3&per_page=7",
        f"{API}/categories",
        *(f"{API}/products/{product_id}" for product_id in some),
        f"{API}/products/{uuid.uuid4()}",
        f"{API}/products/not-a-uuid",
        f"{API}/products?per_page=1000",
    ]
    for path in paths:
        shop.http.get(path)
    admin_reads = [f"{API}/admin/products?active=true", f"{API}/admin/products/{some[0]}"]
    for path in admin_reads:
        shop.admin.get(path)

    deadline = time.monotonic() + 20
    while True:
        shadows = [r["shadow"] for r in shop.proxy_state()["routes"] if r["shadow"] is not None]
        compared = sum(s["compared"] for s in shadows)
        if compared >= len(paths) + len(admin_reads) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    mismatches = [m for s in shadows for m in s["recent"]]
    assert compared >= len(paths) + len(admin_reads), shadows
    assert sum(s["mismatched"] for s in shadows) == 0, json.dumps(mismatches, indent=1)


@pytest.mark.parametrize("stage", ["canary", "reads"])
def test_reads_move_to_the_service_and_writes_stay_with_the_monolith(
    shop: Shop, stage: str
) -> None:
    succeeded(shop.stage(stage))
    product = shop.write(f"Written at the {stage} stage")
    assert shop.owners() == ("monolith", "monolith")
    deadline = time.monotonic() + 10  # the service applies the monolith's event
    while shop.http.get(f"{API}/products/{product['id']}").status_code != 200:
        assert time.monotonic() < deadline, "the read never found the product"
        time.sleep(0.1)


def test_writes_move_to_the_service(shop: Shop) -> None:
    out = succeeded(shop.stage("writes"))

    assert "the catalog service owns catalog writes" in out
    assert shop.owners() == ("catalog", "catalog")
    product = shop.write("Written after the switch")
    with shop.service_db.connect() as connection:
        found = connection.scalar(
            text("SELECT name FROM catalog_service.products WHERE id = :id"),
            {"id": product["id"]},
        )
    assert found == "Written after the switch"
    with direct(shop, "monolith-web") as monolith:  # around the proxy: refused
        refused = monolith.post(
            f"{API}/categories",
            json={"slug": f"m-{uuid.uuid4().hex[:8]}", "name": "Refused"},
            headers={"Authorization": f"Bearer {shop.admin.current_token()}"},
        )
    assert refused.status_code == 409


def test_a_rollback_after_writes_moved_returns_every_write(shop: Shop) -> None:
    changed = []
    for number in range(10):
        product = shop.write(f"Last writes {number}")
        response = shop.admin.patch(
            f"{API}/admin/products/{product['id']}", json={"name": f"Renamed {number}"}
        )
        assert response.status_code == 200, response.text
        changed.append(response.json())

    succeeded(shop.stage("rollback"))

    with direct(shop, "monolith-web") as monolith:
        for product in changed:
            answer = monolith.get(f"{API}/products/{product['id']}").json()
            assert answer == product
    report = succeeded(shop.stage("reconcile", timeout=300))
    assert "missing 0, extra 0, different 0" in report, report
    # and forward again, as the step leaves it
    succeeded(shop.stage("writes"))
    assert shop.owners() == ("catalog", "catalog")


def test_status_says_where_things_stand(shop: Shop) -> None:
    out = succeeded(shop.stage("status"))
    assert "as the monolith records it: catalog" in out
    assert "as the service records it: catalog" in out
