"""The report as rich output in a Jupyter notebook: HTML, with the plain text as a fallback.

The renderable is drawn by rich into a recording console and exported; rich escapes every
piece of text it exports, so what a submission printed or raised shows as text, never markup.
"""

from __future__ import annotations

from io import StringIO

from rich.console import Console, RenderableType

from grader.outputs.console import make_console

WIDTH = 100


def mime_bundle(renderable: RenderableType) -> dict[str, str]:
    """{"text/html": ..., "text/plain": ...} of the renderable, for IPython's display."""
    console = Console(
        file=StringIO(),
        width=WIDTH,
        record=True,
        force_jupyter=False,  # else rich would display it itself, bypassing the export
        highlight=False,
        soft_wrap=False,
    )
    console.print(renderable)
    text = console.export_text(clear=False)
    html = console.export_html(inline_styles=True, code_format=_HTML)
    return {"text/html": html, "text/plain": text}


def show(renderable: RenderableType) -> None:
    """Display in the running IPython kernel, or print on stdout outside one."""
    try:
        from IPython.core.getipython import get_ipython
        from IPython.display import display
    except ImportError:
        make_console().print(renderable)
        return
    if get_ipython() is None:  # type: ignore[no-untyped-call]
        make_console().print(renderable)
        return
    display(mime_bundle(renderable), raw=True)  # type: ignore[no-untyped-call]


_HTML = (
    '<pre class="grade-report" style="font-family:Menlo,\'DejaVu Sans Mono\',consolas,'
    'monospace;line-height:1.3">{code}</pre>'
)
