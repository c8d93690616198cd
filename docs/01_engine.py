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
# # 1. The engine by hand
#
# minirg trains its networks with an engine of a few hundred lines: a Dense layer whose backward pass
# is written out, two losses, an L1 penalty and Adam. This notebook takes each piece, computes it
# again by hand with NumPy, and checks the engine against the hand computation. Then it trains the
# paper's coarse-graining net CG-1024-512 and watches its weight matrix turn into the decimation
# matrix, and ends with transfer learning, which in minirg is nothing more than a copy of arrays.
#
# Everything used here is public: `minirg.nn` and `minirg.ising`.

# %%
import os

# Training at batch 10 multiplies small matrices: one BLAS thread is faster than several, and on a
# busy machine much faster (minirg gives each of its parallel training workers one thread too).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import matplotlib.pyplot as plt
import numpy as np

from minirg.ising import decimate, decimation_matrix, sample
from minirg.nn import Adam, Dense, Sequential, hinge, transfer

rng = np.random.default_rng(0)

# %% [markdown]
# ## One Dense layer, forward
#
# A Dense layer computes $y = \mathrm{act}(x W + b)$ for a batch $x$ of shape (n, d_in). $W$ has shape
# (d_in, d_out), the layout Keras uses, so a row of $x$ is one sample. We build a small tanh layer in
# float64 (the engine trains in float32; float64 makes the numerical checks below sharp).

# %%
layer = Dense(5, 3, activation="tanh", bias=True, seed=0, dtype=np.float64)
layer.b = rng.normal(size=3)                 # a nonzero bias, so it shows up in the check
x = rng.normal(size=(4, 5))                  # a batch of 4 samples

y_engine = layer.forward(x)
y_hand = np.tanh(x @ layer.W + layer.b)
print("W shape", layer.W.shape, "  max |engine - hand| =", np.abs(y_engine - y_hand).max())

# %% [markdown]
# ## ... and backward
#
# Backpropagation receives $\partial L / \partial y$ (called `dy`) from above and returns
# $\partial L / \partial x$. With $z = xW + b$ and $y = \tanh z$ the chain rule gives
#
# $$ dz = dy \odot (1 - y^2), \qquad dW = x^\top dz, \qquad db = \textstyle\sum_{\text{rows}} dz,
#    \qquad dx = dz\, W^\top . $$
#
# The layer stores $dW$ and $db$ as attributes and returns $dx$.

# %%
dy = rng.normal(size=y_engine.shape)
dx_engine = layer.backward(dy)

dz = dy * (1 - y_hand**2)
dW_hand, db_hand, dx_hand = x.T @ dz, dz.sum(axis=0), dz @ layer.W.T
for name, engine, hand in [("dW", layer.dW, dW_hand), ("db", layer.db, db_hand),
                           ("dx", dx_engine, dx_hand)]:
    print(f"{name}: max |engine - hand| = {np.abs(engine - hand).max():.1e}")


# %% [markdown]
# ## Checked by central differences
#
# Is the formula right, and not just the same mistake twice? Take the scalar $L = \sum y \odot dy$,
# whose gradient with respect to $y$ is exactly `dy`, and nudge each weight by $\pm h$:
#
# $$ \frac{\partial L}{\partial W_{ij}} \approx \frac{L(W_{ij} + h) - L(W_{ij} - h)}{2h}, $$
#
# which is accurate to $O(h^2)$. In float64, $h = 10^{-6}$ leaves an error near $10^{-9}$.

# %%
def numerical_gradient(f, a, h=1e-6):
    """Central differences of the scalar f() with respect to every entry of array a (in place)."""
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        keep = a[i]
        a[i] = keep + h
        up = f()
        a[i] = keep - h
        down = f()
        a[i] = keep
        grad[i] = (up - down) / (2 * h)
    return grad


def L_of_layer():
    return np.sum(layer.forward(x) * dy)


for name, param, analytic in [("W", layer.W, layer.dW), ("b", layer.b, layer.db)]:
    numeric = numerical_gradient(L_of_layer, param)
    print(f"d{name}: max |backprop - central difference| = {np.abs(numeric - analytic).max():.1e}")
dx_numeric = numerical_gradient(L_of_layer, x)
print(f"dx: max |backprop - central difference| = {np.abs(dx_numeric - dx_engine).max():.1e}")

# %% [markdown]
# ## The hinge loss and its subgradient
#
# The paper trains on spins $y \in \{-1, +1\}$ with the hinge loss (Keras's definition)
#
# $$ L(\hat y, y) = \frac{1}{N} \sum_k \max(0,\ 1 - y_k \hat y_k), $$
#
# averaged over all $N$ entries. Its derivative is $-y_k / N$ where the margin $1 - y_k\hat y_k$ is
# positive and $0$ where it is negative. At the kink (margin exactly 0) there is no derivative; any
# value between the two one-sided slopes is a *subgradient*, and minirg (like Keras) takes 0.
# Once every output has the right sign with margin at least 1, the loss and its gradient vanish:
# a net trained with the hinge loss stops being pushed once it is "sure enough".

# %%
margin_product = np.linspace(-1.5, 2.5, 401)              # y * y_hat
fig, ax = plt.subplots(1, 2, figsize=(9, 3))
ax[0].plot(margin_product, np.maximum(0, 1 - margin_product))
ax[0].set(xlabel=r"$y\,\hat y$", ylabel="hinge loss of one entry", title="loss")
ax[1].plot(margin_product, np.where(1 - margin_product > 0, -1.0, 0.0))
ax[1].set(xlabel=r"$y\,\hat y$", ylabel=r"$N\,y\,\partial L/\partial \hat y$",
          title="subgradient (0 taken at the kink)")
plt.tight_layout()
plt.show()

# %%
y_true = rng.choice([-1.0, 1.0], size=(3, 4))
y_pred = rng.normal(size=(3, 4))
value, grad = hinge(y_pred, y_true)
print("hinge by hand  :", np.mean(np.maximum(0, 1 - y_true * y_pred)), "  engine:", float(value))
numeric = numerical_gradient(lambda: float(hinge(y_pred, y_true)[0]), y_pred)
print("max |subgradient - central difference| (off the kinks):", np.abs(numeric - grad).max())

y_pred[0, 0] = y_true[0, 0]                                # margin exactly 0: the kink
print("gradient at the kink:", float(hinge(y_pred, y_true)[1][0, 0]))

# %% [markdown]
# ## Adam, step by step
#
# Adam keeps, for every parameter $p$ with gradient $g$, running means of $g$ and $g^2$ and takes a
# step scaled by their ratio. minirg follows Keras exactly (defaults $\eta = 10^{-3}$,
# $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-7}$; the bias correction folded into the step
# size and $\epsilon$ outside the square root):
#
# $$ t \leftarrow t + 1,\quad m \leftarrow \beta_1 m + (1 - \beta_1) g,\quad
#    v \leftarrow \beta_2 v + (1 - \beta_2) g^2,$$
# $$ \alpha_t = \eta\,\frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t},\qquad
#    p \leftarrow p - \alpha_t \frac{m}{\sqrt{v} + \epsilon}. $$
#
# We give a layer three made-up gradients, let `Adam.step` update it, and redo the arithmetic by
# hand.

# %%
lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7
opt = Adam(lr=lr, beta_1=b1, beta_2=b2, epsilon=eps)
net = Dense(3, 2, bias=False, seed=1, dtype=np.float64)

p_hand = net.W.copy()
m = np.zeros_like(p_hand)
v = np.zeros_like(p_hand)
for t in range(1, 4):
    g = rng.normal(size=p_hand.shape)
    net.dW = g.copy()                     # what backward would have set
    opt.step([net])
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
    p_hand = p_hand - alpha * m / (np.sqrt(v) + eps)
    print(f"t={opt.t}: max |Adam.step - formula| = {np.abs(net.W - p_hand).max():.1e}, "
          f"moved by {np.abs(alpha * m / (np.sqrt(v) + eps)).max():.2e}")

# %% [markdown]
# Note the size of each move: close to $\eta = 10^{-3}$ whatever the scale of $g$, because
# $m/\sqrt{v}$ is a ratio. This matters below: when only the tiny L1 gradient is left, Adam still
# moves weights by about $\eta$ per step.
#
# ## Training CG-1024-512: W becomes the decimation matrix
#
# The paper's first experiment trains a single linear layer without bias, $y = xW$, to map a
# $32 \times 32$ Ising lattice (1024 spins at $\beta = 0.4352$, near the critical point) to its
# first decimation (the 512 sites with row + column even). The exact answer is a 0/1 *selection
# matrix* $W^1$: column $j$ has a single one, in the row of the site that output $j$ keeps. Does
# gradient descent find it? We sample lattices, train with hinge loss + L1 ($\lambda = 10^{-5}$),
# Adam and batch 10, and keep a copy of $W$ after chosen epochs through `fit`'s `callback`.

# %%
L, beta = 32, 0.4352
spins = sample(L, beta, 2000, seed=1)                      # (2000, 32, 32) int8
x_train = spins.reshape(len(spins), -1)                    # (2000, 1024)
y_train = decimate(spins, 1).reshape(len(spins), -1)       # (2000, 512): the kept sites
W1 = decimation_matrix(L, 1)                               # (1024, 512) 0/1

cg = Sequential([Dense(L * L, L * L // 2, activation="linear", bias=False, l1=1e-5, seed=0)])
snapshots = {0: cg.layers[0].W.copy()}
show_after = (1, 3, 8, 20)


def keep_W(epoch, logs):
    if epoch + 1 in show_after:
        snapshots[epoch + 1] = cg.layers[0].W.copy()


history = cg.fit(x_train, y_train, loss="hinge", optimizer=Adam(), epochs=20, batch_size=10,
                 validation_split=0.2, seed=0, callback=keep_W)
print("final train loss %.4f, val loss %.4f" % (history.history["loss"][-1],
                                                history.history["val_loss"][-1]))

# %% [markdown]
# The full matrices first (1024 rows, 512 columns), then the top-left corner, where the pattern of
# the selection matrix is visible: output $j$ reads the $j$-th kept site, and row $i$ is a kept site
# when $i // 32 + i$ is even. Watch the faint side stripes in the early epochs: near the critical
# point neighbouring spins are strongly correlated, so at first the neighbours of a kept site also
# help predict it. The L1 penalty and further training remove them; only the site itself survives.

# %%
epochs = sorted(snapshots)
fig, ax = plt.subplots(2, len(epochs) + 1, figsize=(15, 6))
for k, e in enumerate(epochs):
    W = snapshots[e]
    lim = np.abs(W).max()
    ax[0, k].imshow(W, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    ax[0, k].set_title(f"W after {e} epochs" if e else "W at the start (Glorot)")
    ax[1, k].imshow(W[:64, :32], cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax[1, k].set_title("rows 0-63, columns 0-31")
ax[0, -1].imshow(W1, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
ax[0, -1].set_title("decimation matrix $W^1$")
ax[1, -1].imshow(W1[:64, :32], cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
ax[1, -1].set_title("$W^1$, same corner")
for a in ax.flat:
    a.set_xticks([]), a.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# One number per snapshot says the same: the mean $|W|$ on the entries where $W^1$ has its ones,
# against the mean $|W|$ everywhere else, and the loss curve.

# %%
on = [np.abs(snapshots[e][W1 == 1]).mean() for e in epochs]
off = [np.abs(snapshots[e][W1 == 0]).mean() for e in epochs]
fig, ax = plt.subplots(1, 2, figsize=(10, 3.2))
ax[0].semilogy(epochs, on, "o-", label="entries where $W^1 = 1$")
ax[0].semilogy(epochs, off, "s-", label="all other entries")
ax[0].set(xlabel="epoch", ylabel="mean |W|", title="the selection pattern emerges")
ax[0].legend()
ax[1].plot(history.history["loss"], label="train (hinge + L1)")
ax[1].plot(history.history["val_loss"], label="validation")
ax[1].set(xlabel="epoch", ylabel="loss", title="CG-1024-512")
ax[1].legend()
plt.tight_layout()
plt.show()
for e, a, b in zip(epochs, on, off):
    print(f"epoch {e:2d}: mean |W| on the decimation entries {a:.3f}, elsewhere {b:.1e}")

# %% [markdown]
# The kept-site weights do not stop at 1. Once every output has margin $\ge 1$, the hinge gradient is
# zero and only the L1 gradient $\lambda\,\mathrm{sign}(W)$ is left; Adam divides it by its own
# running size, so the weights keep moving by about $\eta$ per step, and the kept-site weights
# wander at a level above 1 while all others are driven to zero. The *pattern* is the decimation;
# the scale is set by the hinge loss's margin and the optimiser. The trained layer still selects the
# same sites as $W^1$:

# %%
W_trained = cg.layers[0].W
print("largest entry of each column sits where W1 has its one:",
      np.array_equal(np.argmax(np.abs(W_trained), axis=0), np.argmax(W1, axis=0)))
print("sign(x W) reproduces the decimated lattices on all training rows:",
      np.array_equal(np.sign(cg.predict(x_train)), y_train.astype(np.float32)))

# %% [markdown]
# ## Transfer learning is a copy
#
# The paper builds deeper nets from trained shallow ones ("transfer learning"). In minirg that is the
# function `transfer(src, dst, freeze=True)`: it checks the shapes, **copies** `src.W` (and `b`) into
# `dst`, and marks `dst` frozen. A frozen layer takes no optimizer step and keeps no gradient, but
# still passes gradients down to the layers below it.
#
# Here the trained coarse-grainer becomes the frozen encoder of a small autoencoder 1024 → 512 →
# 1024, and only the decoder trains.

# %%
encoder = Dense(L * L, L * L // 2, bias=False, l1=1e-5, seed=2)
decoder = Dense(L * L // 2, L * L, bias=False, l1=1e-5, seed=3)
transfer(cg.layers[0], encoder, freeze=True)
ae = Sequential([encoder, decoder])

print("same values:", np.array_equal(encoder.W, cg.layers[0].W),
      "  shares memory:", np.shares_memory(encoder.W, cg.layers[0].W),
      "  encoder trainable:", encoder.trainable)

encoder_before, decoder_before = encoder.W.copy(), decoder.W.copy()
ae.fit(x_train[:500], x_train[:500], loss="hinge", optimizer=Adam(), epochs=1, batch_size=10)
print("encoder unchanged by training:", np.array_equal(encoder.W, encoder_before),
      "  its dW:", encoder.dW)
print("decoder changed by training:", not np.array_equal(decoder.W, decoder_before))

cg.layers[0].W[0, 0] += 100.0                  # editing the source later ...
print("... leaves the copy alone:", np.array_equal(encoder.W, encoder_before))

# %% [markdown]
# A copy between mismatched shapes is refused with an error that names both:

# %%
try:
    transfer(cg.layers[0], decoder)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# Next: notebook 2 looks at where the training data come from (the Ising sampler) and at decimation
# and its RG recursion in their own right.
