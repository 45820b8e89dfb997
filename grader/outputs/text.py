"""Student-controlled text: normalised once where it enters, escaped wherever it is shown.

Names of files, folders and zip members, LMS display names, notebook JSON and what a
submission prints or raises are all written by students. Two steps keep them data:

- `normalise` (and `from_os` for names read from the file system) where the text enters:
  bytes that are not UTF-8 become U+FFFD (visibly, never silently merged with a real name:
  intake warns when two names become one), lone surrogates are dropped, and the text is NFC,
  so names that differ only in Unicode normalisation are one name.
- `escape_controls` where it is shown on a terminal: C0 and C1 control characters, DEL,
  ESC, Unicode bidirectional overrides and line separators become visible escapes (`\\x1b`,
  `\\u202e`), so printed text cannot move the cursor, clear the screen, set a window title
  or forge lines; with `one_line` newlines and tabs are escaped too.
"""

from __future__ import annotations

import os
import re
import unicodedata

_SURROGATE = re.compile("[\ud800-\udfff]")
_INVISIBLE = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_CONTROL_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}]")
_CONTROL_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}]")


def normalise(text: str) -> str:
    """Untrusted text as it is kept: lone surrogates dropped, NFC."""
    return unicodedata.normalize("NFC", drop_surrogates(text))


def from_os(name: str) -> str:
    """A file or folder name from `os.listdir`/`Path.name` (undecodable bytes come back as
    surrogate escapes) as text: each undecodable byte becomes U+FFFD, then `normalise`."""
    try:
        raw = os.fsencode(name)
    except UnicodeError:  # a surrogate that is not an escape of a byte
        return normalise(name)
    return normalise(raw.decode("utf-8", errors="replace"))


def drop_surrogates(text: str) -> str:
    """Text without lone surrogates (which UTF-8 cannot encode); otherwise unchanged."""
    return _SURROGATE.sub("", text)


def escape_controls(text: str, *, one_line: bool = True) -> str:
    """Text that is inert on a terminal: every control character shown as an escape."""
    pattern = _CONTROL_ONE_LINE if one_line else _CONTROL_MULTILINE
    return pattern.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def html_text(text: object) -> str:
    """Escaped for HTML, with control characters shown as escapes (as on the terminal)."""
    import html

    return html.escape(escape_controls(str(text), one_line=False), quote=True)
