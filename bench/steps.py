"""make bench-steps: browse and checkout of several steps, back to back, on the same data.

    make bench-steps STEPS="step-1-strangler-proxy HEAD"

Each step runs its own topology on a fresh PostgreSQL database, seeded by its own seed command
at BENCH_SCALE: a tag from a temporary worktree with its own venv (as `make steps` does), HEAD
from this checkout. The load is this commit's (bench/monolith.py): wrk on the first page of
products, then Python clients checking out. BENCH_STEP_ROUNDS rounds (default 1) alternate
the order of the steps; the figures are medians over the rounds.
"""

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

import shop_topology
from bench.common import LoadResult, median, wrk
from bench.monolith import (
    CLIENTS,
    CONNECTIONS,
    SCALE,
    SECONDS,
    checkout_load,
    copy_to_catalog_service,
    seed,
    stock_products,
    token,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # the steps runner's worktrees and topologies

from steps.tags import git  # noqa: E402
from steps.topology import step_topology  # noqa: E402
from steps.worktree import install, worktree_env  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_STEP_ROUNDS", "1"))
DEFAULT_STEPS = ["step-1-strangler-proxy", "HEAD"]


@dataclass(frozen=True)
class Shop:
    base_url: str
    admin_email: str
    admin_password: str
    database_url: str
    seed_command: str
    after_seed: Callable[[], None] = lambda: None


@contextlib.contextmanager
def running(step: str, work: Path) -> Iterator[Shop]:
    """The step's topology on a fresh PostgreSQL database; stopped and dropped afterwards."""
    if step == "HEAD":
        with shop_topology.start(database="postgres", workdir=work / "HEAD") as shop:
            yield Shop(
                shop.base_url, shop.admin_email, shop.admin_password, shop.database_url,
                "shop-monolith", lambda: copy_to_catalog_service(shop),
            )
        return
    tree = work / step
    if not tree.exists():
        git(ROOT, "worktree", "add", "--detach", str(tree), step)
        env = worktree_env(tree)
        if install(tree, work / f"{step}-install.log", env, os.environ.get("UV", "uv")) != 0:
            raise SystemExit(f"{step}: uv sync failed, see {work}/{step}-install.log")
    logs = work / f"{step}-logs"
    logs.mkdir(exist_ok=True)
    with step_topology(tree, logs, worktree_env(tree)) as shop:
        assert shop.database_url is not None
        yield Shop(
            shop.base_url, shop.admin_email, shop.admin_password, shop.database_url,
            str(tree / ".venv" / "bin" / "shop-monolith"),
        )


def measure(step: str, work: Path) -> tuple[LoadResult, LoadResult]:
    with running(step, work) as shop:
        took = seed(shop.database_url, command=shop.seed_command)
        shop.after_seed()
        print(f"  {step}: seeded in {took:.1f}s", flush=True)
        with httpx.Client(base_url=shop.base_url, timeout=30) as client:
            admin = token(client, shop.admin_email, shop.admin_password)
            product_ids = stock_products(client, admin, 50)
        url = f"{shop.base_url}/api/v1/products"
        wrk(url, connections=CONNECTIONS, seconds=3)  # warm-up
        browse = wrk(url, connections=CONNECTIONS, seconds=SECONDS)
        checkout = checkout_load(shop.base_url, product_ids)
    print(f"  {browse.line(f'{step} browse')}", flush=True)
    print(f"  {checkout.line(f'{step} checkout')}", flush=True)
    return browse, checkout


def main(steps: list[str]) -> None:
    print(
        f"steps benchmark: {', '.join(steps)}; seed scale {SCALE}, {SECONDS}s per run,"
        f" wrk -c{CONNECTIONS}, {CLIENTS} checkout clients, {ROUNDS} round(s)"
    )
    browse: dict[str, list[LoadResult]] = {step: [] for step in steps}
    checkout: dict[str, list[LoadResult]] = {step: [] for step in steps}
    work = Path(tempfile.mkdtemp(prefix="shop-bench-steps-"))
    try:
        for round_number in range(ROUNDS):
            order = steps if round_number % 2 == 0 else steps[::-1]
            print(f"round {round_number + 1}: {' -> '.join(order)}", flush=True)
            for step in order:
                b, c = measure(step, work)
                browse[step].append(b)
                checkout[step].append(c)
    finally:
        for step in steps:
            if step != "HEAD" and (work / step).exists():
                git(ROOT, "worktree", "remove", "--force", str(work / step))
        shutil.rmtree(work, ignore_errors=True)
    print("| step | browse `GET /products` | checkout `POST /orders` |")
    print("|---|---|---|")
    summary = []
    for step in steps:
        b, c = median(browse[step]), median(checkout[step])
        print(
            f"| {step} | {b.requests_per_second:.0f} req/s, p50 {b.p50_ms:.1f} ms,"
            f" p99 {b.p99_ms:.1f} ms | {c.requests_per_second:.1f} orders/s,"
            f" p50 {c.p50_ms:.1f} ms, p99 {c.p99_ms:.1f} ms |"
        )
        summary.append(
            f"{step} browse={b.requests_per_second:.0f}rps/p50={b.p50_ms:.1f}ms/"
            f"p99={b.p99_ms:.1f}ms checkout={c.requests_per_second:.1f}ops/"
            f"p50={c.p50_ms:.1f}ms/p99={c.p99_ms:.1f}ms errors={b.errors + c.errors}"
        )
    print("steps: " + " | ".join(summary))


if __name__ == "__main__":
    main(sys.argv[1:] or DEFAULT_STEPS)
