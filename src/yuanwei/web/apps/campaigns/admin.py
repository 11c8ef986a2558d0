from django.contrib import admin

from .models import Campaign, CampaignProduct, Quota, Sale, SaleCredit


class ProductInline(admin.TabularInline):
    model = CampaignProduct
    extra = 0


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "branch_id", "starts_on", "ends_on", "status", "bonus_multiplier", "double_credit")
    list_filter = ("status", "branch_id")
    inlines = [ProductInline, QuotaInline]


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    list_display = ("sold_on", "customer_id", "product_id", "amount", "staff_id", "contact_id", "holding_id")
    search_fields = ("customer_id", "product_id", "staff_id")


@admin.register(SaleCredit)
class SaleCreditAdmin(admin.ModelAdmin):
    list_display = ("sale", "campaign", "staff_id", "amount", "reason")
    list_filter = ("reason", "campaign")
