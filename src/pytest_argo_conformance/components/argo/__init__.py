"""Argo Workflows: controller builds from source, their images, and the topology installs."""
