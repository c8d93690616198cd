"""Time one training step of minirg's engine against PyTorch (see minirg/bench/nn.py)."""
from minirg.bench.nn import main
raise SystemExit(main())
