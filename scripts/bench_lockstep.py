"""Per-model-step time of K lockstep members vs PyTorch (see minirg/bench/lockstep.py)."""
from minirg.bench.lockstep import main
raise SystemExit(main())
