"""The work log as an Excel workbook (openpyxl): one sheet, the same sections as the page."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from django.utils.timezone import localtime


def worklog_workbook(data: dict, profile=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "工作日志"
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE7F0")
    name = profile.name if profile else data["staff"].get_username()
    ws.append([f"工作日志 {data['day'].isoformat()}", f"{name}（{data['staff'].get_username()}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"联系客户 {data['customers_contacted']} 人，联系 {len(data['contacts'])} 次，"
               f"成交 {len(data['sales'])} 笔，金额 {data['sales_total']:,.2f} 元"])

    def section(title, header, rows):
        ws.append([])
        ws.append([title])
        ws.cell(ws.max_row, 1).font = bold
        ws.append(header)
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = bold, head_fill
        for r in rows:
            ws.append(r)
        if not rows:
            ws.append(["（无）"])

    section("一、联系记录", ["时间", "客户号", "客户", "渠道", "结果", "产品", "金额(元)", "内容"], [
        [localtime(c.at).strftime("%H:%M") if c.at else "", c.customer_id, c.customer_name, c.channel_label,
         c.outcome_label, c.product_name or "", float(c.amount) if c.amount is not None else None, c.note]
        for c in data["contacts"]])
    section("二、预约与拜访", ["时间", "客户号", "客户", "类型", "地点", "备注"], [
        [localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"), a.customer_id, a.customer_name,
         a.get_kind_display(), a.place, a.note] for a in data["appointments"]])
    section("三、成交", ["客户号", "客户", "产品", "金额(元)"], [
        [c.customer_id, c.customer_name, c.product_name or "", float(c.amount) if c.amount is not None else None]
        for c in data["sales"]])
    section(f"四、明日计划（{data['tomorrow'].isoformat()}）", ["类别", "客户号", "客户", "事项"],
            [["任务", t.customer_id, t.customer_name, "、".join(t.badges)] for t in data["plan_tasks"]]
            + [["跟进", f.customer_id, f.customer_name, f"{f.due_on.isoformat()} {f.note}"]
               for f in data["plan_follow_ups"]]
            + [["预约", a.customer_id, a.customer_name, f"{localtime(a.starts_at):%H:%M} {a.place}"]
               for a in data["plan_appointments"]])
    ws.append([])
    ws.append(["五、备注"])
    ws.cell(ws.max_row, 1).font = bold
    ws.append([data["remark"] or ""])
    ws.cell(ws.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGH", (18, 14, 12, 10, 10, 24, 14, 40)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
