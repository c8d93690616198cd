"""Analyses of trained models: entropy, W W^T, weight statistics, the beta flow, plots, report."""
