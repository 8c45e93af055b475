"""The hermetic `local` provider: a real single-node Kubernetes on this machine, without Docker.

Modules: `build` (what to build, cached; the Go steps are toolchain/gobuild.py), `containerd` (image import),
`pki`, `cluster` (LocalCluster up/down/status), `hostdeps` (apt packages), `provider` (the pytest provider). The
OCI tarballs are written by toolchain/oci.py; `argo-conformance cluster ...` is command/cluster.py.
"""
