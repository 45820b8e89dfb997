"""Preloaded into a benchmark zygote: every sandbox forked from it uses one intra-op thread.

`benchmarks/engine.py` measures this variant; it is what a batch with one judge per core wants
(the judges are the parallelism; two threads per sandbox on two busy cores only contend).
"""

import torch

torch.set_num_threads(1)
