"""Benchmarks of slogen: compile throughput and rule evaluation cost (`make bench`)."""
