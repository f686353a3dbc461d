"""QTI 1.2 for Canvas: a zip with one quiz per variant, each value a numerical question.

Written with the standard library rather than text2qti: text2qti 0.8 writes a numerical
answer's bounds with four decimals (``f'{min:.4f}'``), so the ±0.0000005 band of a Δw of
−0.000954656 would become [−0.0010, −0.0010], and it has no per-answer feedback for the named
mistakes. Each question accepts ``value ± tolerance`` (100 %), and nothing else is a value:
Canvas's importer turns every response condition that holds an exact value or a range into an
answer worth 100 % (``numeric_interaction.rb``), whatever score it sets, so a condition per
named mistake would mark each mistake right. The named mistakes' hints are instead the feedback
for any wrong answer (``general_incorrect_fb``, Canvas's "incorrect comments"), without their
values; a value rounded too early gets no credit, as Canvas has no partial credit for a
numerical answer (``quiz_notes`` says so).
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence

from bpstep.export.moodle import number, question_html
from bpstep.variants import Blank, Question

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
INCORRECT = "general_incorrect_fb"
"""The feedback Canvas shows for any wrong answer (its export's name for "incorrect comments")."""


def _ident(*parts: str) -> str:
    return "g" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _field(parent: ET.Element, label: str, entry: str) -> None:
    field = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = label
    ET.SubElement(field, "fieldentry").text = entry


def _within(parent: ET.Element, value: float, tolerance: float) -> None:
    """``value`` exactly, or anything in [value − tolerance, value + tolerance]."""
    either = ET.SubElement(parent, "or")
    ET.SubElement(either, "varequal", respident="response1").text = number(value)
    both = ET.SubElement(either, "and")
    ET.SubElement(both, "vargte", respident="response1").text = number(value - tolerance)
    ET.SubElement(both, "varlte", respident="response1").text = number(value + tolerance)


def _item(section: ET.Element, q: Question, blank: Blank) -> None:
    ident = _ident(q.ident, blank.name)
    item = ET.SubElement(section, "item", ident=ident, title=blank.name)
    meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    _field(meta, "question_type", "numerical_question")
    _field(meta, "points_possible", "1.0")
    presentation = ET.SubElement(item, "presentation")
    text = question_html(Question(q.title, q.ident, q.givens, (blank,), q.precision),
                         {blank.name: "?"})
    ET.SubElement(ET.SubElement(presentation, "material"), "mattext", texttype="text/html").text = text
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(ET.SubElement(response, "render_fib", fibtype="Decimal"), "response_label",
                  ident="answer1")
    processing = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0",
                  varname="SCORE", vartype="Decimal")
    condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
    _within(ET.SubElement(condition, "conditionvar"), blank.value, blank.answers[0].tolerance)
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"
    hints = list(dict.fromkeys(a.feedback for a in blank.answers if a.mistake not in (None, "early")))
    if hints:
        condition = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
        ET.SubElement(ET.SubElement(condition, "conditionvar"), "other")
        ET.SubElement(condition, "displayfeedback", feedbacktype="Response",
                      linkrefid=INCORRECT)
        block = ET.SubElement(item, "itemfeedback", ident=INCORRECT)
        material = ET.SubElement(ET.SubElement(ET.SubElement(block, "flow_mat"), "material"),
                                 "mattext", texttype="text/plain")
        material.text = "Not accepted. Slips that give another number here: " + "; ".join(hints)


def credit_note(rounding_credit: int) -> str | None:
    """One line saying Canvas gives no rounding credit, or None when none is asked."""
    if not rounding_credit:
        return None
    return ("note: Canvas QTI: a numerical answer is right or wrong, so a value rounded too early "
            f"gets no credit (--rounding-credit {rounding_credit} is for moodle and gift); the "
            "named mistakes' hints are the feedback for any wrong answer")


def assessment_xml(q: Question, ident: str) -> str:
    """One variant as a QTI 1.2 assessment of numerical questions."""
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    assessment = ET.SubElement(root, "assessment", ident=ident, title=q.title)
    _field(ET.SubElement(assessment, "qtimetadata"), "cc_maxattempts", "1")
    section = ET.SubElement(assessment, "section", ident="root_section")
    for blank in q.blanks:
        _item(section, q, blank)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def manifest_xml(idents: Sequence[str], title: str) -> str:
    root = ET.Element("manifest", identifier=_ident("manifest", title, *idents), xmlns=MANIFEST_NS)
    meta = ET.SubElement(root, "metadata")
    ET.SubElement(meta, "schema").text = "IMS Content"
    ET.SubElement(meta, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for ident in idents:
        resource = ET.SubElement(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
        ET.SubElement(resource, "file", href=f"{ident}/{ident}.xml")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def to_qti(questions: Sequence[Question], title: str) -> bytes:
    """A zip Canvas imports (Settings → Import course content → QTI .zip): a quiz per variant."""
    idents = [_ident(title, q.ident) for q in questions]
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for ident, q in zip(idents, questions, strict=True):
            info = zipfile.ZipInfo(f"{ident}/{ident}.xml", date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, assessment_xml(q, ident))
        info = zipfile.ZipInfo("imsmanifest.xml", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(info, manifest_xml(idents, title))
    return stream.getvalue()
