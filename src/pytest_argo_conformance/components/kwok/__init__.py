"""KWOK (sigs.k8s.io/kwok): simulated nodes and pod lifecycles for the scale lane, run beside the cluster."""
