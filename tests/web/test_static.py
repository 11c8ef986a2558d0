"""The vendored front-end files are the versions the vendor README names (no CDN at run time)."""

import re
from pathlib import Path

import yuanwei.web

VENDOR = Path(yuanwei.web.__file__).parent / "static" / "vendor"


def test_the_vendored_versions_match_the_readme():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    htmx = re.search(r"`htmx.min.js` .*? \| ([\d.]+) \|", readme).group(1)
    echarts = re.search(r"`echarts.min.js` .*? \| ([\d.]+) \|", readme).group(1)
    assert f'version:"{htmx}"' in (VENDOR / "htmx.min.js").read_text(encoding="utf-8")
    assert f'version="{echarts}"' in (VENDOR / "echarts.min.js").read_text(encoding="utf-8")
    assert (VENDOR / "LICENSE.htmx").exists() and (VENDOR / "LICENSE.echarts").exists()


def test_the_compiled_translations_are_up_to_date():
    locale = Path(yuanwei.web.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
    assert (locale / "django.mo").stat().st_mtime >= (locale / "django.po").stat().st_mtime - 1
