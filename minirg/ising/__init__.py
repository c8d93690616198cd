"""2D Ising Monte Carlo, exact results, decimation and the RG recursion."""
