"""Coarse-graining of lattices: decimation (as slicing and as matrices) and majority rule.

Majority rule replaces each b x b block by the sign of its sum (a seeded coin
for ties); see `majority`.

Decimation step 1 keeps the sites with (row + col) even: each row r of the
(L, L) lattice keeps columns r % 2, r % 2 + 2, ..., giving an (L, L/2)
lattice. Step 2 keeps the even rows of that, giving (L/2, L/2), which equals
lattice[::2, ::2]. On row-major flattened lattices these are the 0/1
selection matrices W1 (L^2, L^2/2) and W2 (L^2/2, L^2/4) of the paper's
eqs. 7 and 8 (eq. 7 as printed is garbled; this is the (row + col)-even
reading).
"""

import numpy as np

from minirg._checks import check_L, check_int, check_seed, check_spins

__all__ = ["decimate", "decimation_matrix", "majority"]


def _check_lattices(spins):
    """+-1 (..., L, L) lattices with even L >= 4."""
    s = check_spins(spins)
    check_L(s.shape[-1])
    return s


def decimate(spins, steps=1):
    """Decimate lattices by one or two steps.

    Parameters
    ----------
    spins : (..., L, L) array of +-1, L even
    steps : {1, 2}

    Returns
    -------
    (..., L, L/2) int8 for steps=1 (kept sites of each row, left to right);
    (..., L/2, L/2) int8 for steps=2, equal to spins[..., ::2, ::2].
    """
    s = _check_lattices(spins)
    if steps == 2:
        return np.ascontiguousarray(s[..., ::2, ::2])
    if steps != 1:
        raise ValueError(f"steps must be 1 or 2, got {steps!r}")
    out = np.empty(s.shape[:-1] + (s.shape[-1] // 2,), dtype=np.int8)
    out[..., 0::2, :] = s[..., 0::2, 0::2]    # even rows keep even columns
    out[..., 1::2, :] = s[..., 1::2, 1::2]    # odd rows keep odd columns
    return out


def decimation_matrix(L, step=1):
    """0/1 selection matrix of one decimation step on row-major flattened lattices.

    Parameters
    ----------
    L : int
        Side of the original lattice (even, >= 4).
    step : {1, 2}
        1: W1 of shape (L^2, L^2/2), rows nonzero where (i // L + i) is even.
        2: W2 of shape (L^2/2, L^2/4) acting on the (L, L/2) lattice of step 1,
        rows nonzero where i // (L/2) is even.

    Returns
    -------
    W : float64 array with exactly one 1 per column; x_flat @ W is the
        decimated lattice flattened, and x @ W1 @ W2 == x[::2, ::2].ravel().
    """
    L = check_L(L)
    if step == 1:
        rows = np.arange(L * L)
        kept = rows[(rows // L + rows) % 2 == 0]
    elif step == 2:
        rows = np.arange(L * L // 2)
        kept = rows[(rows // (L // 2)) % 2 == 0]
    else:
        raise ValueError(f"step must be 1 or 2, got {step!r}")
    W = np.zeros((rows.size, kept.size))
    W[kept, np.arange(kept.size)] = 1.0       # kept sites stay in row-major order
    return W


def majority(spins, b=2, seed=0):
    """Majority-rule block spins: the sign of the sum of each b x b block.

    Block (I, J) covers rows I*b .. I*b + b - 1 and columns J*b .. J*b + b - 1.
    A block whose sum is 0 (a tie, possible only for even b: 2 up and 2 down
    when b = 2) gets +1 or -1 with probability 1/2 each.

    Tie-break, exactly: ``np.random.default_rng(seed).choice([-1, 1], size)``
    draws one sign for every block of the output (tied or not, in C order
    over the whole (..., L/b, L/b) array), and the tied blocks take theirs.
    So the same seed and the same input shape give the same blocks, and a
    tied block's sign does not depend on the other blocks' spins.

    Parameters
    ----------
    spins : (..., L, L) array of +-1, L divisible by b
    b : int
        Block side, an integer >= 2.
    seed : int
        Non-negative seed of the tie-breaking generator.

    Returns
    -------
    (..., L/b, L/b) int8 of +-1.
    """
    s = check_spins(spins)
    b = check_int(b, "b", 2)
    L = s.shape[-1]
    if L % b:
        raise ValueError(f"block side b must be an integer >= 2 dividing L = {L}, got {b!r}")
    rng = np.random.default_rng(check_seed(seed))
    blocks = s.reshape(s.shape[:-2] + (L // b, b, L // b, b))
    total = blocks.sum(axis=(-3, -1), dtype=np.int32)
    ties = rng.choice(np.array([-1, 1], dtype=np.int8), size=total.shape)
    return np.where(total == 0, ties, np.sign(total)).astype(np.int8)
