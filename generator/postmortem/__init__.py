"""Blameless postmortems as code: templates, budget impact, a linter and an index."""
