app_name = "customers"
urlpatterns: list = []  # customer pages are added here (the navigation shows 客户 disabled until then)
