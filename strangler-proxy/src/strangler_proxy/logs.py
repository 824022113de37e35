"""The proxy's logs: JSON lines (STRANGLER_LOG_FORMAT=json) or readable console lines."""

import logging
import os
import sys

import structlog


def configure() -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if os.environ.get("STRANGLER_LOG_FORMAT") == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
