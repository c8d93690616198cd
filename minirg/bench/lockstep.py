"""Per-model-step time of K lockstep members against PyTorch on the same device.

Every engine trains K copies of the paper's autoencoder (N -> N/2 -> N/4 ->
N/2 -> N with N = L**2, linear, no bias, L1 1e-5 on every kernel, hinge, Adam,
float32) on one fixed batch per member, staged on the device beforehand:

- ``minirg lockstep``: ``minirg.nn.lockstep.Stack``, one batched matmul per layer;
- ``minirg loop``: K models, one ``train_step`` each (what ``fit`` does);
- ``torch eager loop``: K ``nn.Sequential`` models, one Adam each;
- ``torch graphed loop`` (CUDA only): the same K steps captured as one CUDA graph;
- ``torch vmap``: ``torch.func.stack_module_state`` + ``functional_call`` under
  ``vmap``, one Adam over the stacked parameters (``+ graph`` on CUDA).

A block of ``--block`` steps is timed with one device sync at its end; the
table gives the median block time divided by (block * K), so launch
latency that a device can hide behind later steps is not counted twice.

Run: ``python scripts/bench_lockstep.py [--device cpu|gpu] [--K 4] [--steps 50] [--L 32]``.
"""

import argparse
import os
import statistics
import time

import numpy as np

from minirg._backend import namespace_for
from minirg.bench._timing import timed
from minirg.nn import Adam, Dense, Sequential, train_step
from minirg.nn.losses import hinge
from minirg.nn.lockstep import Stack

L1 = 1e-5


def autoencoder(L, seed):
    """The paper's architecture at lattice side L, seeded Glorot weights (float32, host)."""
    N = L * L
    sizes = (N, N // 2, N // 4, N // 2, N)
    rng = np.random.default_rng(seed)
    return Sequential([Dense(a, b, bias=False, l1=L1, rng=rng) for a, b in zip(sizes, sizes[1:])])


def spins(K, n, L, seed=1):
    """(K, n, L*L) float32 random +-1: one fixed batch per member."""
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1.0, 1.0], np.float32), (K, n, L * L))


def minirg_lockstep(K, n, L, device):
    """A closure running one lockstep step of K members; returns a sync function too."""
    xp = namespace_for(device)
    stack = Stack([autoencoder(L, k).to(xp) for k in range(K)], [Adam() for _ in range(K)])
    x = xp.asarray(spins(K, n, L))
    state = {}

    def step():
        value, penalty = stack.step(hinge, x, x)
        state["loss"] = value[0] + penalty[0]          # member 0's loss, as torch reports it
    return step, lambda: float(state["loss"])


def minirg_loop(K, n, L, device):
    """K models, one ``train_step`` each, in turn."""
    xp = namespace_for(device)
    models = [autoencoder(L, k).to(xp) for k in range(K)]
    opts = [Adam() for _ in range(K)]
    xs = [xp.asarray(a) for a in spins(K, n, L)]
    state = {}

    def step():
        for k, (model, opt, x) in enumerate(zip(models, opts, xs)):
            value, penalty = train_step(model, x, x, hinge, opt)
            if k == 0:
                state["loss"] = value + penalty
    return step, lambda: float(state["loss"])


def _torch_net(torch, L, seed, dev):
    """An nn.Sequential with the same initial weights as ``autoencoder(L, seed)``."""
    mods = []
    for layer in autoencoder(L, seed).layers:
        lin = torch.nn.Linear(layer.d_in, layer.d_out, bias=False)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.W.T.copy()))
        mods.append(lin)
    return torch.nn.Sequential(*mods).to(dev)


def _torch_loss(torch, out, y, weights):
    loss = torch.clamp(1 - y * out, min=0).mean()
    return loss + L1 * sum(w.abs().sum() for w in weights)


def torch_loop(torch, K, n, L, dev, capturable=False):
    """(step body, loss holder) of K eager torch models, each with its own Adam."""
    nets = [_torch_net(torch, L, k, dev) for k in range(K)]
    opts = [torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7, capturable=capturable)
            for net in nets]
    xs = torch.from_numpy(spins(K, n, L)).to(dev)
    held = {}

    def body():
        for k, (net, opt) in enumerate(zip(nets, opts)):
            out = net(xs[k])
            loss = _torch_loss(torch, out, xs[k], [m.weight for m in net])
            loss.backward()
            opt.step()
            if k == 0:
                held["loss"] = loss.detach()
    return body, held, opts


def torch_vmap(torch, K, n, L, dev, capturable=False):
    """(step body, loss holder) of a torch.func ensemble: vmap over stacked parameters."""
    from torch.func import functional_call, stack_module_state, vmap
    nets = [_torch_net(torch, L, k, dev) for k in range(K)]
    params, _ = stack_module_state(nets)
    base = _torch_net(torch, L, 0, dev).to("meta")
    opt = torch.optim.Adam(params.values(), lr=1e-3, eps=1e-7, capturable=capturable)
    xs = torch.from_numpy(spins(K, n, L)).to(dev)

    def member_loss(p, x):
        out = functional_call(base, (p,), (x,))
        return _torch_loss(torch, out, x, list(p.values()))
    held = {}

    def body():
        losses = vmap(member_loss)(params, xs)
        losses.sum().backward()        # members are independent: each gets its own gradient
        opt.step()
        held["loss"] = losses.detach()
    return body, held, [opt]


def eager(torch, make):
    """Eager step: zero grads, run the body. Returns (step, sync); sync() -> member 0's loss."""
    body, held, opts = make()

    def step():
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        body()
    return step, lambda: float(held["loss"].reshape(-1)[0])


def graphed(torch, make):
    """The body captured once as a CUDA graph (capturable Adam); a step is one replay."""
    body, held, opts = make(capturable=True)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):                      # warm-up outside the graph, as required
        for _ in range(3):
            for opt in opts:
                opt.zero_grad(set_to_none=True)
            body()
    torch.cuda.current_stream().wait_stream(side)
    for opt in opts:
        opt.zero_grad(set_to_none=True)                # backward in the graph assigns the grads
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        body()
    return graph.replay, lambda: float(held["loss"].reshape(-1)[0])


def block_us(engines, steps, block, warmup, K):
    """Median microseconds per model-step of each (step, sync), blocks interleaved."""
    for step, sync in engines:
        for _ in range(warmup):
            step()
        sync()
    times = [[] for _ in engines]
    for _ in range(max(1, steps // block)):
        for (step, sync), t in zip(engines, times):
            def run():
                for _ in range(block):
                    step()
                sync()
            time.sleep(0.05)                           # let BLAS threads of the last engine idle
            t.extend(timed(run, 1))
    return [1e6 * statistics.median(t) / (block * K) for t in times]


def _engines(args, torch):
    """[(name, factory)] for this device; each factory returns (step, sync)."""
    K, n, L, device = args.K, args.batch, args.L, args.device
    dev = "cuda" if device == "gpu" else "cpu"
    out = [("minirg lockstep", lambda: minirg_lockstep(K, n, L, device)),
           ("minirg loop", lambda: minirg_loop(K, n, L, device))]
    if torch is None:
        return out
    loop = lambda capturable=False: torch_loop(torch, K, n, L, dev, capturable)   # noqa: E731
    ens = lambda capturable=False: torch_vmap(torch, K, n, L, dev, capturable)    # noqa: E731
    out += [("torch eager loop", lambda: eager(torch, loop)),
            ("torch vmap", lambda: eager(torch, ens))]
    if dev == "cuda":
        out += [("torch graphed loop", lambda: graphed(torch, loop)),
                ("torch vmap + graph", lambda: graphed(torch, ens))]
    return out


def main(argv=None):
    """Print: engine, us per model-step, ratio to minirg lockstep."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    p.add_argument("--K", type=int, default=4, help="members trained in lockstep")
    p.add_argument("--steps", type=int, default=50, help="timed steps per engine")
    p.add_argument("--block", type=int, default=10, help="steps per timed block (one sync)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--L", type=int, default=32, help="lattice side: widths L^2, L^2/2, L^2/4")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (set OPENBLAS_NUM_THREADS alike for NumPy)")
    args = p.parse_args(argv)
    for name in ("K", "steps", "block", "batch"):
        if getattr(args, name) < 1:
            print(f"bench_lockstep: --{name} must be >= 1, got {getattr(args, name)}")
            return 2
    if args.L < 2 or args.L % 2:
        print(f"bench_lockstep: --L must be an even integer >= 2, got {args.L}")
        return 2
    try:
        namespace_for(args.device)
    except ValueError as e:
        print(f"bench_lockstep: {e}")
        return 2
    try:
        import torch
        torch.set_num_threads(args.threads)
        if args.device == "gpu" and not torch.cuda.is_available():
            torch = None
    except ImportError:
        torch = None
    N = args.L * args.L
    print(f"lockstep benchmark: device={args.device}, K={args.K}, batch={args.batch}, "
          f"AE {N}-{N // 2}-{N // 4}-{N // 2}-{N} float32, {args.steps} steps in blocks of "
          f"{args.block}; torch threads {args.threads}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}; load average {os.getloadavg()[0]:.2f}")
    rows = []
    for name, factory in _engines(args, torch):
        try:
            rows.append((name, factory()))
        except Exception as e:  # an engine this torch/CUDA cannot run is reported, not fatal
            print(f"{name}: not run ({type(e).__name__}: {e})")
    us = block_us([e for _, e in rows], args.steps, args.block, args.warmup, args.K)
    print(f"{'engine':<20} {'us/model-step':>14} {'vs lockstep':>12}")
    for (name, _), t in zip(rows, us):
        print(f"{name:<20} {t:>14.1f} {t / us[0]:>12.2f}")
    return 0
