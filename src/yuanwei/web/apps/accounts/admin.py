from django.contrib import admin

from .models import StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("staff_id", "name", "role", "branch_id", "team", "daily_capacity", "user")
    list_filter = ("role", "branch_id")
    search_fields = ("staff_id", "name", "team")
    raw_id_fields = ("user",)
