"""The conformance suites. Each test takes `argo` (the installed cell) and usually `argo_workflows`.

The plugin (`-p argo_conformance`, loaded automatically once installed) parametrizes every such test over
controller build x topology; see the README for options.
"""
