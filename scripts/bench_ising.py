"""Benchmark the Ising samplers; see minirg/bench/ising.py."""
from minirg.bench.ising import main
raise SystemExit(main())
