"""Talk scripts (话术) for a task: the script of the first offered product's category, else of the
task's strongest rule, for the customer's persona (else the default). Managers edit scripts in the
admin (each save a new version); the defaults ship in ``yuanwei/outreach/scripts.yaml``."""

from __future__ import annotations

from importlib import resources

import yaml

from .models import TalkScript


def default_scripts() -> list[dict]:
    raw = yaml.safe_load(resources.files("yuanwei.outreach").joinpath("scripts.yaml").read_text("utf-8"))
    return [{"category": key, "persona": "" if persona == "default" else persona,
             "title": s["title"], "body": s["body"].strip()}
            for key, by_persona in raw.items() for persona, s in by_persona.items()]


def script_for(keys: list[str], persona: str | None) -> TalkScript | None:
    """The newest active script for the first key that has one; persona-specific wins."""
    if not keys:
        return None
    rows = list(TalkScript.objects.filter(category__in=keys, persona__in=[persona or "", ""], active=True)
                .order_by("-version"))
    for key in keys:
        for p in ([persona] if persona else []) + [""]:
            for row in rows:
                if row.category == key and row.persona == p:
                    return row
    return None


def keys_for_task(task, product_categories: dict[str, str]) -> list[str]:
    offers = [o for o in (task.offers or "").split(";") if o]
    cats = [product_categories[o] for o in offers if o in product_categories]
    return cats[:1] + [r for r in (task.rules or "").split(";") if r]
