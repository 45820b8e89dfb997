"""Tests for grader.platforms.canvas: `grade gradebook push canvas` against a small HTTP server
on 127.0.0.1 that speaks the Canvas endpoints canvasapi uses, and records every request."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "reference" / "exercise2" / "solution.py"
MUTANT = ROOT / "reference" / "exercise2" / "mutants" / "clamp_gradient.py"
COURSE, ASSIGNMENT, TOKEN = 77, 501, "secret-token-123"
KNOWN_USERS = {"101", "103"}  # 102 has left the course: Canvas answers 404 for it

pytestmark = pytest.mark.slow


class CanvasServer(ThreadingHTTPServer):
    requests: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: CanvasServer

    def log_message(self, *args: object) -> None:
        pass

    def reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.server.requests.append(
            {
                "method": method,
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "form": parse_qs(body),
            }
        )
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.reply(401, {"errors": [{"message": "Invalid access token."}]})
        path = self.path.split("?")[0]
        course = re.fullmatch(r"/api/v1/courses/(\d+)", path)
        assignment = re.fullmatch(r"/api/v1/courses/(\d+)/assignments/(\d+)", path)
        submission = re.fullmatch(
            r"/api/v1/courses/(\d+)/assignments/(\d+)/submissions/(\d+)", path
        )
        if course and int(course[1]) == COURSE:
            return self.reply(200, {"id": COURSE, "name": "Deep Learning"})
        if assignment and (int(assignment[1]), int(assignment[2])) == (COURSE, ASSIGNMENT):
            return self.reply(200, {"id": ASSIGNMENT, "course_id": COURSE, "name": "HW2"})
        if submission and submission[3] in KNOWN_USERS:
            user = int(submission[3])
            return self.reply(
                200, {"id": 9000 + user, "user_id": user, "assignment_id": ASSIGNMENT}
            )
        return self.reply(404, {"errors": [{"message": "The specified resource does not exist."}]})

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self.handle_any("GET")

    def do_PUT(self) -> None:  # noqa: N802
        self.handle_any("PUT")


@pytest.fixture
def canvas() -> Iterator[CanvasServer]:
    server = CanvasServer(("127.0.0.1", 0), Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real batch over a Canvas download (users 101, 102) and a folder student (alice)."""
    work = tmp_path_factory.mktemp("canvas")
    folder = work / "download"
    folder.mkdir()
    (folder / "smith_jane_101_9001_exercise2.py").write_bytes(SOLUTION.read_bytes())
    (folder / "doe_john_LATE_102_9002_exercise2.py").write_bytes(MUTANT.read_bytes())
    (folder / "alice").mkdir()
    (folder / "alice" / "exercise2.py").write_bytes(MUTANT.read_bytes())
    db = work / "gradebook.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "batch", str(folder), "--db", str(db), "-j", "1"]
        + ["--root", str(ROOT), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=work,
    )
    assert done.returncode == 0, done.stderr
    return db


def push(db: Path, canvas: CanvasServer, *extra: str, token: str | None = TOKEN) -> Any:
    env = {k: v for k, v in os.environ.items() if k != "CANVAS_API_TOKEN"}
    if token is not None:
        env["CANVAS_API_TOKEN"] = token
    url = f"http://127.0.0.1:{canvas.server_address[1]}"
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", "gradebook", "push", "canvas", "--url", url]
        + ["--course", str(COURSE), "--assignment", str(ASSIGNMENT)]
        + ["--exercise", "exercise2", "--db", str(db), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def puts(canvas: CanvasServer) -> dict[str, dict[str, list[str]]]:
    return {
        r["path"].rsplit("/", 1)[-1]: r["form"] for r in canvas.requests if r["method"] == "PUT"
    }


def test_dry_run_sends_nothing_and_lists_unmatched(gradebook: Path, canvas: CanvasServer) -> None:
    done = push(gradebook, canvas, "--dry-run", token=None)
    assert done.returncode == 0, done.stderr
    assert canvas.requests == []
    assert "unmatched (no Canvas user id): alice" in done.stdout
    assert re.search(r"would post 12/12 to Canvas user 101", done.stdout)
    assert "Canvas user 102" in done.stdout


def test_push_posts_scores_and_comments_and_goes_on_past_a_refusal(
    gradebook: Path, canvas: CanvasServer
) -> None:
    done = push(gradebook, canvas)
    assert done.returncode == 0, done.stderr
    sent = puts(canvas)
    assert set(sent) == {"101"}  # alice has no Canvas id (never guessed); 102 is refused
    assert any(r["path"].endswith("/submissions/102") for r in canvas.requests)
    assert sent["101"]["submission[posted_grade]"] == ["12"]
    assert sent["101"]["comment[text_comment]"][0].startswith("exercise2: 12/12")
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in canvas.requests)
    assert "posted 1 of 2 grades" in done.stdout
    assert "102: not posted" in done.stdout
    assert TOKEN not in done.stdout + done.stderr


def test_roster_maps_a_folder_student_to_a_canvas_user(
    gradebook: Path, canvas: CanvasServer, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,canvas_id\nalice,Alice A,103\n")
    done = push(gradebook, canvas, "--roster", str(roster))
    assert done.returncode == 0, done.stderr
    sent = puts(canvas)
    assert set(sent) == {"101", "103"}
    assert float(sent["103"]["submission[posted_grade]"][0]) < 12
    assert ": failed" in sent["103"]["comment[text_comment]"][0]
    assert "unmatched" not in done.stdout


def test_no_token_is_one_line_and_sends_nothing(gradebook: Path, canvas: CanvasServer) -> None:
    done = push(gradebook, canvas, token=None)
    assert done.returncode == 2
    assert "CANVAS_API_TOKEN" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert canvas.requests == []


def test_a_wrong_token_is_a_clear_error(gradebook: Path, canvas: CanvasServer) -> None:
    done = push(gradebook, canvas, token="wrong")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "assignment" in done.stderr
    assert puts(canvas) == {}
