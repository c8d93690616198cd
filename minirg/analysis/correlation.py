"""Weight-matrix statistics: the spin-correlation matrix W W^T, sparsity, Gini.

For an encoder kernel W of shape (n_spins, n_hidden), (W W^T)_ij sums, over
hidden units, the product of the weights that spins i and j send to the same
unit: a large entry means the layer treats the two spins together (Iso et al.,
PRE 97, 053304).  On a row-major flattened L x L lattice, spin i's vertical
neighbours sit at i +- L, so structure on the diagonals at offsets 16 and 32
(the paper's choice for L = 32) is spatial structure.
"""

from minirg._backend import get_namespace

__all__ = ["spin_correlation", "near_diagonal_mass", "sparsity", "gini", "weight_stats"]


def spin_correlation(W):
    """C = W @ W.T.   W: (n_spins, n_hidden) -> C: (n_spins, n_spins)."""
    xp = get_namespace(W)
    if W.ndim != 2:
        raise ValueError(f"W: expected a 2-D kernel, got shape {tuple(W.shape)}")
    W = xp.astype(W, xp.float64)
    return W @ W.T


def _offset_masses(C, offsets):
    """sum |C_ij| over |j - i| == k for each k in ``offsets``, and the total sum |C|."""
    xp = get_namespace(C)
    m = C.shape[0]
    i = xp.reshape(xp.arange(m), (m, 1))
    dist = xp.abs(xp.reshape(xp.arange(m), (1, m)) - i)      # |j - i|, (m, m)
    A = xp.abs(xp.astype(C, xp.float64))
    zero = xp.zeros_like(A)
    masses = [float(xp.sum(xp.where(dist == k, A, zero))) for k in offsets]
    return masses, float(xp.sum(A))


def near_diagonal_mass(C, offsets=(16, 32)):
    """Share of the absolute mass of a square matrix on chosen diagonals.

    Parameters
    ----------
    C : (m, m) array
        Typically ``spin_correlation(W)``.
    offsets : tuple of int
        Diagonal offsets k > 0; each counts both diagonals j = i + k and j = i - k.

    Returns
    -------
    dict
        ``"0"``: sum |C_ii| / sum |C|.  ``"<k>"``: sum over |j - i| = k of
        |C_ij|, divided by sum |C|.  ``"<k>_rel"``: that mass per entry divided
        by the mean |C_ii|, i.e. how strong an average offset-k entry is next
        to an average self-correlation (independent of the matrix size).
        All values are 0 for an all-zero matrix.
    """
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C: expected a square matrix, got shape {tuple(C.shape)}")
    m = C.shape[0]
    offsets = [int(k) for k in offsets]
    if any(k <= 0 or k >= m for k in offsets):
        raise ValueError(f"offsets = {offsets}: expected integers in [1, {m - 1}]")
    masses, total = _offset_masses(C, [0] + offsets)
    diag_mean = masses[0] / m
    out = {"0": masses[0] / total if total else 0.0}
    for k, mass in zip(offsets, masses[1:]):
        out[str(k)] = mass / total if total else 0.0
        per_entry = mass / (2 * (m - k))
        out[f"{k}_rel"] = per_entry / diag_mean if diag_mean else 0.0
    return out


def sparsity(W, rel=0.1):
    """Fraction of weights with |w| <= rel * max|w| (1 for all-zero W).

    High for a sparse kernel (the decimation's selection matrix: 1 - 1/512 for
    1024 x 512), low for a diffuse one.  ``1 - sparsity`` is the fraction of
    "active" weights.
    """
    xp = get_namespace(W)
    A = xp.abs(xp.astype(W, xp.float64))
    small = A <= rel * xp.max(A)
    return float(xp.mean(xp.astype(small, xp.float64)))


def gini(W):
    """Gini coefficient of |w|: 0 when all equal, 1 - 1/n for a single nonzero.

    G = sum_i (2 i - n - 1) a_(i) / (n sum a) over the ascending |w| values
    a_(1) <= ... <= a_(n); 0 for an all-zero W.
    """
    xp = get_namespace(W)
    a = xp.sort(xp.reshape(xp.abs(xp.astype(W, xp.float64)), (-1,)))
    n = a.shape[0]
    total = float(xp.sum(a))
    if total == 0:
        return 0.0
    rank = xp.arange(1, n + 1, dtype=xp.float64)
    return float(xp.sum((2 * rank - n - 1) * a)) / (n * total)


def weight_stats(W, rel=0.1, offsets=(16, 32)):
    """Summary of one kernel W: (n_spins, n_hidden), as a JSON-ready dict of floats.

    Keys: ``sparsity``, ``active_fraction`` (= 1 - sparsity), ``gini``,
    ``mean_abs``, ``max_abs``, ``shape`` and ``near_diagonal``
    (:func:`near_diagonal_mass` of W W^T at ``offsets``).
    """
    xp = get_namespace(W)
    A = xp.abs(xp.astype(W, xp.float64))
    s = sparsity(W, rel)
    return {"shape": [int(d) for d in W.shape], "sparsity": s, "active_fraction": 1 - s,
            "gini": gini(W), "mean_abs": float(xp.mean(A)), "max_abs": float(xp.max(A)),
            "near_diagonal": near_diagonal_mass(spin_correlation(W), offsets)}
