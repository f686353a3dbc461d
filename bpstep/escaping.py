"""One rule for text read from files on its way out: no control character, invisible mark or
direction override reaches an output raw, whether a terminal, XML, HTML, CSV, JSON or Markdown.

An ESC in a title can clear a terminal or retitle its window, a U+202E in a unit name turns the
rest of a line around, and XML 1.0 cannot carry most control characters at all (a quiz with one
is not well-formed). Each such character is written as its escape (ESC as ``\\x1b``, U+202E as
``\\u202e``), so what a file holds stays visible and nothing else changes. JSON says the same
with its own escapes (``json_dumps``), so a script reads the text exactly as the file has it.
Newline and tab are kept: every format here has a meaning for them.
"""

from __future__ import annotations

import re
from typing import Any

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
                    "\ufeff\ufffe\uffff\ud800-\udfff]")
"""Characters no output carries raw: C0 controls but tab and newline, DEL and the C1 controls;
the Arabic letter mark (U+061C), zero-width and left-to-right/right-to-left marks (U+200B–200F),
line and paragraph separators and the bidi embeddings and overrides (U+2028–202E), the word
joiner and the bidi isolates (U+2060–2069), the byte order mark, the non-characters U+FFFE and
U+FFFF (outside XML's characters), and lone surrogates (which cannot be encoded)."""


def printable(text: str) -> str:
    """``text`` with every UNSAFE character written as its escape: ESC becomes ``\\x1b``, and a
    byte of a file name that is not UTF-8 (0x9b, held by Python as the surrogate U+DC9B) ``\\x9b``."""
    return UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` with letters kept as they are (``ensure_ascii=False``) and every UNSAFE
    character written as a JSON escape (``\\u202e``): it reads back as the same text."""
    import json  # here, not at the top: cli.py imports this module and most commands print tables

    text = json.dumps(value, ensure_ascii=False, **options)
    return UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def xml_text(text: str) -> str:
    """Text for XML (SVG, HTML) content: ``printable``, then ``& < >`` as XML writes them.

    Written here rather than taken from ``xml.sax.saxutils``, which imports ``urllib.request``
    (and with it http, email and ssl): 20 ms at the start of every command, as cli.py imports
    this module."""
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
