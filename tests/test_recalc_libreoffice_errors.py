"""An error reaching a LEVXL_ function gives the same values in every face: ISNA/IFNA/ISERR/IFERROR/ISERROR/
ERROR.TYPE/TYPE over a LEVXL_ cell fed an error cell (#N/A from a lookup, #DIV/0!), a text or a negative size read
the error the catalogue gives (the error passed on, or #VALUE!), in LibreOffice (levxl recalc) as on the fast path
and in Excel (Office.js hosts the catalogue's codes) -- not LibreOffice's own Err:504, which it shows where it does
not call the add-in. Where LibreOffice cannot give Excel's value the cell is reported, never written silently.

Each book here is evaluated by real LibreOffice 25.2 (skipped only where it is absent)."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from levxl.catalogue import CATALOGUE
from levxl.recalc import RecalcError, recalc_workbook
from levxl.recalc.divergence import REASONS
from levxl.recalc.values import XlError
from levxl.testing import libreoffice

needs_libreoffice = pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice is not installed")

# the cells the LEVXL_ calls read: an error constant, a text, a negative size, an error formula, a venue product
# without funding (the catalogue's own #N/A)
INPUTS = {"A1": "#N/A", "A2": "abc", "A3": -1, "A4": "=1/0", "A5": "okx-futures"}
CALLS = {  # row -> (formula, the catalogue's result for the cells' values)
    1: ('LEVXL_LIQ_PRICE("long",A1,1,10)', CATALOGUE["LEVXL_LIQ_PRICE"]("long", "#N/A", 1, 10)),
    2: ('LEVXL_LIQ_PRICE("long",A2,1,10)', CATALOGUE["LEVXL_LIQ_PRICE"]("long", "abc", 1, 10)),
    3: ('LEVXL_LIQ_PRICE("long",60000,A3,10)', CATALOGUE["LEVXL_LIQ_PRICE"]("long", 60000, -1, 10)),
    4: ('LEVXL_LIQ_PRICE("long",A4,1,10)', CATALOGUE["LEVXL_LIQ_PRICE"]("long", "#DIV/0!", 1, 10)),
    5: ("LEVXL_FUNDING_INTERVAL(A5)", CATALOGUE["LEVXL_FUNDING_INTERVAL"]("okx-futures")),
    6: ('LEVXL_LIQ_PRICE("long",60000,1,10)', CATALOGUE["LEVXL_LIQ_PRICE"]("long", 60000, 1, 10)),  # no error
}
_ERROR_TYPE = {"#NULL!": 1, "#DIV/0!": 2, "#VALUE!": 3, "#REF!": 4, "#NAME?": 5, "#NUM!": 6, "#N/A": 7}


def _code(value):
    code = getattr(value, "code", None)
    return code if isinstance(code, str) else value


def _excel(function: str, result):
    """Excel's value of ``function(result)``, result being the catalogue's (a CellError or a number)."""
    code = _code(result) if not isinstance(result, float) else None
    return {
        "IFERROR": "x" if code else result,
        "IFNA": "n" if code == "#N/A" else (code or result),
        "ISERROR": bool(code),
        "ISNA": code == "#N/A",
        "ISERR": bool(code) and code != "#N/A",
        "ERROR.TYPE": float(_ERROR_TYPE[code]) if code else "#N/A",
        "TYPE": 16.0 if code else 1.0,
        "TIMES2": code or result * 2,
    }[function]


def _book(path, columns: dict, extra: dict | None = None):
    """Column B: the LEVXL_ calls; each other column: a function over the B cell ("{cell}") or over the call
    itself ("{call}")."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for ref, value in INPUTS.items():
        ws[ref] = value
    for row, (call, _) in CALLS.items():
        ws[f"B{row}"] = "=" + call
        for col, template in columns.items():
            ws[f"{col}{row}"] = "=" + template.format(cell=f"B{row}", call=call)
    for ref, value in (extra or {}).items():
        ws[ref] = ArrayFormula(value[0], value[1]) if isinstance(value, tuple) else value
    wb.save(path)
    return path


def _check(values: dict, columns: dict):
    for row, (call, result) in CALLS.items():
        assert _code(values[f"S!B{row}"]) == _code(result) if not isinstance(result, float) else \
            values[f"S!B{row}"] == pytest.approx(result, rel=1e-12), call
        for col, (function, _) in columns.items():
            got, want = _code(values[f"S!{col}{row}"]), _excel(function, result)
            assert got == pytest.approx(want, rel=1e-12) if isinstance(want, float) else got == want, \
                (f"S!{col}{row}", function, call, got, want)


def test_libreoffice_copy_passes_single_cells_on_and_reads_the_add_ins_value_under_error_type():
    from levxl.recalc.libreoffice import prepare_formula

    assert prepare_formula('LEVXL_LIQ_PRICE("a,B2",A1,$B$2,\'My S\'!C3)+D4') == (
        'LEVXL_LIQ_PRICE("a,B2",IF(ISERROR(A1),A1,A1:A1),IF(ISERROR($B$2),$B$2,$B$2:$B$2),'
        "IF(ISERROR('My S'!C3),'My S'!C3,'My S'!C3:C3))+D4")
    assert prepare_formula('ERROR.TYPE(LEVXL_PNL("lo)ng",1,2,3))+TYPE( LEVXL_X(1) )') == \
        'ERROR.TYPE(INDEX(LEVXL_PNL("lo)ng",1,2,3),1,1))+TYPE( INDEX(LEVXL_X(1),1,1) )'
    assert prepare_formula('ERROR.TYPE(LEVXL_X(1)+1)') == 'ERROR.TYPE(LEVXL_X(1)+1)'  # not the whole argument
    assert prepare_formula('ERROR.TYPE(LEVXL_X(1))', array=True) == 'ERROR.TYPE(LEVXL_X(1))'  # keeps its shape
    assert prepare_formula('"ERROR.TYPE(LEVXL_X(1))"') == '"ERROR.TYPE(LEVXL_X(1))"'


@needs_libreoffice
def test_the_fast_path_and_libreoffice_give_the_same_error_answers(tmp_path):
    """IFNA over a LEVXL_ cell fed a #N/A cell was LibreOffice's Err:504 passed on as #N/A, where the fast path
    (and Excel) give the fallback."""
    columns = {"C": ("IFERROR", 'IFERROR({cell},"x")'), "D": ("IFNA", '_xlfn.IFNA({cell},"n")'),
               "E": ("ISERROR", "ISERROR({cell})"), "F": ("IFNA", '_xlfn.IFNA({call},"n")'),
               "G": ("IFERROR", 'IFERROR({call},"x")'), "H": ("ISERROR", "ISERROR({call})"),
               "I": ("TIMES2", "{cell}*2")}
    path = _book(tmp_path / "faces.xlsx", {c: t for c, (_, t) in columns.items()})
    fast = recalc_workbook(path, engine="fast")
    office = recalc_workbook(path, engine="libreoffice")
    assert fast.engine == "fast" and office.engine == "libreoffice" and not office.cells
    _check(fast.values, columns)
    _check(office.values, columns)


@needs_libreoffice
def test_isna_iserr_error_type_and_type_read_the_catalogues_error_in_libreoffice(tmp_path):
    columns = {"C": ("ISNA", "ISNA({cell})"), "D": ("ISERR", "ISERR({cell})"),
               "E": ("ERROR.TYPE", "ERROR.TYPE({cell})"), "G": ("ISNA", "ISNA({call})"), "H": ("ISERR", "ISERR({call})"),
               "I": ("ERROR.TYPE", "ERROR.TYPE({call})"),  # the add-in's result read as a value, not an array
               "J": ("TYPE", "TYPE({call})")}
    reported = {  # where LibreOffice cannot give Excel's value: reported (with what is computed from them)
        "K1": '=LEVXL_LIQ_PRICE("long",A1,A4,10)',  # two errors: Excel's levxl passes on the first
        "K2": "=ISNA(K1)",
        "K3": '=ERROR.TYPE(IF(A2="abc",LEVXL_FUNDING_INTERVAL(A5),0))',  # the add-in's array through IF
        "K4": "=TYPE(B6)",  # LibreOffice: 8, "a formula"; Excel 1
        "K5": "=TYPE(B1)",  # an error: 16 in both
        "K6": '=LEVXL_WHY("LIQ_PRICE","long",A1,1,10)',  # Excel: the text "#N/A entry is #N/A"
        "K7": '=LEVXL_WHY("LIQ_PRICE","long",A2,1,10)',  # called: the reason, as in Excel
        "K8": '=IFERROR(A1,0)+LEVXL_LIQ_PRICE("long",A4,1,10)',  # one error per call: #DIV/0! in both
        "L1": ("L1:L2", '=ERROR.TYPE(LEVXL_LIQ_PRICE("long",60000,{1;-1},10))'),  # an array formula
        "M1": "=LEVXL_ACCOUNT_LIQ_PRICES(N1:N2,O1:O2,1,60000,100)",  # an error cell in a range: Err:504
        "M2": "=ISNA(M1)", "M3": "=M1*2",  # M3: the error passed on, as in Excel: not reported
        "N1": "long", "N2": "short", "O1": "=A1", "O2": 50000,
    }
    path = _book(tmp_path / "errors.xlsx", {c: t for c, (_, t) in columns.items()}, reported)
    with pytest.raises(RecalcError) as failed:  # by default: nothing written
        recalc_workbook(path, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists() and "S!K1: " + REASONS["levxlerrors"] in str(failed.value)
    summary = recalc_workbook(path, on_divergence="warn")
    _check(summary.values, columns)
    listed = dict(c.split(": ", 1) for c in summary.cells)
    assert sorted(listed) == ["S!K1", "S!K2", "S!K3", "S!K4", "S!K6", "S!L1", "S!M2"]
    assert listed["S!K1"] == REASONS["levxlerrors"] and listed["S!K3"] == listed["S!L1"] == REASONS["levxltype"]
    assert listed["S!K4"] == REASONS["typeformula"] and summary.values["S!K5"] == 16.0
    assert _code(summary.values["S!K8"]) == "#DIV/0!"
    assert listed["S!K6"] == REASONS["whyerror"] and summary.values["S!K7"] == "#VALUE! entry holds text, not a number"
    assert listed["S!M2"] == REASONS["err504"] and listed["S!K2"].startswith("computed from S!K1")
    assert _code(summary.values["S!M3"]) == _code(summary.values["S!M1"]) == "#N/A"
