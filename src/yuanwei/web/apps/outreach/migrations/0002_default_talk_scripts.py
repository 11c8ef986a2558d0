"""Load the default talk scripts (version 1) shipped in yuanwei/outreach/scripts.yaml."""

from django.db import migrations


def load(apps, schema_editor):
    from yuanwei.web.apps.outreach.scripts import default_scripts

    TalkScript = apps.get_model("outreach", "TalkScript")
    for s in default_scripts():
        TalkScript.objects.get_or_create(category=s["category"], persona=s["persona"], version=1,
                                         defaults={"title": s["title"], "body": s["body"]})


def unload(apps, schema_editor):
    apps.get_model("outreach", "TalkScript").objects.filter(version=1, created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
