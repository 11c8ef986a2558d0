from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from yuanwei.contract.schema import PRODUCT_CATEGORIES
from yuanwei.web.apps.customers.models import TIERS, Product

PERSONAS = [("business_owner", "企业主"), ("retiree", "退休"), ("homemaker", "家庭主妇/主夫"),
            ("hk_mo_tw", "港澳台"), ("salaried", "工薪"), ("active_trader", "活跃投资者")]


class CampaignForm(forms.Form):
    name = forms.CharField(label="活动名称 / name", max_length=200)
    products = forms.MultipleChoiceField(label="重点产品 / products", widget=forms.CheckboxSelectMultiple)
    starts_on = forms.DateField(label="开始 / starts", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label="结束 / ends", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    branch_quota = forms.DecimalField(label="支行指标（元）/ branch quota (yuan)", min_value=Decimal("0.01"),
                                      max_digits=18, decimal_places=2)
    junior_weight = forms.DecimalField(label="入行未满一年权重 / weight under one year", initial=Decimal("0.5"),
                                       min_value=Decimal("0"), max_value=Decimal("5"), decimal_places=2)
    double_credit = forms.BooleanField(label="贵宾客户双算 / double credit on VIPs", required=False, initial=True)
    bonus_multiplier = forms.DecimalField(label="奖励系数 / bonus multiplier", initial=Decimal("1.00"),
                                          min_value=Decimal("0.1"), max_value=Decimal("10"), decimal_places=2)
    shortfall_deduction = forms.DecimalField(label="未达标扣减率 / shortfall deduction", initial=Decimal("0"),
                                             min_value=Decimal("0"), max_value=Decimal("1"), decimal_places=2)
    lever = forms.DecimalField(label="任务优先级系数 / priority lever", initial=Decimal("1.5"),
                               min_value=Decimal("1"), max_value=Decimal("5"), decimal_places=2)
    tiers = forms.MultipleChoiceField(label="客户等级 / tiers", required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=[(t, t) for t in TIERS])
    personas = forms.MultipleChoiceField(label="客群 / personas", required=False,
                                         widget=forms.CheckboxSelectMultiple, choices=PERSONAS)
    familiarity = forms.MultipleChoiceField(label="熟悉度 / familiarity", required=False,
                                            widget=forms.CheckboxSelectMultiple, choices=[(x, x) for x in "ABC"])
    min_aum = forms.DecimalField(label="最低资产（元）/ min AUM", required=False, min_value=0)
    holds_category = forms.ChoiceField(label="持有品类 / holds category", required=False,
                                       choices=[("", "—")] + [(c, c) for c in PRODUCT_CATEGORIES])
    signal = forms.CharField(label="当日信号 / signal today", required=False, max_length=40)

    def __init__(self, *args, day=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Product.objects.exclude(status="closed").order_by("category", "product_id")
        if day is not None:
            qs = qs.filter(sale_start__lte=day)
        self.fields["products"].choices = [(p.product_id, f"{p.name}（{p.category} {p.risk_rating}）") for p in qs]

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("结束日期早于开始日期 / the end is before the start")
        return data

    def segment(self) -> dict:
        d = self.cleaned_data
        seg = {k: d[k] for k in ("tiers", "personas", "familiarity", "holds_category", "signal") if d.get(k)}
        if d.get("min_aum") is not None:
            seg["min_aum"] = str(d["min_aum"])
        return seg
