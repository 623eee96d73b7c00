"""Plans in -> Prometheus rule groups out: recording rules, burn-rate alerts, policy rules, and the rule templates (text: emit/text/)."""
