"""Student-controlled text: normalised once where it enters, escaped wherever it is shown.

Names of files, folders and zip members, LMS display names, notebook JSON and what a
submission prints or raises are all written by students. Two steps keep them data:

- `normalise` (and `from_os` for names read from the file system) where the text enters:
  bytes that are not UTF-8 become U+FFFD (visibly, never silently merged with a real name:
  intake warns when two names become one), lone surrogates are dropped, and the text is NFC,
  so names that differ only in Unicode normalisation are one name.
- `escape_controls` where it is shown on a terminal: C0 and C1 control characters, DEL,
  ESC, line separators and every invisible format character (Unicode category Cf: bidi
  overrides, zero-width spaces and joiners, the BOM, soft hyphens, tag characters) and the
  Hangul fillers become visible escapes (`\\x1b`, `\\u202e`, `\\u200b`), so printed text
  cannot move the cursor, clear the screen, set a window title or forge lines, and two names
  never look the same when they differ; with `one_line` newlines and tabs are escaped too.
"""

from __future__ import annotations

import os
import re
import unicodedata

_SURROGATE = re.compile("[\ud800-\udfff]")
# Unicode category Cf (format characters, all invisible or reordering: Python 3.11's Unicode
# 14 table), the Hangul fillers (blank letters), the combining grapheme joiner, and surrogates.
_INVISIBLE = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u115f\u1160\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ud800-\udfff\ufeff"
    "\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_INVISIBLE_ONLY = re.compile(f"[{_INVISIBLE}]")
_CONTROL_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}]")
_CONTROL_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_INVISIBLE}]")


# What JSON may carry raw but a terminal must not get: DEL, the C1 controls (U+009B is CSI),
# line separators and the invisible format characters (bidi overrides). JSON escapes C0 itself.
_JSON_RAW = re.compile(f"[\x7f-\x9f\u2028\u2029{_INVISIBLE}]")


def json_inert(document: str) -> str:
    """A JSON document with every character of `_JSON_RAW` written as a `\\uXXXX` escape (a
    surrogate pair above U+FFFF): the same JSON value, inert when it is printed to a terminal."""
    return _JSON_RAW.sub(_json_escape, document)


def _json_escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


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


def skeleton(text: str) -> str:
    """What a name looks like, roughly: NFKC (full-width and compatibility forms folded),
    case-folded, invisible characters removed. Two different ids with one skeleton look alike
    on a screen (`Alice` and `alice`, `bob` and `bob\u200b`, `ｂｏｂ` and `bob`)."""
    visible = _INVISIBLE_ONLY.sub("", drop_surrogates(text))
    return unicodedata.normalize("NFKC", visible).casefold()


def drop_surrogates(text: str) -> str:
    """Text without lone surrogates (which UTF-8 cannot encode); otherwise unchanged."""
    return _SURROGATE.sub("", text)


def escape_controls(text: str, *, one_line: bool = True) -> str:
    """Text that is inert on a terminal: every control character shown as an escape."""
    pattern = _CONTROL_ONE_LINE if one_line else _CONTROL_MULTILINE
    return pattern.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def html_text(text: object) -> str:
    """Escaped for HTML, with control characters shown as escapes (as on the terminal)."""
    import html

    return html.escape(escape_controls(str(text), one_line=False), quote=True)
