"""Process setup shared by the worker and the scheduler: one app, one readable log format."""

from __future__ import annotations

import logging
import re
import sys

from flask import Flask

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [pid %(process)d] %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S%z"
# Credentials the providers' APIs take in the query string (WeChat and WeCom access tokens and
# secrets, wx.login / OAuth codes, a WeCom group robot's webhook key), which urllib3 logs with
# every request URL at DEBUG, and requests' exceptions quote in their messages.
SECRET_QUERY = re.compile(r"(?<=[?&])(access_token|secret|corpsecret|appsecret|js_code|code|key)=[^&\s\"']+",
                          re.IGNORECASE)


def redact(text: str) -> str:
    return SECRET_QUERY.sub(r"\1=***", text)


class RedactSecrets(logging.Filter):
    """Mask SECRET_QUERY parameters in every record a handler writes, traceback included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if (redacted := redact(message)) != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # The formatter keeps exc_text once set: format the traceback here, masked.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


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
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
