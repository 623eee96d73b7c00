"""Plans in -> Grafana dashboard JSON out: one dashboard per service and an overview."""
