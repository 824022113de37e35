"""The web layer: Flask blueprints for the JSON API and the storefront, and the CLI.

Views map requests to plain arguments, call one service function, and map its result back.
"""
