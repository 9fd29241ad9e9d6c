"""Schemathesis hooks for the churn API (loaded through SCHEMATHESIS_HOOKS by cargo xtask schemathesis).

Schemathesis serialises JSON, forms and plain text by itself; the API also takes two batch formats
it does not know, so they are written here, as the generated document describes them:

- ``application/x-ndjson``: the schema is an array of customers, whose elements go one JSON text
  per line, or one customer, which is a one-line document. Any other value goes out as one line
  too, which is what a client sending that value as NDJSON would send.
- ``text/csv``: the schema is a string (the CSV grammar is its pattern), sent as UTF-8.
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, list):
        return "".join(json.dumps(item) + "\n" for item in value).encode("utf-8")
    return json.dumps(value).encode("utf-8")


@schemathesis.serializer("text/csv")
def csv(ctx, value):
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else str(value)).encode("utf-8")
