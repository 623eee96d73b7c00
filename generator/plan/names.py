"""Every metric, label and group name slogen emits, in one place.

Recording-rule names follow Sloth's, so dashboards and habits carry over.
"""

from __future__ import annotations

from slogen.spec.durations import format_duration

LABEL_SERVICE = "slo_service"
LABEL_NAME = "slo_name"
LABEL_ID = "slo_id"
LABEL_WINDOW = "slo_window"
LABEL_TIER = "slo_tier"  # on burn-rate alerts: the tier (`long/short` windows) whose condition holds

ERRORS_RATE = "slo:sli_errors:rate{}"  # per-second error rate over a window
EVENTS_RATE = "slo:sli_events:rate{}"  # per-second event rate over a window
ERROR_RATIO = "slo:sli_error:ratio_rate{}"
OBJECTIVE = "slo:objective:ratio"
ERROR_BUDGET = "slo:error_budget:ratio"
TIME_PERIOD_DAYS = "slo:time_period:days"
CURRENT_BURN_RATE = "slo:current_burn_rate:ratio"
PERIOD_BURN_RATE = "slo:period_burn_rate:ratio"
PERIOD_BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"
# Clock hours of the SLO period holding recorded hourly points, in seconds (recording.py: history_rule).
PERIOD_HISTORY = "slo:period_history:seconds"
CALENDAR_ERROR_RATIO = "slo:calendar_period_sli_error:ratio"  # error ratio of the current calendar period
INFO = "slogen_slo_info"
POLICY_LEVEL = "slo:budget_policy:level"  # index of the active policy state, 0 = healthiest
POLICY_STATE = "slo:budget_policy:state"  # one series per state, 1 for the active one, else 0
LABEL_ACTION = "slo_action"  # names the policy state on POLICY_STATE
BUDGET_EXHAUSTED_ALERT = "SLOErrorBudgetExhausted"
NO_DATA_ALERT = "SLONoData"  # opt-in: the SLI reads no series at all (emit/rules/nodata_rules.py)
# Calendar windows and timeslices (emit/rules/calendar_groups.py).
CAL_OFFSET = "slo:calendar_utc_offset:seconds"
CAL_START_LOCAL = "slo:calendar_period_start_local:seconds"
CAL_END_LOCAL = "slo:calendar_period_end_local:seconds"
CAL_START = "slo:calendar_period_start:timestamp_seconds"
CAL_END = "slo:calendar_period_end:timestamp_seconds"
CAL_ERRORS = "slo:calendar_period_errors:count"
CAL_EVENTS = "slo:calendar_period_events:count"
CAL_INFO = "slogen_slo_calendar_info"
TS_GOOD_1H = "slo:timeslices_good:count1h"  # good slices ending in the last hour
TS_TOTAL_1H = "slo:timeslices_total:count1h"  # slices with traffic ending in the last hour
FORECAST_ALERT = "SLOErrorBudgetForecast"
# What an SLO's exclusions leave out now: 0 nothing, 1 counted as good, 2 absent (plan/exclusions.py).
EXCLUSION_STATE = "slo:exclusion:state"
# Split across clusters (emit/rules/split.py): what each cluster's Prometheus records from the
# raw series, per cluster, for the global ruler to sum; and the global's alert when a cluster
# that reported stops.
LEAF_ERRORS_RATE = "slo_leaf:sli_errors:rate{}"
LEAF_EVENTS_RATE = "slo_leaf:sli_events:rate{}"
CLUSTER_INCOMPLETE_ALERT = "SLOClusterIncomplete"
# What a past one-off exclusion left in the recorded base rates, in hourly points (emit/rules/corrections.py),
# one series per one-off, named by LABEL_EXCLUSION (its bounds, `<from>/<to + tail>` in UTC).
EXCLUDED_ERRORS = "slo:exclusion_errors:hours"
EXCLUDED_EVENTS = "slo:exclusion_events:hours"
LABEL_EXCLUSION = "slo_exclusion"


def slo_id(service: str, slo: str) -> str:
    """The id that ties every series of one SLO together."""
    return f"{service}-{slo}"


def errors_rate(window: int) -> str:
    """Name of the recorded error rate over a window."""
    return ERRORS_RATE.format(format_duration(window))


def events_rate(window: int) -> str:
    """Name of the recorded event rate over a window."""
    return EVENTS_RATE.format(format_duration(window))


def leaf_errors_rate(window: int) -> str:
    """Name of a leaf's recorded error rate over a window (split across clusters)."""
    return LEAF_ERRORS_RATE.format(format_duration(window))


def leaf_events_rate(window: int) -> str:
    """Name of a leaf's recorded event rate over a window (split across clusters)."""
    return LEAF_EVENTS_RATE.format(format_duration(window))


def error_ratio(window: int) -> str:
    """Name of the recorded error ratio over a window."""
    return ERROR_RATIO.format(format_duration(window))


def group_name(service: str, part: str) -> str:
    """Rule group name for one part of a service's rules."""
    return f"slogen-{service}-{part}"
