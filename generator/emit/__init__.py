"""Emit stage: `SLOPlan`s in -> file texts out (rule files per target, promtool tests, dashboards, report, native YAML); pure."""
