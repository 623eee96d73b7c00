"""slogen: compile declarative SLO specs into Prometheus rules, alerts, tests and dashboards."""

__version__ = "0.1.0"
