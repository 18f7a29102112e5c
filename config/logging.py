"""Structured logs: one JSON object per line, one line per request and per job.

What a line may hold: ids (user id, member id, task id, request id), names (view,
task, logger), durations, counts, statuses. What it never holds: a national id, an
account number, an e-mail address, a message body or a query string. The request line
logs the path with every run of digits that could be a national id or an account number
masked, and no query string; messages are passed through the same mask.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid

from celery.signals import task_failure, task_postrun, task_prerun, task_retry

request_logger = logging.getLogger("medlemsportal.request")
job_logger = logging.getLogger("medlemsportal.job")

# 11 digits (fødselsnummer, D-nummer), 11 digits with dots (account number), e-mail.
_SECRETS = re.compile(
    r"(?<!\d)\d{6}\s?\d{5}(?!\d)|(?<!\d)\d{4}\.\d{2}\.\d{5}(?!\d)|[\w.+-]+@[\w-]+(\.[\w-]+)+"
)
# Standard LogRecord attributes: everything else given as `extra` goes into the line.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def mask(text: str) -> str:
    """Replace anything that looks like a national id, account number or e-mail."""
    return _SECRETS.sub("[skjult]", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            # The exception type and where, not its text (which may quote data).
            exc_type, _exc, tb = record.exc_info
            line["exception"] = getattr(exc_type, "__name__", str(exc_type))
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                line["at"] = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        return json.dumps(line, default=str, ensure_ascii=False)


def build(*, level: str = "INFO", json_lines: bool = True) -> dict:
    """The LOGGING setting."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "config.logging.JsonFormatter"},
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if json_lines else "plain",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Request bodies and SQL parameters may hold national ids: never log them.
            "django.db.backends": {"level": "WARNING"},
            # Our request line replaces these (theirs carry the query string).
            "django.server": {"level": "WARNING"},
            "django.request": {"level": "ERROR"},
            # httpx logs every request's URL (member numbers, subscriber hashes).
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
            # WeasyPrint logs every layout step at INFO.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }


class RequestLogMiddleware:
    """One line per request: method, masked path without query string, view, status,
    duration, user id, SQL query count. Outermost, so the duration is the whole of it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connection

        started = time.perf_counter()
        queries_before = len(connection.queries) if connection.queries_log else None
        request.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        extra = {
            "request_id": request.request_id,
            "method": request.method,
            "path": mask(request.path),
            "view": match.view_name if match else "",
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
        }
        if queries_before is not None:
            extra["queries"] = len(connection.queries) - queries_before
        if not request.path.startswith("/static/"):
            request_logger.info("request", extra=extra)
        response["X-Request-Id"] = request.request_id
        return response


# --- One line per Celery job ----------------------------------------------------------

_started: dict[str, float] = {}


@task_prerun.connect
def _job_started(task_id=None, task=None, **kwargs):
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _job_done(task_id=None, task=None, retval=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    extra = {
        "task": getattr(task, "name", ""),
        "task_id": task_id,
        "state": state,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }
    if isinstance(retval, dict):
        # Our tasks return counts (sent, failed, erased …): numbers only.
        extra["counts"] = {k: v for k, v in retval.items() if isinstance(v, int | float | bool)}
    job_logger.info("job", extra=extra)


@task_failure.connect
def _job_failed(task_id=None, exception=None, sender=None, **kwargs):
    job_logger.error(
        "job failed",
        extra={
            "task": getattr(sender, "name", ""),
            "task_id": task_id,
            "exception": exception.__class__.__name__,
        },
    )


@task_retry.connect
def _job_retried(request=None, reason=None, sender=None, **kwargs):
    job_logger.warning(
        "job retried",
        extra={
            "task": getattr(sender, "name", ""),
            "task_id": getattr(request, "id", None),
            "reason": reason.__class__.__name__,
        },
    )
