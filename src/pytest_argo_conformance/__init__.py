"""pytest-argo-conformance: does an Argo Workflows controller build behave like upstream?

PYTEST_DONT_REWRITE: `argo-conformance run` imports this package before pytest starts, so pytest could not rewrite
it anyway; this tells pytest so, instead of a PytestAssertRewriteWarning on every run (its modules imported later
are rewritten as usual).
"""

__version__ = "0.1.0"
