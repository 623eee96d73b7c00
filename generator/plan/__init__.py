"""Plan stage: a validated `ServiceSpec` in -> `SLOPlan`s out (windows, burn factors, SLI expressions, policy, emitted names); pure."""
