from django import template

from yuanwei.web.apps.customers.models import Product

from ..scripts import keys_for_task, script_for

register = template.Library()


@register.inclusion_tag("outreach/_talk_script.html")
def talk_script(task, customer):
    """The talk script shown with the contact form of a task (nothing without a task)."""
    if not hasattr(task, "rules"):  # no task (None, or an empty template variable)
        return {"script": None}
    offers = [o for o in (task.offers or "").split(";") if o]
    cats = dict(Product.objects.filter(product_id__in=offers).values_list("product_id", "category")) if offers else {}
    return {"script": script_for(keys_for_task(task, cats), getattr(customer, "persona", None))}
