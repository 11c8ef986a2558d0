"""The contact form: one set of rules for the page and the API, with zh-CN messages first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone

from .models import CHANNEL_LABELS, OUTCOME_LABELS, Appointment, Channel, Outcome

NEXT_STEPS = [
    ("none", "无 / none"),
    ("follow_up", "跟进日期 / follow-up"),
    ("branch", "网点预约 / branch appointment"),
    ("home_visit", "上门拜访 / home visit"),
]


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label="渠道 / channel", choices=Channel.choices, initial="phone",
                                error_messages={"required": "请选择联系渠道 / choose a channel",
                                                "invalid_choice": "渠道无效 / unknown channel: %(value)s"})
    outcome = forms.ChoiceField(label="结果 / outcome", choices=Outcome.choices,
                                error_messages={"required": "请选择联系结果 / choose an outcome",
                                                "invalid_choice": "结果无效 / unknown outcome: %(value)s"})
    product_id = forms.CharField(label="产品 / product", required=False, max_length=64)
    amount = forms.DecimalField(label="金额(元) / amount (yuan)", required=False, max_digits=18, decimal_places=2,
                                min_value=Decimal("0.01"),
                                error_messages={"invalid": "金额须为数字，最多两位小数 / amount must be a number",
                                                "max_decimal_places": "金额最多两位小数 / at most 2 decimals",
                                                "min_value": "金额须大于0 / amount must be above 0"})
    note = forms.CharField(label="备注 / note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.ChoiceField(label="下一步 / next step", choices=NEXT_STEPS, required=False, initial="none")
    follow_up_on = forms.DateField(label="跟进日期 / follow-up date", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   error_messages={"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"})
    appointment_at = forms.DateTimeField(label="预约时间 / time", required=False,
                                         input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                                                        "%Y-%m-%d %H:%M:%S"],
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                         error_messages={"invalid": "时间格式应为 YYYY-MM-DD HH:MM / time must be YYYY-MM-DD HH:MM"})
    place = forms.CharField(label="地点 / place", required=False, max_length=200)

    def __init__(self, *args, product_exists=None, today: dt.date | None = None, **kwargs):
        # product_exists(product_id) -> bool; None: not checked
        self.product_exists = product_exists
        self.today = today or timezone.localdate()
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        product, amount = data.get("product_id") or "", data.get("amount")
        step = data.get("next_step") or "none"
        if outcome == Outcome.sold:
            if not product:
                self.add_error("product_id", "成交须选择产品 / a sale needs a product")
            if amount is None:
                self.add_error("amount", "成交须填写金额 / a sale needs an amount")
        elif amount is not None:
            self.add_error("amount", "只有成交才填写金额 / an amount is only for a sale")
        if product and self.product_exists is not None and not self.product_exists(product):
            self.add_error("product_id", f"产品不存在：{product} / unknown product")
        if outcome == Outcome.appointment and step not in ("branch", "home_visit"):
            self.add_error("next_step", "结果为已预约时须填写网点预约或上门拜访 / an appointment needs its time and place")
        if outcome == Outcome.do_not_disturb and step != "none":
            self.add_error("next_step", "客户要求免打扰，不能再安排跟进 / do not disturb: no next step")
        if step == "follow_up":
            due = data.get("follow_up_on")
            if due is None:
                self.add_error("follow_up_on", "请填写跟进日期 / choose the follow-up date")
            elif due < self.today:
                self.add_error("follow_up_on", "跟进日期不能早于今天 / the follow-up date is in the past")
        elif step in ("branch", "home_visit"):
            when, place = data.get("appointment_at"), (data.get("place") or "").strip()
            if when is None:
                self.add_error("appointment_at", "请填写预约时间 / choose the time")
            elif timezone.localdate(when) < self.today:
                self.add_error("appointment_at", "预约时间不能早于今天 / the time is in the past")
            if not place:
                self.add_error("place", "请填写地点 / enter the place")
        return data

    # short zh labels for the one-click chips of the form
    @property
    def channel_options(self):
        return list(CHANNEL_LABELS.items())

    @property
    def outcome_options(self):
        return list(OUTCOME_LABELS.items())

    @property
    def step_options(self):
        return [("none", "无"), ("follow_up", "跟进"), ("branch", "网点预约"), ("home_visit", "上门拜访")]

    @property
    def appointment_kind(self) -> str | None:
        step = self.cleaned_data.get("next_step")
        return {"branch": Appointment.Kind.BRANCH, "home_visit": Appointment.Kind.HOME_VISIT}.get(step)


class RemarkForm(forms.Form):
    text = forms.CharField(label="备注 / remarks", required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class RevealForm(forms.Form):
    reason = forms.CharField(label="查看原因 / reason", min_length=2, max_length=200,
                             error_messages={"required": "请填写查看原因 / give a reason",
                                             "min_length": "请填写查看原因 / give a reason"})
