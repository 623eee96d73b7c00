"""A latency SLI's events and good events over a window, from classic, native or either histogram.

classic: events are `_count`, good events the `le="<threshold>"` bucket.
native:  one series of native histograms (exponential, or custom buckets: NHCB); events are
         `histogram_count`, good events `histogram_fraction(-Inf, threshold)` of them, summed
         first, so one fraction per group.  At a bucket boundary the fraction is that bucket's
         cumulative share (exact); between boundaries Prometheus interpolates inside the bucket
         (exponentially for exponential schemas, linearly for custom buckets).
auto:    per series, before summing: the native rate where the series has been native for the
         whole window (it had a native sample one window ago); else the classic rate while the
         classic series are still scraped; else (a switch from one scrape to the next) the two
         partial rates added, each covering its side of the switch; else whichever exists (a
         classic series fading out, a new native-only target).  So while a target exposes
         both it is counted once, and neither a switch nor the end of the classic series leaves
         a gap.  Only the base rates choose: every window above them sums these rates and
         carries through the switch.
"""

from __future__ import annotations

from slogen.spec.promql import Selector


def threshold_text(seconds: float) -> str:
    """A threshold as a PromQL number: whole numbers without a point, else the shortest repr."""
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


def native_events_good(hist: Selector, seconds: float, by: str, window: str, on: str = "", events_ref: str = "") -> tuple[str, str]:
    """(events, good) per second over `window` from native histograms, summed by `by`; good
    scales `events_ref` (the events rate recorded just before) so the histogram is read once."""
    summed = f"{by}(rate({hist.render()}[{window}]))"
    events = f"histogram_count({summed})"
    scale = f"{on} {events_ref}" if events_ref else events
    return events, f"(histogram_fraction(-Inf, {threshold_text(seconds)}, {summed}) * {scale})"


def auto_events_good(hist: Selector, bucket: str, seconds: float, by: str, window: str) -> tuple[str, str]:
    """(events, good) per second over `window`, each series read native once it is whole, else classic."""
    rate = f"rate({hist.render()}[{window}])"
    count = f"histogram_count({rate})"
    fraction = f"histogram_fraction(-Inf, {threshold_text(seconds)}, {rate}) * {count}"
    classic_good = f"sum without (le) (rate({bucket}[{window}]))"
    return _choose(hist, count, f"rate({hist.render('_count')}[{window}])", by, window), _choose(hist, fraction, classic_good, by, window)


def _choose(hist: Selector, native: str, classic: str, by: str, window: str) -> str:
    # An instant selector returns nothing once a series is marked stale, so `_count` alone says
    # the classic series are still scraped; `offset` says the native one was already there a
    # window ago.  Neither whole nor live: the two halves of the window, added.
    whole = f"{hist.render()} offset {window}"
    live = hist.render("_count")
    return f"{by}({native} and {whole} or {classic} and {live} or {native} + {classic} or {classic} or {native})"
