"""Prometheus metrics shared by the services; labels never carry personal data or ids."""

from prometheus_client import Counter, Histogram

EVENTS_CONSUMED = Counter(
    "vfund_events_consumed_total", "Events handled and acknowledged", ["service", "subject"]
)
EVENTS_RETRIED = Counter(
    "vfund_events_retried_total",
    "Events negatively acknowledged for redelivery",
    ["service", "subject", "error"],
)
DEADLETTERS = Counter(
    "vfund_deadletters_total", "Events moved to the dead-letter subject", ["service", "subject"]
)
OUTBOX_PUBLISHED = Counter("vfund_outbox_published_total", "Outbox rows published", ["service"])
OUTBOX_ERRORS = Counter("vfund_outbox_errors_total", "Outbox relay interruptions", ["service"])
HTTP_REQUESTS = Histogram(
    "vfund_http_request_seconds", "HTTP request latency", ["service", "method", "route", "status"]
)
