"""The `shop-monolith` command: Flask's CLI plus the shop's own commands."""

import signal
import sys
import time
from datetime import timedelta
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from shop_monolith import seed
from shop_monolith.customers import facade as customers
from shop_monolith.ordering import facade as orders
from shop_monolith.shared import tracing
from shop_monolith.web import dependencies


def init_app(app: Flask) -> None:
    for command in (create_admin, seed_command, settle_payments, check_db, catalog_replica):
        app.cli.add_command(command)


@click.command("create-admin")
@with_appcontext
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default="Admin")
def create_admin(email: str, password: str, name: str) -> None:
    """Create the admin account (or make an existing account admin with this password)."""
    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    admin = customers.ensure_admin(
        dependencies.session(), email=email, password=password, name=name
    )
    click.echo(f"admin {admin.email} ready")


@click.command("seed")
@with_appcontext
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.0001, 100))
def seed_command(scale: float) -> None:
    """Fill an empty database with deterministic data (scale 1: 10,000 products, 50,000 orders)."""
    try:
        counts = seed.seed(
            dependencies.session(), scale=scale, currency=dependencies.settings().currency
        )
    except seed.SeedRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo("seeded " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    click.echo(f"seeded customers log in with password {seed.SEED_PASSWORD!r}")


@click.command("settle-payments")
@with_appcontext
@click.option("--every", type=float, default=None, help="Keep running, settling every N seconds.")
def settle_payments(every: float | None) -> None:
    """Settle PENDING orders whose payment outcome is unknown by asking the provider."""
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    older_than = timedelta(seconds=dependencies.settings().payment_settle_after_seconds)
    while True:
        with tracing.span("settle-payments"):  # the trace of the events this round causes
            settled = orders.settle_stale_payments(
                dependencies.session(), dependencies.payment_provider(), older_than=older_than
            )
        if settled or every is None:
            click.echo(f"settled {settled} payment(s)")
        if every is None or stopping:
            return
        time.sleep(every)
        if stopping:
            return


@click.command("catalog-replica")
@with_appcontext
@click.option("--broker-url", default=None, help="Default: SHOP_BROKER_URL.")
@click.option("--declare", is_flag=True, help="Only declare the queue (before anything publishes).")
def catalog_replica(broker_url: str | None, declare: bool) -> None:
    """Keep the catalog a replica of the catalog service's, from its events (step 3)."""
    from shop_monolith.web import catalog_replica as consumer

    url = broker_url or dependencies.settings().broker_url
    if declare:
        consumer.declare(url)
        click.echo(f"queue {consumer.QUEUE} declared")
        return
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    factory = current_app.extensions["shop.sessions"]
    consumer.run(url, factory, lambda: stopping)


@click.command("check-db")
@with_appcontext
def check_db() -> None:
    """Exit 0 if the database answers (a health check for processes without HTTP)."""
    try:
        dependencies.ping()
    except Exception as error:
        click.echo(f"database unreachable: {error}", err=True)
        sys.exit(1)
    click.echo("database ok")
