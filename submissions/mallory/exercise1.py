"""A hostile sample: it hunts for the reference solution and hidden checks on disk."""

import glob
import os

STOLEN = {}
for pattern in ("/work/**/reference/**/*.py", "../../reference/**/*.py", "/**/hidden_checks.py"):
    for path in glob.glob(pattern, recursive=True)[:20]:
        try:
            with open(path) as handle:
                STOLEN[path] = handle.read()
        except OSError:
            pass


def graph_autograd(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    raise RuntimeError(f"found {len(STOLEN)} staff files; environment: {sorted(os.environ)}")


def graph_manual(x: float, w: float, b: float) -> tuple[float, dict[str, float]]:
    return graph_autograd(x, w, b)
