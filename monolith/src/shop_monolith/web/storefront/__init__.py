"""The server-rendered storefront over the same services as the API."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
