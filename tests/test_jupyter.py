"""`grader.check()` inside a real Jupyter kernel, run by nbclient; asserts on what cells showed.

Each test writes a notebook (the reference solution spread over cells, `from __future__` not
first, plus cells that call `grader.check`), executes it in a fresh ipykernel, and reads the
executed cells' outputs. The kernel inherits this process's environment (PYTHONPATH included).
"""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
import pytest

from tests.notebooks import solution_notebook

nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def execute(path: Path) -> list[nbformat.NotebookNode]:
    """Run the notebook at `path` in a new kernel (cwd: its folder); its code cells, executed."""
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def shown(cell: nbformat.NotebookNode, mime: str) -> str:
    """Everything the cell displayed as `mime` (display_data and execute_result)."""
    return "".join(
        output["data"].get(mime, "")
        for output in cell.outputs
        if output["output_type"] in ("display_data", "execute_result")
    )


def printed(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o["output_type"] == "stream")


def test_check_grades_the_running_notebook_and_displays_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "exercise2.ipynb"
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # what jupyter_server gives its kernels
    solution_notebook(
        path,
        "exercise2",
        extra=(
            "import grader\nresult = grader.check('exercise2')\n"
            "print(result.exercise, result.score, result.max_score)",
        ),
    )
    cells = execute(path)
    report = shown(cells[-1], "text/html")
    assert "exercise2: ReLU" in report and "Total: 12 / 12" in report
    assert html.escape(path.name) in report  # it says which file it graded
    assert "dropped 1 IPython magic/shell line" in report
    assert "dropped 1 cell calling grader.check()" in report  # its own cell is not graded
    assert "Total: 12 / 12" in shown(cells[-1], "text/plain")
    assert printed(cells[-1]).split() == ["exercise2", "12.0", "12.0"]


def test_explicit_path_warm_engine_and_inert_student_text(tmp_path: Path) -> None:
    """A path as second argument; a second call in the kernel reuses the zygote; what the
    submission prints shows as text in the HTML, never as markup."""
    graded = tmp_path / "work" / "mine.ipynb"
    graded.parent.mkdir()
    solution_notebook(graded, "exercise2", extra=("print('<script>alert(1)</script><b>x</b>')",))
    driver = tmp_path / "driver.ipynb"
    cells = [
        f"import grader\nfirst = grader.check('exercise2', {str(graded)!r})",
        "import multiprocessing.forkserver as fs\npid = fs._forkserver._forkserver_pid",
        f"second = grader.check('exercise2', {str(graded)!r}, display=False)",
        "print(first.score, second.score, pid == fs._forkserver._forkserver_pid)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    driver.write_text(nbformat.writes(nb), encoding="utf-8")
    executed = execute(driver)
    report = shown(executed[0], "text/html")
    assert "Total: 12 / 12" in report and "mine.ipynb" in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in report
    assert "<script>" not in report and "<b>x" not in report
    assert shown(executed[2], "text/html") == ""  # display=False shows nothing
    assert printed(executed[3]).split() == ["12.0", "12.0", "True"]
