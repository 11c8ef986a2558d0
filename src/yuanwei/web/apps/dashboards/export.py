"""Every manager list as an Excel workbook (openpyxl): one sheet, a bold header, money as numbers."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(title: str, header: list[str], rows, subtitle: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]  # Excel's sheet-name limit
    start = 1
    if subtitle:
        ws.append([subtitle])
        ws["A1"].font = Font(bold=True, size=12)
        start = 2
    ws.append(header)
    for cell in ws[start]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    for r in rows:
        ws.append(list(r))
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, 2 * len(str(h)) + 4))
    ws.freeze_panes = ws.cell(start + 1, 1)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_response(filename: str, title: str, header: list[str], rows, subtitle: str = "") -> HttpResponse:
    resp = HttpResponse(workbook(title, header, rows, subtitle), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
