"""An exponential native histogram in Prometheus' protobuf exposition, encoded by hand.

Only a protobuf scrape carries an exponential native histogram (the text format has no
notation for one), and the test environment has no protobuf library: the few fields of
io.prometheus.client.MetricFamily it needs are written here, field by field.
"""

from __future__ import annotations

import struct

CONTENT_TYPE = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
HISTOGRAM = 4  # MetricType.HISTOGRAM


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            return bytes(out + bytes([low]))
        out.append(low | 0x80)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _int(field: int, n: int) -> bytes:
    return _varint(field << 3) + _varint(n)


def _double(field: int, x: float) -> bytes:
    return _varint(field << 3 | 1) + struct.pack("<d", x)


def _message(field: int, body: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(body)) + body


def exponential_histogram(name: str, counts: list[int], first_index: int, schema: int = 0) -> bytes:
    """One delimited MetricFamily: a histogram with consecutive positive bucket counts from bucket `first_index` of `schema`.

    At schema 0 bucket i holds (2^(i-1), 2^i]: first_index -2 starts at (0.125, 0.25]."""
    span = _int(1, _zigzag(first_index)) + _int(2, len(counts))
    # Bucket counts go as deltas from the previous bucket (sint64).
    deltas = b"".join(_int(13, _zigzag(count - before)) for count, before in zip(counts, [0, *counts[:-1]]))
    histogram = _int(1, sum(counts)) + _double(2, 0.0) + _int(5, _zigzag(schema)) + _double(6, 1e-128) + _int(7, 0) + _message(12, span) + deltas
    family = _message(1, name.encode()) + _int(3, HISTOGRAM) + _message(4, _message(7, histogram))
    return _varint(len(family)) + family
