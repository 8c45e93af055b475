"""Kueue for the admission-gating checks: its build and image, its manifests, its install, queues and waits."""
