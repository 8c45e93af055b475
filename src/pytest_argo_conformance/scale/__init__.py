"""The scale lane: many workflows through one controller on KWOK's simulated nodes, measured and compared.

`settings` (what a run asks for), `workload` (the workflows as submitted), `watching` (event streams),
`executor` (what Argo's executor would report for a pod no container ran in), `metrics` (controller CPU and memory,
queue depth, API requests), `stats` (figures from the observations), `gate` (a build against its reference) and
`lane` (one run in one cell).
"""
