"""Spec stage: spec files (native YAML/jsonnet, Sloth, Pyrra, OpenSLO) in -> validated `ServiceSpec` models with file:line:col out."""
