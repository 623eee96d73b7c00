"""Live edge: a running Prometheus or promtool in -> status rows, history and test results out (the only network and subprocess I/O)."""
