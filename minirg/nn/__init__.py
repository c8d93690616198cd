"""The neural-net engine: dense layers, losses, L1, Adam, Sequential."""
