"""make bench-monolith: browse and checkout figures of the monolith on PostgreSQL."""

import os
import secrets
import subprocess
import threading
import time
import uuid

import httpx

import shop_topology
from bench.common import LoadResult, percentile, wrk

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
CLIENTS = int(os.environ.get("BENCH_CHECKOUT_CLIENTS", "8"))
ADDRESS = {"name": "Bench", "line1": "1 Load St", "postal_code": "1", "city": "X", "country": "DE"}
CARD = {"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2030, "cvc": "123"}


def seed(database_url: str, *, command: str = "shop-monolith") -> float:
    """Seed at BENCH_SCALE with `command` (a step's own shop-monolith); the seconds it took."""
    env = os.environ | {"DATABASE_URL": database_url, "SHOP_SECRET_KEY": secrets.token_hex(32)}
    started = time.perf_counter()
    subprocess.run([command, "seed", "--scale", str(SCALE)], env=env, check=True)
    return time.perf_counter() - started


def copy_to_catalog_service(shop: shop_topology.RunningTopology) -> None:
    """From step 3 the catalog service owns the catalog: what the seed wrote into the
    monolith's tables (without events) is copied to it by the cut-over's backfill (ADR-0018)."""
    if "catalog-http" not in shop.processes:
        return
    roles = {role.name: role for role in shop.topology.database.roles}
    env = os.environ | {
        "CATALOG_MONOLITH_DATABASE_URL": shop.database.role_url(roles["monolith"]),
        "CATALOG_MIGRATION_DATABASE_URL": shop.database.role_url(roles["catalog-migrator"]),
    }
    for stage in ("backfill", "reconcile"):
        subprocess.run(
            ["catalog-service", "cutover", stage], env=env, check=True, stdout=subprocess.DEVNULL
        )


def token(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    return Login(client, email, password).headers()


class Login:
    """A customer's bearer token, renewed at half its lifetime (the topology's are short)."""

    def __init__(self, client: httpx.Client, email: str, password: str) -> None:
        self.client, self.credentials = client, {"email": email, "password": password}
        self._headers: dict[str, str] = {}
        self._renew_at = 0.0

    def headers(self) -> dict[str, str]:
        if time.monotonic() >= self._renew_at:
            response = self.client.post("/api/v1/auth/token", json=self.credentials)
            response.raise_for_status()
            issued = response.json()
            self._headers = {"Authorization": f"Bearer {issued['access_token']}"}
            self._renew_at = time.monotonic() + issued["expires_in"] / 2
        return self._headers


def stock_products(client: httpx.Client, admin: dict[str, str], count: int) -> list[str]:
    products = client.get("/api/v1/products", params={"per_page": count}).json()["items"]
    for product in products:
        client.post(
            f"/api/v1/admin/products/{product['id']}/stock-adjustments",
            json={"delta": 1_000_000, "reason": "benchmark stock"},
            headers=admin,
        ).raise_for_status()
    return [product["id"] for product in products]


def checkout_load(base_url: str, product_ids: list[str]) -> LoadResult:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def client_loop(n: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            login = Login(client, f"customer{n:05d}@shop.example", "seed-password")
            i = 0
            while time.perf_counter() < deadline:
                product_id = product_ids[(n + i) % len(product_ids)]
                i += 1
                auth = login.headers()
                client.put(f"/api/v1/basket/items/{product_id}", json={"quantity": 1}, headers=auth)
                headers = auth | {"Idempotency-Key": uuid.uuid4().hex}
                started = time.perf_counter()
                order = {"shipping_address": ADDRESS, "payment": CARD}
                response = client.post("/api/v1/orders", json=order, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                ok = response.status_code == 201 and response.json()["status"] == "CONFIRMED"
                with lock:
                    latencies.append(elapsed)
                    failures[0] += 0 if ok else 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        requests_per_second=len(latencies) / elapsed,
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        errors=failures[0],
    )


def main() -> None:
    print(
        f"monolith benchmark: seed scale {SCALE}, {SECONDS}s per run,"
        f" wrk -c{CONNECTIONS}, {CLIENTS} checkout clients"
    )
    with shop_topology.start(database="postgres") as shop:
        print(f"seeded in {seed(shop.database_url):.1f}s")
        copy_to_catalog_service(shop)
        base = shop.base_url
        with httpx.Client(base_url=base, timeout=30) as client:
            admin = token(client, shop.admin_email, shop.admin_password)
            product_ids = stock_products(client, admin, 50)
        wrk(f"{base}/api/v1/products", connections=CONNECTIONS, seconds=3)  # warm-up
        browse = wrk(f"{base}/api/v1/products", connections=CONNECTIONS, seconds=SECONDS)
        print(browse.line("GET /api/v1/products"))
        checkout = checkout_load(base, product_ids)
        print(checkout.line("checkout (POST /orders)"))
    print(
        f"monolith: browse_rps={browse.requests_per_second:.0f} browse_p50={browse.p50_ms:.1f}ms "
        f"browse_p99={browse.p99_ms:.1f}ms checkout_rps={checkout.requests_per_second:.1f} "
        f"checkout_p50={checkout.p50_ms:.1f}ms checkout_p99={checkout.p99_ms:.1f}ms "
        f"errors={browse.errors + checkout.errors}"
    )


if __name__ == "__main__":
    main()
