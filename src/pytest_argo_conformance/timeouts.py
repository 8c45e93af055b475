"""Every timeout, in seconds, in one place."""

API_REQUEST = 30  # one Kubernetes API request
DOCKER_PROBE = 5  # `docker info` while choosing the auto provider
KIND_CREATE = 600  # kind create cluster
KIND_LOAD = 300  # kind load docker-image / image-archive
KIND_DELETE = 180
