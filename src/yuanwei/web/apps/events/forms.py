from __future__ import annotations

from django import forms
from django.utils import timezone

from yuanwei.web.apps.customers.models import TIERS, Product

from .models import Event, Invitation

from yuanwei.web.apps.workbench.labels import PERSONA_LABELS

PERSONAS = list(PERSONA_LABELS.items())


class EventForm(forms.ModelForm):
    starts_at = forms.DateTimeField(label="时间 / when", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    product_ids = forms.MultipleChoiceField(label="推介产品 / products", required=False,
                                            widget=forms.CheckboxSelectMultiple)
    branch_id = forms.CharField(label="支行 / branch", max_length=32, required=False)

    class Meta:
        model = Event
        fields = ["name", "kind", "relationship_only", "starts_at", "place", "capacity", "description"]

    def __init__(self, *args, branch_id: str = "", **kw):
        super().__init__(*args, **kw)
        self.fixed_branch = branch_id
        if branch_id:
            del self.fields["branch_id"]
        today = timezone.localdate()
        on_sale = Product.objects.filter(sale_start__lte=today).exclude(sale_end__lt=today).exclude(status="closed")
        self.fields["product_ids"].choices = [(p.product_id, f"{p.name}（{p.risk_rating}）")
                                              for p in on_sale.order_by("product_id")]

    def clean(self):
        data = super().clean()
        branch = self.fixed_branch or data.get("branch_id")
        if not branch:
            self.add_error("branch_id", "请填写支行 / branch is required")
        self.instance.branch_id = branch or ""
        self.instance.products = ";".join(data.get("product_ids") or [])
        return data


class InviteForm(forms.Form):
    tiers = forms.MultipleChoiceField(label="等级 / tier", required=False, choices=[(t, t) for t in TIERS],
                                      widget=forms.CheckboxSelectMultiple)
    personas = forms.MultipleChoiceField(label="客群 / persona", required=False, choices=PERSONAS,
                                         widget=forms.CheckboxSelectMultiple)
    familiarity = forms.MultipleChoiceField(label="熟悉度 / familiarity", required=False,
                                            choices=[("A", "A"), ("B", "B"), ("C", "C")],
                                            widget=forms.CheckboxSelectMultiple)
    min_aum = forms.DecimalField(label="最低资产 / minimum AUM", required=False, min_value=0, decimal_places=2)
    limit = forms.IntegerField(label="邀约人数上限 / how many", required=False, min_value=1, max_value=5000)

    def segment(self) -> dict:
        d = self.cleaned_data
        seg = {k: d[k] for k in ("tiers", "personas", "familiarity") if d.get(k)}
        if d.get("min_aum") is not None:
            seg["min_aum"] = str(d["min_aum"])
        return seg


class InvitationForm(forms.Form):
    rsvp = forms.ChoiceField(label="回复 / RSVP", choices=Invitation.Rsvp.choices, required=False)
    guests = forms.IntegerField(label="同行 / guests", min_value=0, max_value=10, required=False)
    attended = forms.ChoiceField(label="出席 / attended", required=False,
                                 choices=[("", "—"), ("yes", "出席"), ("no", "未出席")])
