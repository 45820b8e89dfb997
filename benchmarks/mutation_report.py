"""Read mutmut 2's cache (.mutmut-cache, SQLite) for benchmarks/mutation.sh.

    python benchmarks/mutation_report.py survivors CACHE   # ids of surviving and timed-out mutants
    python benchmarks/mutation_report.py summary CACHE MODULE SECONDS   # one line for the table

The score counts tested mutants only: killed / (killed + survived + timed out + suspicious);
a run stopped early says how many were never tested.
"""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter

SURVIVING = ("bad_survived", "bad_timeout", "ok_suspicious")


def statuses(cache: str) -> list[tuple[int, str, int, str]]:
    with sqlite3.connect(f"file:{cache}?mode=ro", uri=True) as db:  # safe during a run
        rows = db.execute(
            "SELECT Mutant.id, Mutant.status, Line.line_number, Line.line FROM Mutant "
            "JOIN Line ON Mutant.line = Line.id ORDER BY Mutant.id"
        )
        return [(int(i), str(s), int(n) + 1, str(text)) for i, s, n, text in rows]


def main(argv: list[str]) -> int:
    command, cache = argv[1], argv[2]
    found = statuses(cache)
    if command == "survivors":
        print(" ".join(str(i) for i, status, _, _ in found if status in SURVIVING))
        return 0
    module, seconds = argv[3], argv[4]
    counts = Counter(status for _, status, _, _ in found)
    tested = sum(counts.values()) - counts["untested"] - counts["skipped"]
    killed = counts["ok_killed"]
    score = f"{100 * killed / tested:.0f}%" if tested else "-"
    print(
        f"{module}: {len(found)} mutants, {tested} tested, {killed} killed, "
        f"{counts['bad_survived']} survived, {counts['bad_timeout']} timed out, "
        f"{counts['ok_suspicious']} suspicious, {counts['untested']} untested: "
        f"score {score} ({seconds} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
