"""grade: a sandboxed auto-grader for Lecture 06, automatic differentiation with PyTorch."""

__version__ = "0.1.0"
