"""The hermetic `local` provider: a real single-node Kubernetes on this machine, without Docker.

Modules: `build` (Go builds + cache), `images` (OCI tarballs, import), `pki`, `cluster` (LocalCluster up/down/
status), `hostdeps` (apt packages), `cli` (`argo-conformance cluster ...`).
"""
