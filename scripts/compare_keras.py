"""Cross-check: minirg's `fit` against Keras 3's on the same weights and data.

Builds a small linear autoencoder with an L1 penalty on every kernel, gives
Keras the same initial weights, trains both with Adam, hinge loss, batch 10,
a 20% validation split and no shuffling, and prints the per-epoch `loss` and
`val_loss` of each.  Needs Keras with a backend, e.g.

    pip install keras torch==2.13.0
    KERAS_BACKEND=torch python scripts/compare_keras.py

Not part of the tests: neither Keras nor PyTorch is a minirg dependency.
"""

import argparse
import os
import sys

import numpy as np

from minirg.ising import sample
from minirg.nn import Adam, Dense, Sequential


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--l1", type=float, default=1e-3)
    args = p.parse_args(argv)
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    spins = sample(8, 0.4352, 500, seed=1)
    x = spins.reshape(len(spins), -1).astype(np.float32)
    sizes = [64, 32, 16, 32, 64]
    ours = Sequential([Dense(sizes[i], sizes[i + 1], bias=False, l1=args.l1, seed=i)
                       for i in range(4)])
    theirs = keras.Sequential([keras.Input((sizes[0],))] + [
        keras.layers.Dense(d, use_bias=False, kernel_regularizer=keras.regularizers.L1(args.l1))
        for d in sizes[1:]])
    for k_layer, layer in zip(theirs.layers, ours.layers):
        k_layer.set_weights([layer.W.copy()])
    theirs.compile(optimizer=keras.optimizers.Adam(), loss="hinge")
    fit = dict(epochs=args.epochs, batch_size=10, validation_split=0.2, shuffle=False)
    hk = theirs.fit(x, x, verbose=0, **fit).history
    ho = ours.fit(x, x, loss="hinge", optimizer=Adam(), **fit).history
    print(f"{'epoch':>5} {'keras loss':>11} {'minirg loss':>11} {'keras val':>10} {'minirg val':>10}")
    for e in range(args.epochs):
        print(f"{e + 1:5d} {hk['loss'][e]:11.6f} {ho['loss'][e]:11.6f} "
              f"{hk['val_loss'][e]:10.6f} {ho['val_loss'][e]:10.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
