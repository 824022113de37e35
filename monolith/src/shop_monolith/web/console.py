"""The `shop-monolith` command: Flask's command group over the app and its own commands."""

from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from shop_monolith.web.app import create_app

    return create_app()


def main() -> None:
    FlaskGroup(create_app=_create_app, add_default_commands=True)(prog_name="shop-monolith")
