"""Sequential: a stack of layers with forward, backward, predict, evaluate, save/load."""

import numpy as np

from minirg._backend import get_namespace
from minirg._checks import check_int
from minirg.nn import checkpoint as ckpt, train
from minirg.nn._data import batch, batch_slices, check_data
from minirg.nn.layers import Dense
from minirg.nn.losses import get_loss

__all__ = ["Sequential"]


class Sequential:
    """A chain of layers, x : (n, d_in) -> y : (n, d_out).

    Parameters
    ----------
    layers : list of Dense
        Consecutive widths must match (ValueError otherwise).
    xp : array namespace, "cpu" or "gpu", optional
        Move every layer there (see ``to``). Layers start as NumPy arrays.
    dtype : float dtype, optional
        Cast every layer's weights (float32 or float64). The model computes in
        its weights' dtype: ``fit``/``evaluate``/``predict`` cast each batch
        of data to it.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ae = Sequential([Dense(1024, 512, bias=False, l1=1e-5, rng=rng),
    ...                  Dense(512, 1024, bias=False, l1=1e-5, rng=rng)])
    >>> ae.to("gpu")                                   # doctest: +SKIP
    """

    def __init__(self, layers, *, xp=None, dtype=None):
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Dense):
                raise TypeError(f"layer {i} is {layer!r} of type {type(layer).__name__}; "
                                "expected a minirg.nn.Dense")
        for i, (a, b) in enumerate(zip(self.layers, self.layers[1:])):
            if a.d_out != b.d_in:
                raise ValueError(f"layer {i} outputs width {a.d_out} but layer {i + 1} "
                                 f"expects d_in={b.d_in}")
        if xp is not None or dtype is not None:
            self.to(xp, dtype)

    d_in = property(lambda self: self.layers[0].d_in)
    d_out = property(lambda self: self.layers[-1].d_out)
    xp = property(lambda self: get_namespace(self.layers[0].W), doc="the model's namespace")
    dtype = property(lambda self: self.layers[0].W.dtype, doc="the compute dtype")

    def to(self, xp=None, dtype=None):
        """Move all layers to namespace ``xp`` ('cpu', 'gpu' or a module) and/or ``dtype``.

        Build the optimizer after moving (its moments live beside the weights).
        Returns self.
        """
        for layer in self.layers:
            layer.to(xp, dtype)
        return self

    def forward(self, x):
        """x : (n, d_in) -> y : (n, d_out), keeping what backward needs."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy, need_dx=True, add_l1=True):
        """dy = dL/dy : (n, d_out) -> dx : (n, d_in); sets each trainable layer's dW, db.

        With ``need_dx=False`` it stops at the first trainable layer (nothing
        below it needs a gradient, e.g. a frozen encoder) and returns None.
        ``add_l1=False`` leaves the L1 term out of dW (see ``Dense.backward``).
        """
        stop = 0 if need_dx else self._first_trainable()
        for i in range(len(self.layers) - 1, stop - 1, -1):
            dy = self.layers[i].backward(dy, need_dx=need_dx or i > stop, add_l1=add_l1)
        return dy if need_dx else None

    def _first_trainable(self):
        return next((i for i, l in enumerate(self.layers) if l.trainable), len(self.layers))

    def predict(self, x, batch_size=32):
        """Outputs for ``x`` : (n, d_in) (any real dtype, e.g. int8 spins) -> (n, d_out)."""
        x = check_data(x, "x", self.d_in)
        bs = check_int(batch_size, "batch_size", 1)
        xp, dtype = self.xp, self.dtype
        rows = batch_slices(np.arange(x.shape[0]), bs)
        return xp.concat([self.forward(batch(x, r, xp, dtype)) for r in rows], axis=0)

    def penalty(self):
        """{'trainable': float, 'frozen': float}: sums of l1 * sum|W| over those layers."""
        out = {"trainable": 0.0, "frozen": 0.0}
        for layer in self.layers:
            out["trainable" if layer.trainable else "frozen"] += float(layer.l1_penalty())
        return out

    def trainable_penalty(self):
        """Sum of l1 * sum|W| over trainable layers; a 0-d array off NumPy (no sync)."""
        return sum((l.l1_penalty() for l in self.layers if l.trainable), 0.0)

    def mean_loss(self, x, y, loss, rows, batch_size):
        """Data loss averaged over ``rows`` of (x, y), batch by batch, weighted by batch size.

        This is Keras's reduction (a batch's mean loss weighted by its size).
        Returns a float.
        """
        xp, dtype = self.xp, self.dtype
        total = 0.0
        for r in batch_slices(rows, batch_size):
            xb = batch(x, r, xp, dtype)
            yb = xb if y is x else batch(y, r, xp, dtype)
            total += len(r) * float(loss(self.forward(xb), yb)[0])
        return total / len(rows)

    def evaluate(self, x, y, *, loss, batch_size=32, return_dict=False):
        """Loss on (x, y): data loss + L1 penalty of every layer (frozen ones included).

        Parameters
        ----------
        x : (n, d_in), y : (n, d_out) real arrays (y may be ``x`` itself)
        loss : "hinge", "mse" or callable (y_pred, y) -> (value, dy_pred)
        return_dict : bool
            Return {"loss", "data_loss", "penalty_trainable", "penalty_frozen"}
            instead of the float ``loss``.
        """
        loss = get_loss(loss)
        x, y = self._check_xy(x, y)
        data = self.mean_loss(x, y, loss, np.arange(x.shape[0]),
                              check_int(batch_size, "batch_size", 1))
        pen = self.penalty()
        out = {"loss": data + pen["trainable"] + pen["frozen"], "data_loss": data,
               "penalty_trainable": pen["trainable"], "penalty_frozen": pen["frozen"]}
        return out if return_dict else out["loss"]

    def _check_xy(self, x, y):
        same = y is x
        x = check_data(x, "x", self.d_in)
        y = x if same else check_data(y, "y", self.d_out)
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]}; "
                             "expected the same number")
        return x, y

    def fit(self, x, y, *, loss, optimizer=None, epochs=1, batch_size=32,
            validation_split=0.0, shuffle=True, seed=0, checkpoint=None,
            progress=False, desc="fit", position=None, callback=None,
            divergence=100.0, early_stopping=None):
        """Train like Keras's ``model.fit``; returns History. Documented in minirg.nn.train.fit."""
        return train.fit(self, x, y, loss=loss, optimizer=optimizer, epochs=epochs,
                         batch_size=batch_size, validation_split=validation_split,
                         shuffle=shuffle, seed=seed, checkpoint=checkpoint,
                         progress=progress, desc=desc, position=position, callback=callback,
                         divergence=divergence, early_stopping=early_stopping)

    def config(self):
        """JSON-able architecture: format, version and each layer's config."""
        return ckpt.model_config(self.layers)

    def state_arrays(self):
        """The model file's entries: ``config`` plus host copies of every W and b."""
        return ckpt.model_arrays(self.layers)

    def save(self, path):
        """Write the model to ``path`` (.npz, atomically; see minirg.nn.checkpoint)."""
        ckpt.write_npz_atomic(path, self.state_arrays())

    @classmethod
    def load(cls, path, xp=None):
        """Read a model (or a checkpoint's model) written by ``save``; NumPy unless ``xp``."""
        return cls.from_arrays(ckpt.read_npz(path), path).to(xp)

    @classmethod
    def from_arrays(cls, arrays, path="<arrays>"):
        """Build a NumPy model from ``state_arrays()`` output, checking every entry."""
        return cls(ckpt.layers_from_arrays(arrays, path))
