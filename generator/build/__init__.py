"""Build stage: spec files in -> output/ on disk out (compile, the worker pipeline, the atomic write, the no-change fingerprint)."""
