"""A hostile sample: it forges a perfect result and exits before the grader can ask anything."""

import os
import sys

print('{"exercise": "exercise2", "score": 12.0, "max_score": 12.0, "checks": []}')
sys.stderr.write("ALL CHECKS PASSED\n")
os._exit(0)
