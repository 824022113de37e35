"""`catalog-service cutover STAGE`: the catalog's data cut-over, one reversible stage at a
time (ADR-0018; the runbook is in the README).

    backfill    copy the monolith's catalog into the service's schema (resumable)
    catch-up    wait until the service has applied every catalog event the monolith published
    reconcile   compare both sides row by row; exit 1 on any difference
    shadow      proxy: catalog reads answered by the monolith, copied to the service, compared
    canary      proxy: catalog reads of a share of callers answered by the service
    reads       proxy: every catalog read answered by the service; writes still the monolith's
    writes      ownership of writes to the service (freeze, drain, reconcile, switch), then
                the proxy sends catalog writes there too
    rollback    ownership back to the monolith (freeze, drain, reconcile, switch), and the
                proxy sends every catalog route to it
    status      who owns writes, the backfill's progress, what is still in flight
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine, select

from catalog_service.adapters import ownership
from catalog_service.adapters.backfill import backfill
from catalog_service.adapters.database import make_engine
from catalog_service.adapters.monolith import MonolithCatalog
from catalog_service.adapters.reconcile import reconcile_categories, reconcile_products
from catalog_service.adapters.tables import backfill_progress
from catalog_service.entrypoints.messages import EVENT_TYPES

STAGES = (
    "backfill", "catch-up", "reconcile", "shadow", "canary", "reads", "writes", "rollback",
    "status",
)  # fmt: skip
ROUTES = {  # the proxy's routing table of each stage, in strangler-proxy/routes/
    "shadow": "step-3-shadow.toml",
    "canary": "step-3-canary.toml",
    "reads": "step-3-reads.toml",
    "writes": "step-3.toml",
    "rollback": "step-3-monolith.toml",
}
SERVICE_QUEUES = [f"evt-catalog-{t}--catalog_service.on_{t}" for t in EVENT_TYPES]
MONOLITH_QUEUE = "monolith.catalog-replica"


class StageFailed(Exception):
    """The stage could not finish; what it changed is undone (or named)."""


@dataclass
class Sides:
    monolith: MonolithCatalog
    service: Engine  # the service's database, as its migration role
    broker_url: str
    say: Callable[[str], None]

    def close(self) -> None:
        self.monolith.close()
        self.service.dispose()


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cutover = commands.add_parser(
        "cutover", help="the catalog's data cut-over, one stage at a time", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    cutover.add_argument("stage", choices=STAGES)
    env = os.environ.get
    cutover.add_argument("--monolith-url", default=env("CATALOG_MONOLITH_DATABASE_URL"))
    cutover.add_argument("--migration-url", default=env("CATALOG_MIGRATION_DATABASE_URL"))
    cutover.add_argument("--broker-url", default=env("CATALOG_BROKER_URL"))
    cutover.add_argument("--routes-file", default=env("CATALOG_ROUTES_FILE"))
    cutover.add_argument(
        "--routes-dir", default=env("CATALOG_ROUTES_DIR", "strangler-proxy/routes")
    )
    cutover.add_argument("--proxy-admin-url", default=env("STRANGLER_ADMIN_URL"))
    cutover.add_argument("--proxy-admin-token", default=env("STRANGLER_ADMIN_TOKEN"))
    cutover.add_argument("--batch-size", type=int, default=50_000)
    cutover.add_argument("--restart", action="store_true", help="backfill: from the first row")
    cutover.add_argument("--timeout", type=float, default=120.0, help="for the drains, seconds")


def run(arguments: argparse.Namespace) -> int:
    missing = [
        flag
        for flag, value in (
            ("--monolith-url", arguments.monolith_url),
            ("--migration-url", arguments.migration_url),
        )
        if not value
    ]
    if missing:
        print(f"cutover: give {' and '.join(missing)} (or their variables)", file=sys.stderr)
        return 2
    sides = Sides(
        MonolithCatalog(arguments.monolith_url),
        make_engine(arguments.migration_url),
        arguments.broker_url or "amqp://guest:guest@127.0.0.1:5672//",
        say=lambda line: print(line, flush=True),
    )
    try:
        return _STAGES[arguments.stage](sides, arguments)
    except StageFailed as failure:
        print(f"cutover {arguments.stage}: {failure}", file=sys.stderr)
        return 1
    finally:
        sides.close()


def _backfill(sides: Sides, arguments: argparse.Namespace) -> int:
    from tqdm import tqdm

    total = sides.monolith.count_products()
    with tqdm(total=total, unit="product", desc="backfill", file=sys.stderr) as bar:
        done = backfill(
            sides.monolith,
            sides.service,
            batch_size=arguments.batch_size,
            restart=arguments.restart,
            progress=bar.update,
        )
    resumed = f", resumed after {done.resumed_after}" if done.resumed_after else ""
    sides.say(f"backfill: {done.copied} products copied now, {done.total} in all{resumed}")
    return 0


def _catch_up(sides: Sides, arguments: argparse.Namespace) -> int:
    _drain_monolith(sides, arguments.timeout)
    sides.say("catch-up: every catalog event the monolith published is applied")
    return 0


def _reconcile(sides: Sides, arguments: argparse.Namespace) -> int:
    clean = _reconciled(sides)
    return 0 if clean else 1


def _reconciled(sides: Sides) -> bool:
    found = [
        ("categories", reconcile_categories(sides.monolith, sides.service)),
        ("products", reconcile_products(sides.monolith, sides.service)),
    ]
    for what, difference in found:
        sides.say(difference.summary(what))
    return all(difference.clean for _, difference in found)


def _route(stage: str) -> Callable[[Sides, argparse.Namespace], int]:
    def switch(sides: Sides, arguments: argparse.Namespace) -> int:
        _install_routes(sides, arguments, stage)
        return 0

    return switch


def _writes(sides: Sides, arguments: argparse.Namespace) -> int:
    """Freeze the monolith's catalog writes, let the service catch up, check, hand over."""
    if ownership.owner(sides.service) == "catalog":
        sides.say("writes: the service owns catalog writes already")
        _install_routes(sides, arguments, "writes")
        return 0
    sides.monolith.set_owner("catalog")  # the monolith refuses writes from here on
    sides.say("writes: the monolith's catalog is read-only now")
    try:
        _drain_monolith(sides, arguments.timeout)
        _settle(sides, arguments.timeout, lambda: _drain_monolith(sides, arguments.timeout))
    except StageFailed:
        sides.monolith.set_owner("monolith")
        raise
    ownership.set_owner(sides.service, "catalog")
    sides.say("writes: the catalog service owns catalog writes")
    _install_routes(sides, arguments, "writes")
    return 0


def _rollback(sides: Sides, arguments: argparse.Namespace) -> int:
    """Freeze the service's writes, let the monolith catch up, check, hand back."""
    if sides.monolith.owner() == "monolith" and ownership.owner(sides.service) != "catalog":
        sides.say("rollback: the monolith owns catalog writes already")
        _install_routes(sides, arguments, "rollback")
        return 0
    ownership.set_owner(sides.service, "monolith")  # the service refuses writes from here on
    sides.say("rollback: the service's catalog is read-only now")
    try:
        _drain_service(sides, arguments.timeout)
        _settle(sides, arguments.timeout, lambda: _drain_service(sides, arguments.timeout))
    except StageFailed:
        ownership.set_owner(sides.service, "catalog")
        raise
    sides.monolith.set_owner("monolith")
    sides.say("rollback: the monolith owns catalog writes again")
    _install_routes(sides, arguments, "rollback")
    return 0


def _status(sides: Sides, arguments: argparse.Namespace) -> int:
    with sides.service.connect() as connection:
        progress = connection.execute(select(backfill_progress)).first()
    sides.say(f"owner, as the monolith records it: {sides.monolith.owner()}")
    sides.say(f"owner, as the service records it: {ownership.owner(sides.service)}")
    sides.say(f"backfill: {dict(progress._mapping) if progress else 'not started'}")
    sides.say(f"the monolith's unpublished catalog events: {sides.monolith.unpublished_events()}")
    sides.say(f"the service's unpublished events: {ownership.unpublished_events(sides.service)}")
    return 0


def _drain_monolith(sides: Sides, timeout: float) -> None:
    """Until the monolith's relay has published its catalog events and the service's
    consumer has taken every one of them."""
    _wait(
        timeout,
        lambda: (
            sides.monolith.unpublished_events() == 0
            and _drained(sides.broker_url, SERVICE_QUEUES, "catalog-events")
        ),
        "the monolith's catalog events still wait to be published or applied",
    )


def _drain_service(sides: Sides, timeout: float) -> None:
    _wait(
        timeout,
        lambda: (
            ownership.unpublished_events(sides.service) == 0
            and _drained(sides.broker_url, [MONOLITH_QUEUE], "the monolith's catalog-replica")
        ),
        "the service's events still wait to be published or applied",
    )


def _drained(broker_url: str, queues: list[str], consumer: str) -> bool:
    """Whether the queues are empty. A missing queue holds nothing, but what was published
    while it was missing reached nobody: reconciling, which follows every drain, finds that."""
    depths = ownership.queue_depths(broker_url, queues)
    absent = [name for name, depth in depths.items() if depth is None]
    if absent:
        print(f"warning: {consumer} has no queue {absent[0]} yet", file=sys.stderr)
    return all(not depth for depth in depths.values())


def _settle(sides: Sides, timeout: float, drain: Callable[[], None]) -> None:
    """Reconcile until clean: a message taken but not yet applied shows as a difference
    for a moment; a difference that outlasts `timeout` is real."""
    deadline = time.monotonic() + timeout
    while not _reconciled(sides):
        if time.monotonic() > deadline:
            raise StageFailed("the two sides still differ; ownership is left as it was")
        time.sleep(1.0)
        drain()


def _wait(timeout: float, done: Callable[[], bool], still: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise StageFailed(f"{still} after {timeout:.0f} s")
        time.sleep(0.2)


def _install_routes(sides: Sides, arguments: argparse.Namespace, stage: str) -> None:
    """Put the stage's routing table where the proxy reads it: a rename, so it never sees a
    half-written file; it reloads on the change (or at once, asked through its admin API)."""
    if not arguments.routes_file:
        sides.say(f"{stage}: no --routes-file: the proxy's routes are left as they are")
        return
    template = Path(arguments.routes_dir) / ROUTES[stage]
    target = Path(arguments.routes_file)
    with (
        template.open("rb") as source,
        tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False) as copy,
    ):
        shutil.copyfileobj(source, copy)
    os.replace(copy.name, target)
    if arguments.proxy_admin_url:
        response = httpx.post(
            f"{arguments.proxy_admin_url.rstrip('/')}/admin/api/reload",
            headers={"Authorization": f"Bearer {arguments.proxy_admin_token or ''}"},
            timeout=10,
        )
        if response.status_code != 200:
            raise StageFailed(f"the proxy refused {template.name}: {response.text[:300]}")
    sides.say(f"{stage}: the proxy routes by {template.name}")


_STAGES: dict[str, Callable[[Sides, argparse.Namespace], int]] = {
    "backfill": _backfill,
    "catch-up": _catch_up,
    "reconcile": _reconcile,
    "shadow": _route("shadow"),
    "canary": _route("canary"),
    "reads": _route("reads"),
    "writes": _writes,
    "rollback": _rollback,
    "status": _status,
}
