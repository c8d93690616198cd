"""Benchmark one training step of the engine against PyTorch eager, in the same run.

A step is forward + loss + backward + Adam update (float32), on one fixed
batch, timed as the median over ``--repeat`` steps after warm-up, the two
engines alternating in rounds (see ``interleaved_ms``). Cases:

- ``autoencoder``: the paper's 1024-512-256-512-1024, linear, no bias, L1 1e-5
  on every kernel, hinge loss (batch 10, 100, 1000);
- ``beta-net``: 1024 -> 512 tanh (bias) -> 1 relu (bias), MSE (batch 10, 100).

PyTorch gets the same initial weights and data, ``nn.Linear`` layers, hinge
as ``clamp(1 - y*yhat, min=0).mean()``, the L1 term added to the loss, and
``torch.optim.Adam(eps=1e-7)`` (which places epsilon slightly differently
from Keras; irrelevant for timing).

Below each row, the step's per-phase split (forward + loss, backward,
update) for both engines, timed phase by phase over the same steps (each
phase waits for the device before its clock stops), so the next bottleneck
shows itself. Our update is Adam with the L1 term and the penalty sum in one
sweep per weight tensor; torch's "update" is ``opt.step()`` (its L1 term is
part of its loss, so of its forward and backward).

Run: ``python scripts/bench_nn.py [--repeat N] [--threads T] [--quick] [--device gpu]``
or ``minirg bench nn ...``.
"""

import argparse
import os
import statistics

import numpy as np

from minirg._backend import namespace_for
from minirg.bench._timing import spin, timed
from minirg.nn import Adam, Dense, Sequential, train_step
from minirg.nn.losses import get_loss

CASES = [("autoencoder", 10), ("autoencoder", 100), ("autoencoder", 1000),
         ("beta-net", 10), ("beta-net", 100)]
AE_SIZES = (1024, 512, 256, 512, 1024)
L1 = 1e-5


def build(case, seed=0):
    """(model, loss name) for ``case`` with seeded Glorot weights on the host."""
    rng = np.random.default_rng(seed)
    if case == "autoencoder":
        layers = [Dense(a, b, bias=False, l1=L1, rng=rng)
                  for a, b in zip(AE_SIZES, AE_SIZES[1:])]
        return Sequential(layers), "hinge"
    layers = [Dense(1024, 512, "tanh", rng=rng), Dense(512, 1, "relu", rng=rng)]
    return Sequential(layers), "mse"


def make_batch(case, n, seed=1):
    """Host float32 (x, y): random spins; y = x (autoencoder) or beta in [0.01, 0.6)."""
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), (n, 1024))
    if case == "autoencoder":
        return x, x
    return x, rng.uniform(0.01, 0.6, (n, 1)).astype(np.float32)


def interleaved_ms(steps, warmup, repeat, rounds=5, pause=0.3):
    """Median ms per call of each step function, timed in alternating rounds.

    The machine may be shared, so its load drifts; alternating rounds of
    ``repeat / rounds`` calls expose every engine to the same drift. The pause
    lets the previous engine's worker threads stop spinning before the next
    engine's round: OpenBLAS's threads busy-wait for about 0.1 s after a call
    (measured: a 50 ms pause doubled torch's time at batch 10).

    The pause spins rather than sleeps, because a training loop never lets
    the CPU idle between steps and an idle one changes what follows. Measured
    on the 2-core VM of the README (paper AE, batch 10, 15 alternating rounds
    of 10 steps, same process): after a 0.3 s sleep minirg took 3.9-4.1 ms
    and torch 7.6-8.1 ms per step, for every step of the round; after a 0.3 s
    spin, 2.6-3.0 ms and 6.2-7.0 ms, as in an unbroken loop.
    """
    for step in steps:
        timed(step, warmup)
    per_round = max(1, repeat // rounds)
    times = [[] for _ in steps]
    for _ in range(rounds):
        for step, t in zip(steps, times):
            spin(pause)
            t.extend(timed(step, per_round))
    return [1e3 * statistics.median(t) for t in times]


def _minirg_setup(case, n, device):
    model, loss_name = build(case)
    xp = namespace_for(device)
    model.to(xp)
    x, y = make_batch(case, n)
    x, y = xp.asarray(x), xp.asarray(y)
    y = x if case == "autoencoder" else y
    return model, x, y, get_loss(loss_name), Adam()


def minirg_step(case, n, device):
    """A closure doing one training step of our engine on a fixed batch."""
    model, x, y, loss, opt = _minirg_setup(case, n, device)
    # float() of the loss waits for the device, so GPU timings are complete.
    return lambda: float(train_step(model, x, y, loss, opt)[0])


def minirg_phases(case, n, device):
    """(forward, backward, update) closures that together make ``train_step``."""
    model, x, y, loss, opt = _minirg_setup(case, n, device)
    sync = _device_sync(model.xp)
    state = {}

    def forward():
        state["dy"] = loss(model.forward(x), y)[1]
        sync()

    def backward():
        model.backward(state["dy"], need_dx=False, add_l1=False)
        sync()

    def update():
        opt.step(model.layers, add_l1=True)
        sync()
    update.model = model  # for tests
    return forward, backward, update


def _device_sync(xp):
    if "cupy" not in xp.__name__:
        return lambda: None
    import cupy
    return cupy.cuda.get_current_stream().synchronize


def phase_ms(phases, warmup, repeat):
    """Median ms of each phase over ``repeat`` steps run phase after phase."""
    for _ in range(warmup):
        for phase in phases:
            phase()
    times = [[] for _ in phases]
    for _ in range(repeat):
        for phase, t in zip(phases, times):
            t.extend(timed(phase, 1))
    return [1e3 * statistics.median(t) for t in times]


def _torch_model(case, torch, device):
    """An equivalent torch model with the same initial weights as ``build(case)``."""
    model, _ = build(case)
    mods = []
    for layer in model.layers:
        lin = torch.nn.Linear(layer.d_in, layer.d_out, bias=layer.b is not None)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.W.T.copy()))
            if layer.b is not None:
                lin.bias.copy_(torch.from_numpy(layer.b))
        mods.append(lin)
        if layer.activation != "linear":
            mods.append(torch.nn.Tanh() if layer.activation == "tanh" else torch.nn.ReLU())
    return torch.nn.Sequential(*mods).to(device)


def torch_phases(case, n, device, torch):
    """(forward, backward, update) closures of one PyTorch eager training step."""
    dev = "cuda" if device == "gpu" else "cpu"
    net = _torch_model(case, torch, dev)
    x, y = (torch.from_numpy(a).to(dev) for a in make_batch(case, n))
    kernels = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    state = {}

    def forward():
        opt.zero_grad(set_to_none=True)
        out = net(x)
        if case == "autoencoder":
            loss = torch.clamp(1 - y * out, min=0).mean()
            loss = loss + L1 * sum(w.abs().sum() for w in kernels)
        else:
            loss = ((out - y) ** 2).mean()
        state["loss"] = loss
        sync()

    def backward():
        state["loss"].backward()
        sync()

    def update():
        opt.step()
        sync()
    return forward, backward, update


def torch_step(case, n, device, torch):
    """A closure doing one PyTorch eager training step on the same batch."""
    forward, backward, update = torch_phases(case, n, device, torch)

    def step():
        forward()
        backward()
        update()
    return step


def _set_threads(threads):
    """Limit BLAS threads (threadpoolctl if present) and torch's; returns a note or ''."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        have = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        if have is None and threads != os.cpu_count():
            return (f"note: NumPy's BLAS uses its default threads; set OPENBLAS_NUM_THREADS"
                    f"={threads} before starting Python to change it")
        return ""
    threadpool_limits(threads, user_api="blas")
    return ""


def _import_torch(threads):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def _split(phases, warmup, repeat):
    f, b, u = phase_ms(phases, warmup, repeat)
    return f"{f:.2f} / {b:.2f} / {u:.2f}  (sum {f + b + u:.2f})"


def main(argv=None):
    """Print the table: case, batch, minirg ms/step, torch ms/step, ratio (minirg/torch)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=50, help="timed steps per case")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    p.add_argument("--threads", type=int, default=2, help="BLAS / torch threads")
    p.add_argument("--quick", action="store_true", help="few repeats, small batches only")
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    p.add_argument("--case", choices=sorted({c for c, _ in CASES}), help="only this case")
    p.add_argument("--batch", type=int, help="only this batch size")
    args = p.parse_args(argv)
    try:
        namespace_for(args.device)
    except ValueError as e:  # e.g. --device gpu without CuPy or a CUDA device
        print(f"bench_nn: {e}")
        return 2
    cases = [c for c in CASES if c[1] <= 100] if args.quick else CASES
    cases = [(c, n) for c, n in cases if args.case in (None, c) and args.batch in (None, n)]
    repeat, warmup = (5, 2) if args.quick else (args.repeat, args.warmup)
    note = _set_threads(args.threads)
    torch = _import_torch(args.threads)
    print(f"minirg nn step benchmark: device={args.device}, threads={args.threads}, "
          f"median of {repeat} after {warmup} warm-up")
    # Timings on a shared 2-core machine depend on its load and BLAS settings; print both.
    env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
                                           "OPENBLAS_L2_SIZE")}
    print(f"load average {os.getloadavg()[0]:.2f}; {env}")
    if note:
        print(note)
    print(f"{'case':<12} {'batch':>5} {'minirg ms':>10} {'torch ms':>9} {'ratio':>6}"
          "    phases (ms): forward / backward / update")
    use_torch = torch is not None and (args.device == "cpu" or torch.cuda.is_available())
    for case, n in cases:
        steps = [minirg_step(case, n, args.device)]
        if use_torch:
            steps.append(torch_step(case, n, args.device, torch))
        ms = interleaved_ms(steps, warmup, repeat)
        row = f"{case:<12} {n:>5} {ms[0]:>10.2f}"
        row += f" {ms[1]:>9.2f} {ms[0] / ms[1]:>6.2f}" if use_torch else f" {'-':>9} {'-':>6}"
        print(row, flush=True)
        print(f"{'':<19}minirg {_split(minirg_phases(case, n, args.device), warmup, repeat)}",
              flush=True)
        if use_torch:
            print(f"{'':<19}torch  {_split(torch_phases(case, n, args.device, torch), warmup, repeat)}",
                  flush=True)
    return 0
