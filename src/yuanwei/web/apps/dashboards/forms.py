from __future__ import annotations

from django import forms

from .models import Target


class TargetForm(forms.ModelForm):
    period_start = forms.DateField(label="起始 / from", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="截止 / to", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Target
        fields = ["metric", "amount", "period_start", "period_end"]

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end", "截止日期早于起始日期 / the period ends before it starts")
        if data.get("amount") is not None and data["amount"] <= 0:
            self.add_error("amount", "目标金额须大于0 / the amount must be positive")
        return data
