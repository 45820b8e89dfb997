"""Tests for grader.outputs.html_report:
structure, escaping, and a real headless Chromium render."""

from __future__ import annotations

import os
import re
import shutil
import signal
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from grader.outputs.html_report import PAGE_TITLE, render_html, write_html
from grader.outputs.models import (
    BatchResult,
    CheckResult,
    Diagnosis,
    ExerciseResult,
    SubmissionResult,
    Verdict,
)
from tests.adjusted import REASON, adjusted_batch

PWN_ID = "<script>document.title='pwned'</script>"
PWN_FEEDBACK = "<img src=x onerror=\"document.title='pwned'\">"
PWN_DIAGNOSIS = "<script>document.title='pwned too'</script> sign"
META = {"exercise1": "Computation graph", "exercise2": "ReLU & its <derivative>"}
FULL_GREEN = (201, 240, 207)  # td.full in the page's CSS
BAR_BLUE = (37, 99, 235)  # histogram bars


def chk(name: str, status: Verdict, feedback: str = "", code: str = "") -> CheckResult:
    diagnosis = Diagnosis(code=code, title=PWN_DIAGNOSIS, explanation="x") if code else None
    return CheckResult(
        name=name,
        title=f"{name} title",
        status=status,
        score=1.0 if status == "passed" else 0.0,
        max_score=1.0,
        hidden=name == "hidden",
        feedback=feedback,
        diagnosis=diagnosis,
    )


def sub(student: str, verdicts: dict[str, list[Verdict]], late: bool = False) -> SubmissionResult:
    exercises = []
    for exercise, statuses in verdicts.items():
        checks = [
            chk(
                name,
                status,
                PWN_FEEDBACK if status != "passed" else "",
                "sign_flipped" if status == "failed" else "",
            )
            for name, status in zip(("a", "b", "hidden"), statuses, strict=False)
        ]
        exercises.append(
            ExerciseResult(
                exercise=exercise,
                score=sum(c.score for c in checks),
                max_score=len(checks),
                checks=checks,
            )
        )
    return SubmissionResult(
        student=student,
        score=sum(e.score for e in exercises),
        max_score=6.0,
        exercises=exercises,
        late=late,
        notes=[] if exercises else ["no submission"],
    )


def batch() -> BatchResult:
    return BatchResult(
        submissions=[
            sub("ada", {"exercise1": ["passed"] * 3, "exercise2": ["passed", "passed", "failed"]}),
            sub(
                "bob",
                {"exercise1": ["passed", "failed", "timeout"], "exercise2": ["not_attempted"] * 3},
                late=True,
            ),
            sub(PWN_ID, {"exercise1": ["failed", "failed", "failed"]}),
            sub("cy", {}),
        ],
        warnings=["degraded isolation: <no landlock>"],
    )


class Page(HTMLParser):
    """Collects tags, attributes and text of a page with the stdlib parser."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.rows: dict[str, int] = {}
        self._table = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]
        self.hrefs += [value or "" for name, value in attrs if name == "href"]
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
        if tag == "tr":
            self.rows[self._table] = self.rows.get(self._table, 0) + 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_page_has_every_section_and_no_active_content() -> None:
    page = Page(render_html(batch(), META))
    assert "script" not in page.tags and "img" not in page.tags
    assert not [a for a in page.attributes if a.startswith("on") or a == "src"]
    assert page.hrefs and all(re.fullmatch(r"#(grades|student-\d+)", h) for h in page.hrefs)
    summary_tables = {table: n for table, n in page.rows.items() if table}  # not per student
    assert summary_tables == {"grades": 5, "items": 7, "diagnoses": 2}  # header rows included
    assert page.tags.count("svg") == 2
    text = "".join(page.text)
    for hostile in (PWN_ID, PWN_FEEDBACK, PWN_DIAGNOSIS, META["exercise2"]):
        assert hostile in text  # shown as text, not markup
    assert "degraded isolation: <no landlock>" in text
    assert "no submission" in text


def test_items_come_lowest_pass_rate_first_and_diagnoses_are_counted() -> None:
    html = render_html(batch(), META)
    items = html[html.index("id='items'") : html.index("id='diagnoses'")]
    order = [items.index(f"{name}</td>") for name in ("0/2", "1/3", "1/2", "2/3")]
    assert order == sorted(order)
    diagnoses = html[html.index("id='diagnoses'") :]
    assert "<td class='num'>3</td><td class='num'>5</td>" in diagnoses  # 3 students, 5 checks


def test_histogram_bars_follow_the_score_distribution() -> None:
    html = render_html(batch(), META)
    # exercise1 scores 3, 1, 0 -> bins 0..3 hold one student each except 2
    first = html[html.index("score histogram of exercise1") : html.index("</svg>")]
    assert first.count('class="hbar"') == 4
    assert "<title>2 points: 0</title>" in first and "<title>3 points: 1</title>" in first


def test_an_empty_batch_renders(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_html(BatchResult(submissions=[]), {}, path)
    text = path.read_text(encoding="utf-8")
    assert text == render_html(BatchResult(submissions=[]), {})
    assert "No misconception was diagnosed" in text


def chromium(*args: str, cwd: Path) -> str:
    """Run headless Chromium in its own process group; its stdout (killed whole on timeout)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("no chromium binary on PATH (Debian: apt-get install -y chromium)")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={cwd / 'profile'}",
    ]
    process = subprocess.Popen(
        [binary, *flags, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("chromium did not finish in 60 s (a dialog opened by injected script?)")
    assert process.returncode == 0
    return stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    write_html(batch(), META, folder / "report.html")
    return folder


@pytest.mark.browser
def test_chromium_dom_has_the_table_and_ran_no_script(rendered: Path) -> None:
    dom = chromium("--dump-dom", (rendered / "report.html").as_uri(), cwd=rendered)
    page = Page(dom)
    assert f"<title>{PAGE_TITLE}</title>" in dom  # injected script would have renamed it
    assert "script" not in page.tags and "img" not in page.tags
    assert page.rows["grades"] == 5
    assert PWN_ID in "".join(page.text)


def unfilter_paeth(line: bytes, prev: bytes, bpp: int, average: bool) -> bytes:
    out = bytearray(line)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
        if average:
            out[i] = (out[i] + ((a + b) >> 1)) & 0xFF
            continue
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return bytes(out)


def read_png(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA PNG with zlib: (height, width, channels) uint8."""
    data, pos, idat = path.read_bytes(), 8, []
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body, pos = data[pos + 8 : pos + 8 + length], pos + 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            idat.append(body)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    rows, prev = [], np.zeros(stride, np.uint8)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1),
        )
        if kind in (0, 2):
            row = line + prev if kind == 2 else line.copy()
        elif kind == 1:
            row = (line.reshape(-1, bpp).astype(np.int64).cumsum(0) & 0xFF).astype(np.uint8)
        else:
            row = np.frombuffer(
                unfilter_paeth(line.tobytes(), prev.tobytes(), bpp, kind == 3), np.uint8
            )
        prev = row.reshape(-1)
        rows.append(prev)
    return np.stack(rows).reshape(height, width, bpp)


def share(image: np.ndarray, colour: tuple[int, int, int]) -> float:
    close = np.abs(image[..., :3].astype(np.int16) - np.array(colour)).max(axis=-1) <= 4
    return float(close.mean())


@pytest.mark.browser
def test_chromium_screenshot_shows_the_tables_and_charts(rendered: Path) -> None:
    png = rendered / "shot.png"
    chromium(
        f"--screenshot={png}",
        "--window-size=1200,1600",
        "--hide-scrollbars",
        (rendered / "report.html").as_uri(),
        cwd=rendered,
    )
    image = read_png(png)
    assert image.shape[:2] == (1600, 1200)
    assert share(image, (255, 255, 255)) < 0.97  # not blank
    assert share(image, FULL_GREEN) > 0.001  # the grade table's CSS applied
    assert share(image, BAR_BLUE) > 0.002  # SVG histogram bars and pass-rate bars drawn


def test_the_grades_show_the_raw_score_and_why_and_only_staff_see_the_reason(
    tmp_path: Path,
) -> None:
    batch = adjusted_batch(tmp_path)
    meta = {"exercise2": "Two", "exercise3": "Three"}
    page, staff = render_html(batch, meta), render_html(batch, meta, staff=True)
    assert "<th>raw</th>" in page and '<td class="num raw">6</td>' in page
    assert '2/4<br><span class="small adjusted">raw 4; 2 days late' in page
    assert "raw 1; set to 3 by staff</span>" in page and REASON not in page
    assert f"raw 1; set to 3 by staff ({REASON})" in staff.replace("&#x27;", "'")
    assert "exercise2: 1/4 → 3/4 counts" in page  # the student's own section
