"""K same-shaped models as one stack of arrays: the lockstep forward, backward and Adam step.

Member k's layer i lives in slice ``[k, ...]`` of

    W[i] : (K, d_in, d_out)      b[i] : (K, 1, d_out)    (None without bias)

and its Adam moments in arrays of the same shapes, so one ``xp.matmul`` per
layer serves every member. A step runs the formulas of the reference engine
(``Dense.forward``/``backward``, ``hinge``/``mse``, the L1 term and
``optim.Adam``) on the stacked arrays, member by member in the arithmetic,
so each member follows its own ``fit`` to round-off (bit for bit where the
stacked matmul runs the same BLAS kernel as the 2-D one).

Per member: its own L1 strengths, frozen layers, Adam hyperparameters and
step count t. A layer frozen in member k gets a zero gradient there, and its
Adam moments in the stack are zero: then ``m = v = 0`` and ``W - alpha*0/eps =
W`` exactly, so the frozen weights never move. The member's own optimizer
keeps whatever it held for that key.
"""

import math

import numpy as np

from minirg._backend import get_namespace, to_numpy
from minirg.nn.activations import Linear, ReLU, Tanh

__all__ = ["Stack", "signature", "same_shape_groups"]

_ACTIVATIONS = {cls.name: cls for cls in (Linear, Tanh, ReLU)}


def signature(model):
    """What members of one lockstep stack must share: per layer (d_in, d_out, bias,
    activation) and the weights' dtype. L1 and ``trainable`` may differ."""
    layers = tuple((tuple(l.W.shape), l.b is not None, l.activation) for l in model.layers)
    return layers, str(model.layers[0].W.dtype).rsplit(".", 1)[-1]   # 'float32' in any library


def same_shape_groups(models, keys=None):
    """Indices of ``models`` grouped by ``signature`` (and by ``keys[i]`` if given, e.g.
    the training-set size), in first-seen order.   -> list of lists of int."""
    keys = [None] * len(models) if keys is None else list(keys)
    if len(keys) != len(models):
        raise ValueError(f"keys has {len(keys)} entries for {len(models)} models")
    groups = {}
    for i, (model, key) in enumerate(zip(models, keys)):
        groups.setdefault((signature(model), key), []).append(i)
    return list(groups.values())


def _check_same_shape(models):
    first = signature(models[0])
    for k, model in enumerate(models[1:], 1):
        sig = signature(model)
        if sig != first:
            raise ValueError(f"models[{k}] has layers {sig[0]} ({sig[1]}) but models[0] has "
                             f"{first[0]} ({first[1]}); lockstep members must share "
                             "layer shapes, bias, activations and dtype")


class Stack:
    """The stacked weights, gradients and Adam state of K models.

    Parameters
    ----------
    models : list of K Sequential, same ``signature``, one namespace
    optimizers : list of K Adam (hyperparameters, ``t``, ``m``, ``v`` are read)
    """

    def __init__(self, models, optimizers):
        try:
            self.xp = xp = get_namespace(*[l.W for m in models for l in m.layers])
        except TypeError:
            raise ValueError("the models' weights live in different array libraries; "
                             "move every member to one (model.to)") from None
        _check_same_shape(models)
        self.K, self.dtype = len(models), models[0].layers[0].W.dtype
        self.np_dtype = np.float64 if self.dtype == xp.float64 else np.float32
        layers = [m.layers for m in models]           # layers[k][i]
        L = len(layers[0])
        self.trainable = np.array([[l.trainable for l in ls] for ls in layers])   # (K, L)
        self.l1 = np.array([[l.l1 for l in ls] for ls in layers], np.float64)      # (K, L)
        self.W = [xp.stack([ls[i].W for ls in layers]) for i in range(L)]
        self.b = [None if layers[0][i].b is None else
                  xp.stack([xp.reshape(ls[i].b, (1, -1)) for ls in layers]) for i in range(L)]
        self.acts = [_ACTIVATIONS[layers[0][i].activation]() for i in range(L)]
        # The lowest layer any member trains: nothing below it needs a gradient.
        self.stop = min((int(np.argmax(row)) if row.any() else L) for row in self.trainable)
        self._mask = [xp.asarray(np.reshape(self.trainable[:, i], (-1, 1, 1))) for i in range(L)]
        self._l1 = [self._col(self.l1[:, i]) for i in range(L)]
        self._read_adam(optimizers)
        self.dW, self.db, self._h = [None] * L, [None] * L, [None] * L

    def _col(self, values):
        """Host per-member values -> (K, 1, 1) array of the weights' dtype (NEP 50 casting)."""
        return self.xp.asarray(np.asarray(values, self.np_dtype).reshape(-1, 1, 1))

    def params(self):
        """[(key, list holding the stacked array, index)]: every parameter, key 'i.W' or 'i.b'."""
        out = [(f"{i}.W", self.W, i) for i in range(len(self.W))]
        return out + [(f"{i}.b", self.b, i) for i in range(len(self.b)) if self.b[i] is not None]

    def _read_adam(self, optimizers):
        xp = self.xp
        # Python floats, so alpha below rounds exactly as in Adam.step.
        self.hyper = [tuple(float(h) for h in (o.lr, o.beta_1, o.beta_2, o.epsilon))
                      for o in optimizers]
        self.t = np.array([int(o.t) for o in optimizers], np.int64)
        lr, b1, b2, eps = zip(*self.hyper)
        self._b1, self._c1 = self._col(b1), self._col([1 - b for b in b1])
        self._b2, self._c2 = self._col(b2), self._col([1 - b for b in b2])
        self._eps = self._col(eps)
        self.m, self.v = {}, {}
        for key, arrays, i in self.params():
            shape = tuple(arrays[i].shape[1:])
            for moments, name in ((self.m, "m"), (self.v, "v")):
                moments[key] = xp.stack([
                    xp.reshape(getattr(o, name)[key], shape)
                    if self.trainable[k, i] and key in getattr(o, name)
                    else xp.zeros(shape, dtype=self.dtype) for k, o in enumerate(optimizers)])

    def forward(self, x):
        """x : (K, n, d_in) -> y : (K, n, d_out), keeping each layer's input for backward."""
        xp = self.xp
        for i, (W, b, act) in enumerate(zip(self.W, self.b, self.acts)):
            self._h[i] = x
            z = xp.matmul(x, W)
            x = act.forward(z if b is None else z + b)
        return x

    def member_losses(self, loss, y_pred, y):
        """Member k's ``loss(y_pred[k], y[k])`` -> (values : (K,) array, dy : (K, n, d_out)).

        One call per member: the loss normalises by its own batch, and any
        callable loss works unchanged."""
        xp = self.xp
        pairs = [loss(y_pred[k, ...], y[k, ...]) for k in range(self.K)]
        return xp.stack([v for v, _ in pairs]), xp.stack([d for _, d in pairs])

    def backward(self, dy):
        """dy : (K, n, d_out) -> sets dW[i], db[i] (L1 term included, 0 where frozen)."""
        xp = self.xp
        for i in range(len(self.W) - 1, self.stop - 1, -1):
            dz = self.acts[i].backward(dy)
            if self.trainable[:, i].any():
                dW = xp.matmul(xp.matrix_transpose(self._h[i]), dz)
                if self.l1[:, i].any():
                    dW += self._l1[i] * xp.sign(self.W[i])   # dW is fresh: in place is safe
                db = None if self.b[i] is None else xp.sum(dz, axis=1, keepdims=True)
                if not self.trainable[:, i].all():
                    dW = xp.where(self._mask[i], dW, 0.0)
                    db = None if db is None else xp.where(self._mask[i], db, 0.0)
                self.dW[i], self.db[i] = dW, db
            if i > self.stop:
                dy = xp.matmul(dz, xp.matrix_transpose(self.W[i]))

    def step(self, loss, x, y):
        """One training step of every member on x : (K, n, d_in), y : (K, n, d_out).

        Returns (data losses, trainable penalties) : two (K,) arrays, measured
        before the update as ``train_step`` does (no host sync)."""
        value, dy = self.member_losses(loss, self.forward(x), y)
        penalty = self.penalty(trainable=True)
        self.backward(dy)
        self.adam_step()
        return value, penalty

    def adam_step(self):
        """One Adam update of every member (optim.Adam's formulas and operation order)."""
        xp = self.xp
        self.t += 1
        # alpha in Python floats, exactly as Adam.step computes it, then cast.
        alpha = self._col([lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                           for (lr, b1, b2, _), t in zip(self.hyper, self.t.tolist())])
        for key, arrays, i in self.params():
            if not self.trainable[:, i].any():
                continue
            g = (self.dW if key.endswith("W") else self.db)[i]
            m = self.m[key] = self._b1 * self.m[key] + self._c1 * g
            v = self.v[key] = self._b2 * self.v[key] + self._c2 * g * g
            arrays[i] = arrays[i] - alpha * m / (xp.sqrt(v) + self._eps)

    def penalty(self, trainable):
        """Per member, sum of l1 * sum|W| over its trainable (or frozen) layers.
        -> (K,) float64 array, summed over layers in order like ``Sequential.penalty``."""
        xp = self.xp
        total = xp.zeros(self.K, dtype=xp.float64)
        for i, W in enumerate(self.W):
            lam = self.l1[:, i] * (self.trainable[:, i] == trainable)
            if lam.any():
                total = total + xp.asarray(lam) * xp.sum(xp.abs(W), axis=(1, 2),
                                                         dtype=xp.float64)
        return total

    def write_back(self, models, optimizers):
        """Copy member k's weights into models[k] and its t, m, v into optimizers[k]."""
        xp = self.xp
        for k, (model, opt) in enumerate(zip(models, optimizers)):
            for i, layer in enumerate(model.layers):
                layer.W = xp.asarray(self.W[i][k, ...], copy=True)
                if layer.b is not None:
                    layer.b = xp.reshape(xp.asarray(self.b[i][k, ...], copy=True), (-1,))
                layer.dW = layer.db = None
            opt.t = int(self.t[k])
            if opt.t == 0:
                continue
            for key, arrays, i in self.params():
                if self.trainable[k, i]:
                    shape = tuple(getattr(model.layers[i], key[-1]).shape)
                    opt.m[key] = xp.reshape(xp.asarray(self.m[key][k, ...], copy=True), shape)
                    opt.v[key] = xp.reshape(xp.asarray(self.v[key][k, ...], copy=True), shape)

    def state_arrays(self):
        """Host copies of everything a resume needs: stacked weights, moments and t."""
        out = {"t": self.t.copy()}
        for key, arrays, i in self.params():
            out[f"param.{key}"] = to_numpy(arrays[i])
            out[f"adam.m.{key}"] = to_numpy(self.m[key])
            out[f"adam.v.{key}"] = to_numpy(self.v[key])
        return out

    def load_state_arrays(self, arrays, path):
        """Inverse of state_arrays (ValueError naming ``path`` on a missing or misshapen entry)."""
        xp = self.xp
        want = {"t": ((self.K,), "int64")}
        for key, stacked, i in self.params():
            spec = (tuple(stacked[i].shape), np.dtype(self.np_dtype).name)
            want.update({f"param.{key}": spec, f"adam.m.{key}": spec, f"adam.v.{key}": spec})
        for name, (shape, dtype) in want.items():
            a = arrays.get(name)
            if a is None or a.shape != shape or a.dtype.name != dtype:
                raise ValueError(f"checkpoint {path!r}: entry {name!r} is missing or not "
                                 f"{dtype} of shape {shape}")
        self.t = np.array(arrays["t"])
        for key, stacked, i in self.params():
            stacked[i] = xp.asarray(np.array(arrays[f"param.{key}"]))
            self.m[key] = xp.asarray(np.array(arrays[f"adam.m.{key}"]))
            self.v[key] = xp.asarray(np.array(arrays[f"adam.v.{key}"]))
