"""Every timeout, in seconds, in one place."""

API_REQUEST = 30  # one Kubernetes API request
API_CONNECT = 5  # connecting to an existing cluster's API server when attaching (no retries)
DOCKER_PROBE = 5  # `docker info` while choosing the auto provider
KIND_CREATE = 600  # kind create cluster
KIND_LOAD = 300  # kind load docker-image / image-archive
GO_DOWNLOAD = 600  # go mod download of one module
GO_BUILD = 1800  # one go build of the Argo binaries, cold
HEARTBEAT = 15  # a long step (a Go build, a download) logs that it is still running this often
PATCH_APPLY = 60  # git apply of a planted defect's patch to a build's source copy
CONTROLLER_READY = 180  # a controller Deployment becomes available after install
DSPA_RECONCILE = 300  # the Data Science Pipelines operator renders a DSPA's workflow controller and it is available
DSPA_GONE = 180  # a deleted DSPA and the workflow controller its operator made are gone
NAMESPACE_GONE = 180  # a deleted namespace disappears
WORKFLOW_DEFAULT = 180  # a check's workflow reaches the awaited condition
PORT_FORWARD = 30  # kubectl port-forward starts listening
TOKEN_ISSUED = 30  # the token API issues a token for a service account just created
TOKEN_SECONDS = 600  # lifetime of the REST client's service account token
REST_REQUEST = 30  # one Argo Server REST call
KUEUE_ADMISSION = 120  # Kueue admits a Workload (or a ClusterQueue becomes active)
KUEUE_QUEUED = 180  # a check's workflows finish while Kueue queues their pods one after another
DEADLINE_GRACE = 15  # a controller that requeues at a workflow's activeDeadlineSeconds ends it within this
RUN_LEASE = 40  # a run's lease lasts this long unless renewed (every quarter of it); then the run counts as dead
LOCK_WAIT = 900  # waiting for a cluster-wide lock, or for other runs to stop using another Kueue release
TEMPLATE_RELEASE = 300  # another run of the suite deletes a cluster-scoped template both need (e.g. an example's)
USER_WORKFLOW = 600  # one of your own workflows (--argo-workflows) succeeds
UPSTREAM_EXAMPLE = 300  # one of Argo's examples succeeds (the longest selected one takes about 100 s here)
