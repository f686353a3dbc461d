"""What a written number stands for (bpstep.written): its interval, figures and decimals, how a
person rounds, and the precision floor a course asks for."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstep.written import Floor, FloorKind, read_number, round_figures


@pytest.mark.parametrize(("text", "value", "decimals", "figures", "half_unit"), [
    ("0.002728", 0.002728, 6, 4, 0.0000005),
    ("-0.0376", -0.0376, 4, 3, 0.00005),
    ("0.50", 0.5, 2, 2, 0.005),
    ("4", 4.0, 0, 1, 0.5),
    ("120", 120.0, -1, 2, 5.0),  # a whole number's trailing 0 only places it
    ("2100", 2100.0, -2, 2, 50.0), ("120.", 120.0, 0, 3, 0.5), ("1.20e2", 120.0, 0, 3, 0.5),
    ("0.0950", 0.095, 4, 3, 0.00005),
    ("0.000", 0.0, 3, 0, 0.0005),
    ("0", 0.0, 0, 0, 0.5),
    ("9.45e-4", 0.000945, 6, 3, 0.0000005),
    ("1.2e3", 1200.0, -2, 2, 50.0),
    (".5", 0.5, 1, 1, 0.05),
    ("−0.5523", -0.5523, 4, 4, 0.00005),  # a typeset minus
])
def test_a_number_is_read_with_the_interval_and_figures_its_digits_claim(
        text: str, value: float, decimals: int, figures: int, half_unit: float) -> None:
    written = read_number(text)
    assert written is not None
    assert (written.value, written.decimals, written.figures) == (value, decimals, figures)
    assert written.half_unit == pytest.approx(half_unit, rel=1e-12)
    assert not written.comma


@pytest.mark.parametrize(("text", "value", "read"), [
    ("0,8787", 0.8787, "0.8787"), ("-0,0368", -0.0368, "-0.0368"), ("12,5", 12.5, "12.5"),
])
def test_a_decimal_comma_is_read_as_a_point_and_said(text: str, value: float, read: str) -> None:
    written = read_number(text)
    assert written is not None and written.comma
    assert (written.value, written.text) == (value, read)


@pytest.mark.parametrize("text", ["1,234,5", "0,", ",5", "1.5,2", "0e999", "1e400", "nan", "inf",
                                  "0x1p3", "1_000", "", "1e123456"])
def test_what_is_no_plain_finite_number_is_refused(text: str) -> None:
    assert read_number(text) is None


@pytest.mark.parametrize(("value", "figures", "rounded"), [
    (0.125, 2, 0.13),  # a 5 goes up, as on paper (Python's format would give 0.12)
    (-0.125, 2, -0.13),
    (0.810584, 2, 0.81), (1.81058, 2, 1.8), (1.81058, 1, 2.0), (0.000954656, 3, 0.000955),
    (123456.0, 2, 120000.0), (9.96, 2, 10.0), (2.5, 1, 3.0), (0.0, 3, 0.0),
])
def test_rounding_to_significant_figures_is_a_person_s(value: float, figures: int,
                                                        rounded: float) -> None:
    assert round_figures(value, figures) == rounded


@settings(max_examples=300, derandomize=True)
@given(st.floats(1e-9, 1e9), st.integers(1, 12))
def test_a_rounded_number_is_within_half_a_unit_of_its_last_figure(value: float, figures: int
                                                                   ) -> None:
    rounded = round_figures(value, figures)
    written = read_number(f"{rounded:.{figures - 1}e}")
    assert written is not None and written.figures == figures
    assert abs(rounded - value) <= written.half_unit + 1e-15 * value  # a tie is exactly half


@pytest.mark.parametrize(("floor", "text", "met"), [
    (Floor(FloorKind.DIGITS, 3), "0.552", True), (Floor(FloorKind.DIGITS, 3), "0.55", False),
    (Floor(FloorKind.DIGITS, 3), "0.100", True), (Floor(FloorKind.DIGITS, 3), "0.000", False),
    (Floor(FloorKind.DIGITS, 3), "9.45e-4", True), (Floor(FloorKind.DIGITS, 1), "4", True),
    (Floor(FloorKind.DECIMALS, 4), "0.0010", True), (Floor(FloorKind.DECIMALS, 4), "0.001", False),
    (Floor(FloorKind.DECIMALS, 0), "4", True), (Floor(FloorKind.DECIMALS, 2), "1.2e-3", True),
])
def test_a_floor_counts_figures_or_decimals_as_written(floor: Floor, text: str, met: bool) -> None:
    written = read_number(text)
    assert written is not None and floor.met_by(written) is met


@pytest.mark.parametrize(("floor", "value", "text"), [
    (Floor(FloorKind.DIGITS, 3), -0.0367703, "-0.0368"),
    (Floor(FloorKind.DIGITS, 3), 0.0999612, "0.100"),
    (Floor(FloorKind.DIGITS, 4), 0.199045, "0.1990"),
    (Floor(FloorKind.DIGITS, 2), 123.456, "120"),
    (Floor(FloorKind.DIGITS, 3), 2118.86, "2120"),
    (Floor(FloorKind.DIGITS, 3), 2100.3, "2.10e+03"),  # "2100" would say two figures
    (Floor(FloorKind.DECIMALS, 4), -0.000954656, "-0.0010"),
])
def test_a_value_written_to_the_precision_asked(floor: Floor, value: float, text: str) -> None:
    assert floor.written(value) == text
    written = read_number(text)
    assert written is not None and floor.met_by(written)
    assert abs(written.value - value) <= written.half_unit


def test_a_floor_says_what_it_asks_in_words() -> None:
    assert Floor(FloorKind.DIGITS, 3).words == "3 significant figures"
    assert Floor(FloorKind.DECIMALS, 1).words == "1 decimal place"
    assert Floor(FloorKind.DIGITS, 3).advice(read_number("0.47")) == (  # type: ignore[arg-type]
        "0.47 has 2 significant figures; write at least 3")
    assert Floor(FloorKind.DECIMALS, 4).advice(read_number("0.1")) == (  # type: ignore[arg-type]
        "0.1 has 1 decimal place; write at least 4")
    assert Floor(FloorKind.DIGITS, 3).advice(read_number("0")) == (  # type: ignore[arg-type]
        "0 has 0 significant figures; write at least 3")
