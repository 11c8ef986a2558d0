from django.contrib import admin

from .models import DailyCoverage, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("branch_id", "metric", "amount", "period_start", "period_end")
    list_filter = ("metric", "branch_id")

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DailyCoverage)
class DailyCoverageAdmin(admin.ModelAdmin):
    list_display = ("date", "branch_id", "staff_id", "tier", "customers", "contacted_30", "contacted_90")
    list_filter = ("date", "branch_id")
    readonly_fields = [f.name for f in DailyCoverage._meta.fields]
