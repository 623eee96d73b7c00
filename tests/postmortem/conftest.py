"""Postmortem fixtures; the helpers live in pm_support so the name cannot clash with tests/conftest.py."""

from pm_support import fill, free_port  # noqa: F401  (fixtures)
