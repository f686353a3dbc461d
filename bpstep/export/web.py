"""``bpstep export -f web``: practice in any browser, one HTML file that marks like ``bpstep verify``.

The page holds the step's marking as data (``bpstep.marking_data``) and one generic marker
(``web_marker.js``), so its verdicts are verify's; ``web_page.js`` walks the stages as
``bpstep practice`` does. Nothing is fetched: the scripts, styles and data are inlined, and a
content security policy forbids every request, so the page works from ``file://`` and offline.

``-f scorm`` zips the same page with a SCORM 1.2 manifest and the script that reports the score
to the LMS (``scorm.js``); opened alone, the page still works.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from bpstep.engine import step
from bpstep.errors import UserError
from bpstep.lessons import TEACHES
from bpstep.marking_data import marking_data
from bpstep.practice import HINT_RUNGS, Session
from bpstep.render.console import UNSAFE, printable
from bpstep.scenario import Scenario
from bpstep.trace import Trace, asked
from bpstep.verify import floor_for
from bpstep.written import Floor

SCRIPTS = ("web_marker.js", "web_page.js")
"""Inlined into the page, in this order."""
SCORM_SCRIPT = "scorm.js"
PAGE_NAME = "index.html"
CSP = ("default-src 'none'; script-src 'unsafe-inline'{extra}; style-src 'unsafe-inline'; "
       "img-src data:; form-action 'none'; base-uri 'none'")
"""No request of any kind: the page lives on what it holds."""


@dataclass(frozen=True, slots=True)
class Practice:
    """One page's exercise: which values are asked, how many tries, the marking's floor."""

    names: Sequence[str]
    tries: int
    floor: Floor | None
    title: str
    scenario_ref: str
    """What the downloaded answers file names as its ``scenario:`` (a lesson name or a file name)."""
    student: str | None = None
    """The student's id on the class roster, written as the answers file's ``student:``."""

    @property
    def check(self) -> str:
        """How the student marks the downloaded file again: a lesson is found by name, a
        scenario file must be beside the answers (verify follows ``scenario:`` no further)."""
        if self.scenario_ref in TEACHES:
            return "bpstep verify answers.yaml"
        return f"bpstep verify answers.yaml, with {self.scenario_ref} in the same folder"


def page_data(trace: Trace, practice: Practice) -> dict[str, Any]:
    """The model the page's marker needs, and what its walk shows of each value asked (the
    page shows every text with its control characters as escapes, by ``unsafe``)."""
    from bpstep.render import practice as view
    from bpstep.render.console import SafeConsole

    session = Session(trace, practice.names, tries=practice.tries, floor=practice.floor)
    console = SafeConsole(file=io.StringIO(), width=88, color_system=None, highlight=False,
                          emoji=False, record=True)
    console.print(view.problem(session))
    questions = {}
    for name in practice.names:
        q = trace[name]
        layout = q.layout
        questions[name] = {"meaning": view.meaning(session, q), "formula": q.formula,
                           "layout": [layout.text, list(layout.refs)]}
    return {
        "model": marking_data(trace, floor=practice.floor),
        "title": practice.title,
        "problem": console.export_text().removeprefix("the problem\n"),
        "stages": [st.title for st in trace.stages], "asked": list(practice.names),
        "questions": questions, "tries": practice.tries, "rungs": HINT_RUNGS,
        "scenario": practice.scenario_ref, "student": practice.student, "check": practice.check,
        "unsafe": UNSAFE.pattern,
    }


def _script_json(data: object) -> str:
    """JSON that cannot end its ``<script>`` element nor open a comment: every ``<``, ``>``
    and ``&`` is written as an escape, as are all characters outside ASCII."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    return resources.files("bpstep.export").joinpath(name).read_text(encoding="utf-8")


Page = tuple[Trace, Practice]
"""One student's (or the one) exercise of a page."""


def practice_page(scenario: Scenario, ref: str, title: str, student: str | None, *,
                  ask: str | None, tries: int, digits: int | None, decimals: int | None) -> Page:
    """One page of ``scenario``'s step: the values ``--ask`` chooses, marked to ``digits`` or
    ``decimals`` (neither: the scenario's ``marking``, else as ``bpstep verify`` marks); ``ref``
    is what its answers file names as the scenario, ``student`` the id it is for, if any."""
    trace = step(scenario)
    floor = floor_for(scenario, digits=digits, decimals=decimals)
    return trace, Practice(asked(trace, ask), tries, floor, title, ref, student)


def web_page(pages: Sequence[Page], *, scorm: bool = False) -> str:
    """The practice page, one self-contained HTML document: of one exercise, or of a class's
    variants by student id (the page asks for the id first)."""
    title = pages[0][1].title
    if len(pages) == 1:
        data = page_data(*pages[0])
    else:
        data = {"title": title, "unsafe": UNSAFE.pattern,
                "variants": {p.student: page_data(t, p) for t, p in pages}}
    scripts = "\n".join(_asset(name) for name in SCRIPTS)
    assert "</" not in scripts, "an inlined script must not hold </ (it would end its element)"
    csp = CSP.format(extra=" 'self'" if scorm else "")
    extra = f'<script src="{SCORM_SCRIPT}"></script>\n' if scorm else ""
    page = _asset("web_page.html")
    for hole, text in (("@CSP@", escape(csp)), ("@TITLE@", escape(printable(title))),
                       ("@SCORM@", extra), ("@DATA@", _script_json(data)), ("@SCRIPTS@", scripts)):
        page = page.replace(hole, text, 1)
    return page


MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bpstep-practice" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
    http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
    http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="bpstep">
    <organization identifier="bpstep">
      <title>{title}</title>
      <item identifier="practice" identifierref="page" isvisible="true">
        <title>{title}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="page" type="webcontent" adlcp:scormtype="sco" href="{page}">
      <file href="{page}"/>
      <file href="{script}"/>
    </resource>
  </resources>
</manifest>
"""


def scorm_package(pages: Sequence[Page]) -> bytes:
    """A SCORM 1.2 package: the page, its manifest and the script that reports to the LMS."""
    title = _xml_safe(printable(pages[0][1].title))
    manifest = MANIFEST.format(title=escape(title), page=PAGE_NAME, script=SCORM_SCRIPT)
    files = {"imsmanifest.xml": manifest, PAGE_NAME: web_page(pages, scorm=True),
             SCORM_SCRIPT: _asset(SCORM_SCRIPT)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return out.getvalue()


FORMATS: dict[str, Callable[[Sequence[Page]], str | bytes]] = {"web": web_page,
                                                               "scorm": scorm_package}
"""The practice formats of ``bpstep export``, by name."""


def write(form: str, pages: Sequence[Page]) -> str | bytes:
    """The practice document ``form`` (a key of ``FORMATS``) of ``pages``."""
    return FORMATS[form](pages)


HEAVY_PAGE = 2_000_000
"""Bytes from which a practice page is slow to open on a phone."""


@dataclass(frozen=True, slots=True)
class PracticeOutput:
    """What ``bpstep export -f web`` (or ``scorm``) makes of a scenario or a class folder."""

    documents: dict[Path, str | bytes]
    """Each document by the path it is written to (the output as given for one document)."""
    reads: tuple[Path, ...]
    """The files it was made from, which no document may replace."""
    what: str
    """What was written, for the line that says so: ``web, 6 values to practise``."""
    folder: Path | None = None
    """The folder of one page per variant, made if missing."""
    lighter: str = ""
    """For one document, what would make it lighter should it be heavy."""

    def heavy_note(self) -> str:
        """For one document of ``HEAVY_PAGE`` bytes or more, a note that it is slow to open on a
        phone and what would make it lighter; otherwise empty."""
        if not self.lighter:
            return ""
        [(path, document)] = self.documents.items()
        size = len(document.encode() if isinstance(document, str) else document)
        if size < HEAVY_PAGE:
            return ""
        return f"{path} is {size / 1e6:.1f} MB, slow to open on a phone; {self.lighter}"

    def make_folder(self) -> None:
        """The folder of one page per variant, made if missing (in a folder that exists)."""
        if self.folder is None:
            return
        try:
            self.folder.mkdir(exist_ok=True)
        except OSError as err:
            raise PracticeOutputError(f"cannot make the folder {self.folder}: {err.strerror}; "
                                      "create its parent first") from None


class PracticeOutputError(UserError):
    """An output a class's practice pages cannot be written to; the message says what to give."""


def practice_output(source: Path, form: str, output: Path, *, ask: str | None, tries: int,
                    digits: int | None, decimals: int | None) -> PracticeOutput:
    """The practice page of one scenario or lesson; of a class folder, one page per variant in
    the folder ``output``, or one page that asks for the student's id when ``output`` ends in
    .html (.zip for scorm) or is ``-``."""
    from bpstep.lessons import find, load_scenario, named
    from bpstep.variants import original_title, read_class

    def page_of(scenario: Scenario, ref: str, title: str, student: str | None) -> Page:
        return practice_page(scenario, ref, title, student, ask=ask, tries=tries, digits=digits,
                             decimals=decimals)

    suffix = ".zip" if form == "scorm" else ".html"
    if not source.is_dir():
        scenario = load_scenario(source)
        made = page_of(scenario, named(source) or find(source).name, scenario.title or source.stem,
                       None)
        return PracticeOutput({output: write(form, [made])}, (find(source),),
                              f"{form}, {len(made[1].names)} values to practise",
                              lighter="a smaller network makes a lighter page")
    folder = read_class(source)
    title = original_title(folder.scenarios[0].title or source.name)
    pages = [page_of(scenario, name, title, ident) for ident, name, scenario
             in zip(folder.idents, folder.files, folder.scenarios, strict=True)]
    if str(output) == "-" or output.suffix == suffix:
        return PracticeOutput({output: write(form, pages)}, folder.reads,
                              f"{form}, one page for {len(pages)} students: it asks for the id",
                              lighter="a page per variant (-o DIR) is lighter")
    documents = {output / f"{Path(name).stem}{suffix}": write(form, [page])
                 for name, page in zip(folder.files, pages, strict=True)}
    if output.exists() and not output.is_dir():
        raise PracticeOutputError(f"{output} is a file; give a folder for one page per variant, or "
                                  f"a name ending in {suffix} for one page that asks for the "
                                  "student's id")
    return PracticeOutput(documents, folder.reads, f"{form}, {len(documents)} pages, one per variant",
                          folder=output)


def _xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters but tab and
    newline), each written as its escape."""
    return "".join(c if c in "\t\n" or not (ord(c) < 0x20 or ord(c) >= 0xFFFE or
                                            0xD800 <= ord(c) <= 0xDFFF)
                   else f"\\x{ord(c):02x}" for c in text)
