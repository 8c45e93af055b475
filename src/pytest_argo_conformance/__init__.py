"""pytest-argo-conformance: does an Argo Workflows controller build behave like upstream?"""

__version__ = "0.1.0"
