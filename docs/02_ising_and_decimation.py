# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. The Ising model and decimation
#
# The networks of notebook 1 learn from lattices of the 2D Ising model. This notebook checks that
# those lattices are right (against exact results for the finite lattice), shows why the sampler
# spaces its samples, and then studies decimation, the coarse-graining step the paper compares with
# an autoencoder: as slicing, as matrices, and as the approximate recursion
# $\beta' = \tfrac38 \ln\cosh 4\beta$ with its fixed point and exponent.
#
# Model: spins $s_i = \pm 1$ on a periodic $L \times L$ lattice, $H = -\sum_{\langle ij \rangle} s_i s_j$
# over nearest-neighbour pairs, probability $\propto e^{-\beta H}$. Only `minirg.ising` is used.

# %%
import matplotlib.pyplot as plt
import numpy as np

from minirg.ising import (BETA_C, autocorrelation, beta_prime, decimate, decimation_matrix,
                          energy_per_spin, evolve, exact_energy, exact_specific_heat, fixed_point,
                          flip_probabilities, implied_nu, jackknife, magnetization, mean_error,
                          measure_tau, metropolis_sweep, recursion_slope, sample, specific_heat,
                          tau_int)

print(f"exact critical coupling beta_c = ln(1 + sqrt 2)/2 = {BETA_C:.5f}")

# %% [markdown]
# ## The Metropolis rule, written plainly
#
# Flipping spin $s_i$ changes the energy by $2d$ with $d = s_i \sum_{j \sim i} s_j \in
# \{-4, -2, 0, 2, 4\}$. Metropolis accepts the flip with probability $\min(1, e^{-2\beta d})$, which
# satisfies detailed balance with $e^{-\beta H}$. Since $d$ takes five values, the acceptance
# probabilities are a table of five numbers:

# %%
print("d         :", np.arange(-4, 5, 2))
print("P(flip)   :", np.round(flip_probabilities(0.4352, "metropolis"), 4))

# %% [markdown]
# `metropolis_sweep(spins, beta, u)` is the rule as a plain loop over one lattice, with its uniform
# random numbers passed in (read its source: `minirg/ising/rules.py`). The fast samplers used below
# are numba versions of these loops, tested against them on the same random numbers. The plain loop
# is slow, but it is already a correct sampler: one chain on an $8 \times 8$ lattice, against the
# exact mean energy.

# %%
beta, rng = 0.3, np.random.default_rng(0)
s = np.ones((8, 8), dtype=np.int8)
trace = []
for sweep in range(600):
    metropolis_sweep(s, beta, rng.random((8, 8)))
    trace.append(float(energy_per_spin(s)))
u, u_err = mean_error(trace[100:])                        # drop 100 sweeps of burn-in
print(f"plain Metropolis, L = 8, beta = {beta}: u = {u:.4f} +- {u_err:.4f}, "
      f"exact {exact_energy(8, beta):.4f}")

# %% [markdown]
# ## Samples against the exact answer
#
# For the periodic $L \times L$ lattice the partition function is known exactly at any finite $L$
# (Kaufman 1949; Ferdinand & Fisher 1969), so the mean energy per spin $u = \langle E \rangle / L^2$
# and the specific heat per spin $c = \beta^2 \mathrm{Var}(E) / L^2$ are exact numbers with no
# finite-size error to argue about. `sample(L, beta, n)` returns $n$ independent lattices; we
# estimate $u$ with its standard error and $c$ with a jackknife error, and compare with
# `exact_energy` and `exact_specific_heat`. The z-score (difference / error) should look like a
# draw from a standard normal: mostly within $\pm 2$, beyond $\pm 3$ about once in 400 numbers.

# %%
def compare_with_exact(L, beta, n, seed):
    """(u, u_err, c, c_err, z_u, z_c, algorithm) from n sampled lattices."""
    spins, info = sample(L, beta, n, seed=seed, return_info=True)
    e = energy_per_spin(spins)                             # (n,) energy per spin
    u, u_err = mean_error(e)
    c, c_err = jackknife(lambda block: specific_heat(block, beta, L), e)
    z_u = (u - exact_energy(L, beta)) / u_err
    z_c = (c - exact_specific_heat(L, beta)) / c_err
    return u, u_err, c, c_err, z_u, z_c, info["algorithm"]


L = 16
betas = [0.2, 0.3, 0.4, 0.4352, 0.45, 0.5, 0.6]
rows = [compare_with_exact(L, beta, 4000, seed=0) for beta in betas]
for beta, (u, u_err, c, c_err, z_u, z_c, algorithm) in zip(betas, rows):
    print(f"beta={beta:<6} {algorithm:<10} "
          f"u = {u:.4f} +- {u_err:.4f} (exact {exact_energy(L, beta):.4f}, z = {z_u:+.1f})   "
          f"c = {c:.3f} +- {c_err:.3f} (exact {exact_specific_heat(L, beta):.3f}, z = {z_c:+.1f})")

# %%
grid = np.linspace(0.05, 0.8, 200)
u, u_err, c, c_err = (np.array(col) for col in list(zip(*rows))[:4])
fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
ax[0].plot(grid, exact_energy(L, grid), label=f"exact, L = {L}")
ax[0].errorbar(betas, u, u_err, fmt="o", label="minirg samples")
ax[0].set(xlabel=r"$\beta$", ylabel="energy per spin $u$")
ax[1].plot(grid, exact_specific_heat(L, grid), label=f"exact, L = {L}")
ax[1].errorbar(betas, c, c_err, fmt="o", label="minirg samples")
ax[1].set(xlabel=r"$\beta$", ylabel="specific heat per spin $c$")
for a in ax:
    a.axvline(BETA_C, color="grey", ls=":", label=r"$\beta_c$")
    a.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# One large $|z|$ among fourteen numbers can be chance or a bias. A bias would come back with every
# seed; chance would not. So take the $\beta$ with the largest $|z|$ above and sample it again
# with eight fresh seeds: unbiased estimates give z-scores scattered around 0 with spread about 1.

# %%
worst = int(np.argmax([max(abs(r[4]), abs(r[5])) for r in rows]))
again = np.array([compare_with_exact(L, betas[worst], 4000, seed)[4:6] for seed in range(1, 9)])
print(f"beta = {betas[worst]}, seeds 1-8:")
print("  z of u:", np.round(again[:, 0], 1), f" mean {again[:, 0].mean():+.2f}")
print("  z of c:", np.round(again[:, 1], 1), f" mean {again[:, 1].mean():+.2f}")
print(f"  (the mean of 8 unbiased z-scores has standard error 1/sqrt(8) = {1 / np.sqrt(8):.2f})")

# %% [markdown]
# The specific heat peaks near $\beta_c$ (at a slightly smaller $\beta$ for $L = 16$: a finite-size
# shift). The paper's critical set is sampled at $\beta = 0.4352$, a little below the exact
# $\beta_c = 0.4407$.
#
# ## Autocorrelation: why samples are spaced
#
# A Markov chain produces lattices that resemble their predecessors. Run the single-spin Metropolis
# sampler at $\beta = 0.4352$ and record the energy after every sweep (one attempted flip per spin).
# We first start 64 chains from random lattices (infinite temperature) to see them relax, then continue
# them and measure the normalised autocorrelation $\rho(t)$ of the energy and of $|m|$ and the
# integrated autocorrelation time
#
# $$ \tau_{\text{int}} = \tfrac12 + \sum_{t \ge 1} \rho(t) $$
#
# (summed up to a self-consistent window, as `tau_int` does). For independent samples
# $\tau_{\text{int}} = 1/2$.

# %%
beta, L = 0.4352, 16
rng = np.random.default_rng(1)
s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(64, L, L))    # hot start
burn_in = []
for t in range(300):
    s = evolve(s, beta, 1, algorithm="metropolis", seed=1 + t)       # a fresh stream each sweep
    burn_in.append(energy_per_spin(s).mean())

E, M = [], []
for t in range(600):
    s = evolve(s, beta, 1, algorithm="metropolis", seed=1000 + t)
    E.append(energy_per_spin(s))
    M.append(np.abs(magnetization(s)))
E, M = np.array(E).T, np.array(M).T                                  # (64 chains, 600 sweeps)

fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
ax[0].plot(burn_in, label="mean of 64 chains")
ax[0].axhline(exact_energy(L, beta), color="k", ls="--", label="exact equilibrium value")
ax[0].set(xlabel="Metropolis sweeps from a random start", ylabel="energy per spin",
          title="thermalisation")
ax[0].legend()
lags = np.arange(80)
for name, series in [("energy", E), ("|m|", M)]:
    rho = autocorrelation(series)[lags]                    # averaged over the 64 chains
    ax[1].plot(lags, rho, label=f"{name}: tau_int = {tau_int(series):.1f} sweeps")
ax[1].axhline(0, color="grey", lw=0.5)
ax[1].set(xlabel="lag t (sweeps)", ylabel=r"$\rho(t)$", title="Metropolis at beta = 0.4352")
ax[1].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Correlated samples carry less information than their number suggests. The variance of a mean of
# $n$ samples is $2\tau_{\text{int}}\,\sigma^2/n$, not $\sigma^2/n$: the naive error bar is too small
# by $\sqrt{2\tau_{\text{int}}}$. `mean_error(series, tau)` takes $\tau$ as an argument, so we can
# compare the two:

# %%
u, honest = mean_error(E)
_, naive = mean_error(E, tau=0.5)
print(f"u = {u:.4f}; naive error {naive:.4f}, honest error {honest:.4f} "
      f"(ratio {honest / naive:.1f}; sqrt(2 tau_int) = {np.sqrt(2 * tau_int(E)):.1f}); "
      f"exact {exact_energy(L, beta):.4f}")

# %% [markdown]
# The sampler therefore measures $\tau_{\text{int}}$ in a pilot run (`measure_tau`), thermalises
# each chain for 50 $\tau$ and then saves one lattice every 4 $\tau$, where $\tau$ is the larger of
# the two autocorrelation times. The Wolff cluster algorithm flips whole correlated clusters and
# decorrelates much faster near $\beta_c$ (its step is one cluster flip, about half a sweep here);
# `sample` picks it there automatically.

# %%
for algorithm in ("metropolis", "wolff"):
    info = measure_tau(L, beta, algorithm)
    print(f"{algorithm:<10}: tau_E = {info['tau_E']:.1f}, tau_|m| = {info['tau_absm']:.1f} "
          f"(unit: {info['step']}), spacing = {info['spacing']}, "
          f"thermalization = {info['thermalization']}")

# %% [markdown]
# The check that matters: the lattices `sample` returns are independent. Lattice $i$ comes from chain
# $i \bmod 16$, so reshaping the sequence into (chain, time) gives one series per chain, whose
# autocorrelation time should be the independent value 1/2.

# %%
spins = sample(L, beta, 4000, seed=0)
e = energy_per_spin(spins).reshape(-1, 16).T                          # (16 chains, 250 samples)
m = np.abs(magnetization(spins)).reshape(-1, 16).T
print(f"tau_int of the returned sequence: energy {tau_int(e):.2f}, |m| {tau_int(m):.2f}")

# %% [markdown]
# ## Decimation, as slicing and as matrices
#
# Decimation keeps a subset of the spins and forgets the rest. The paper's first step keeps the sites
# with row + column even, a checkerboard: an $L \times L$ lattice becomes $L \times L/2$ (each row keeps
# every other site). The second step keeps the even rows of that, and the result is simply
# `x[::2, ::2]`, an $L/2 \times L/2$ lattice whose spins were 2 apart.

# %%
L = 32
x = sample(L, 0.4352, 1, seed=5)[0]
fig, ax = plt.subplots(1, 3, figsize=(10, 3.5), gridspec_kw={"width_ratios": [2, 1, 1]})
for a, img, title in zip(ax, [x, decimate(x, 1), decimate(x, 2)],
                         ["lattice, 32 x 32", "first decimation, 32 x 16",
                          "second decimation, 16 x 16"]):
    a.imshow(img, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    a.set_title(title)
    a.set_xticks([]), a.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# A network sees a lattice as a flat row of $L^2$ numbers (row-major). On flat lattices each step is a
# linear map, $x \mapsto xW$, with a 0/1 *selection matrix*: $W^1$ is $L^2 \times L^2/2$ with a single
# 1 per column, in a row $i$ with $(i // L + i)$ even (the paper's eq. 7, whose printed form is garbled;
# this is the reading that is a decimation), and $W^2$ is $L^2/2 \times L^2/4$ with its ones in rows
# $i$ with $i // (L/2)$ even (eq. 8). Drawn for $L = 8$:

# %%
W1, W2 = decimation_matrix(8, 1), decimation_matrix(8, 2)
fig, ax = plt.subplots(1, 3, figsize=(10, 4.5))
for a, W, title in zip(ax, [W1, W2, W1 @ W2],
                       [r"$W^1$: 64 x 32", r"$W^2$: 32 x 16", r"$W^1 W^2$: 64 x 16"]):
    a.imshow(W, cmap="Greys", interpolation="nearest")
    a.set_title(title)
    a.set_xlabel("output site")
ax[0].set_ylabel("input site (row-major)")
plt.tight_layout()
plt.show()

# %% [markdown]
# The product $W^1 W^2$ picks exactly the sites of `x[::2, ::2]`, and $xW^1$ is the first decimation.
# Checked on the $32 \times 32$ matrices, for a batch of lattices:

# %%
W1, W2 = decimation_matrix(L, 1), decimation_matrix(L, 2)
batch = sample(L, 0.4352, 100, seed=6)
flat = batch.reshape(100, -1)
print("x W1     == decimate(x, 1):", np.array_equal(flat @ W1, decimate(batch, 1).reshape(100, -1)))
print("x W1 W2  == x[::2, ::2]   :", np.array_equal(flat @ W1 @ W2,
                                                   batch[:, ::2, ::2].reshape(100, -1)))

# %% [markdown]
# ## The recursion $\beta' = \tfrac38 \ln\cosh 4\beta$
#
# Summing out the removed spins of one decimation step exactly produces couplings between
# next-nearest neighbours and groups of four spins. Keeping only a nearest-neighbour coupling, in the
# usual approximation, gives the recursion
#
# $$ \beta' = \tfrac38 \ln\cosh 4\beta , $$
#
# with one step rescaling lengths by $b = \sqrt2$. It has a trivial fixed point at 0 (attractive:
# high temperature flows to infinite temperature), one at infinity, and a nontrivial one $\beta^*$
# between them, which is *repulsive*: starting just below it the flow runs to 0, just above it runs
# to infinity. That unstable fixed point plays the critical point. Its slope $\lambda =
# d\beta'/d\beta\,|_{\beta^*}$ gives the correlation-length exponent $\nu = \ln b / \ln \lambda$
# (exact: $\nu = 1$).

# %%
b_star, slope = fixed_point(), recursion_slope()
print(f"fixed point beta* = {b_star:.5f} (exact beta_c = {BETA_C:.5f})")
print(f"slope there = {slope:.4f}, so nu = ln sqrt2 / ln slope = {implied_nu():.3f} (exact 1)")

grid = np.linspace(0, 0.8, 300)
fig, ax = plt.subplots(figsize=(5.5, 5))
ax.plot(grid, beta_prime(grid), label=r"$\beta' = \frac{3}{8}\ln\cosh 4\beta$")
ax.plot(grid, grid, "k--", lw=1, label=r"$\beta' = \beta$")
for start, colour in [(b_star - 0.02, "tab:blue"), (b_star + 0.02, "tab:red")]:
    b = start
    for _ in range(8):                 # cobweb: up to the curve, across to the diagonal
        nxt = beta_prime(b)
        ax.plot([b, b, nxt], [b, nxt, nxt], color=colour, lw=0.8)
        b = nxt
ax.plot(b_star, b_star, "ko")
ax.annotate(rf"$\beta^* = {b_star:.4f}$", (b_star, b_star), (0.1, 0.6))
ax.set(xlim=(0, 0.8), ylim=(0, 0.8), xlabel=r"$\beta$", ylabel=r"$\beta'$",
       title=r"cobwebs from $\beta^* \pm 0.02$ run away")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# The approximation places the critical point at $0.507$, 15 % above the exact $0.4407$, and gives
# $\nu \approx 0.93$. How good is it away from $\beta^*$? Two decimation steps turn a $32 \times 32$
# lattice at $\beta$ into a $16 \times 16$ lattice; if the recursion were exact, that lattice would
# be an Ising lattice at $\beta'' = \beta'(\beta'(\beta))$. Since the energy is the sufficient statistic
# of the nearest-neighbour model, we can *measure* the effective coupling: the $\beta$ at which the
# exact $16 \times 16$ mean energy equals the measured one. (Decimated lattices also carry the
# longer-range couplings the approximation drops, so this is the best nearest-neighbour description
# of them, not the whole story.)

# %%
fine = np.linspace(0.01, 1.5, 3000)
u16 = exact_energy(16, fine)                                # decreasing in beta
print("beta    recursion twice   measured          gap")
for beta in (0.2, 0.3, 0.4, 0.4352, 0.5, 0.6):
    dec2 = decimate(sample(32, beta, 500, seed=7), 2)      # (500, 16, 16)
    u, u_err = mean_error(energy_per_spin(dec2))
    measured = np.interp(u, u16[::-1], fine[::-1])
    # du/dbeta = -c / beta^2 (c: specific heat per spin), so an error du moves beta by du beta^2 / c
    err = u_err * measured**2 / exact_specific_heat(16, measured)
    predicted = beta_prime(beta_prime(beta))
    print(f"{beta:<7} {predicted:.3f}             {measured:.3f} +- {err:.3f}     "
          f"{measured - predicted:+.3f}")

# %% [markdown]
# Read the table with the recursion's picture in mind. Below $\beta^*$ both say that decimation
# makes the lattice "hotter" ($\beta'' < \beta$), and they agree to a few hundredths, least well
# next to $\beta_c$, where the dropped longer-range couplings are largest. Above $\beta^*$ they part:
# at $\beta = 0.6$ the recursion flows up, to 0.707, while the energy-matched coupling of the
# decimated lattices comes out *below* 0.6. Neither number is the exact flow: the recursion is a
# truncation, and the energy-matched $\beta$ is a projection of a Hamiltonian with more couplings
# onto one nearest-neighbour coupling. "The $\beta$ of a coarse-grained lattice" depends on how it is
# measured, and notebook 3 meets that question again with two different thermometers.
#
# Next: notebook 3 puts an autoencoder in the place of decimation and asks whether it flows the same
# way, with the controls needed to trust the answer.
