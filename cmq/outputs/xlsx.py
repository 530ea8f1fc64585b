"""Every workbook the product writes with openpyxl leaves through here: cells hold text or numbers, never a formula."""
from __future__ import annotations

import io


def workbook_bytes(wb) -> bytes:
    """The workbook as .xlsx bytes, after turning back into text any cell openpyxl took for a formula (a text that
    starts with « = »: an indicator titled « =HYPERLINK(…) » stays the words it is, never a live link)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
