"""Process setup shared by the worker and the scheduler: one app, one readable log format."""

from __future__ import annotations

import logging
import sys

from flask import Flask

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [pid %(process)d] %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S%z"


def build_app() -> Flask:
    """The app, built once per process from the environment (as wsgi.py does for the web), with
    logging set up from it."""
    from app import create_app

    app = create_app()
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    return app


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr in LOG_FORMAT. A handler on the root logger also serves RQ and APScheduler:
    RQ only installs its own (colour, stdout/stderr split) handlers when nothing above its logger
    handles records, so every line of a worker's output reads the same way."""
    logging.basicConfig(level=level.upper(), format=LOG_FORMAT, datefmt=LOG_DATE_FORMAT, stream=sys.stderr)
