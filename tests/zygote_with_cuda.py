"""A zygote preload that leaves the zygote as if it had initialised CUDA before forking.

On a machine with CUDA it really initialises CUDA. Elsewhere it sets the marker torch sets in
a child forked after CUDA initialisation, which is what the sandbox checks.
"""

import torch

if torch.cuda.is_available():
    torch.cuda.init()
else:
    torch.cuda._is_in_bad_fork = lambda: True  # type: ignore[attr-defined]
