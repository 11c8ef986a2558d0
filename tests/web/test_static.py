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


def _po_entries(text: str) -> dict[str, str]:
    """msgid → msgstr of a .po file (continuation lines joined; the header skipped)."""
    entries, key, current = {}, None, {}
    for line in text.splitlines() + [""]:
        if line.startswith(("msgid ", "msgstr ")):
            key, _, rest = line.partition(" ")
            current[key] = rest[1:-1]
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
        elif not line.strip() and current:
            if current.get("msgid"):
                entries[current["msgid"].replace('\\"', '"')] = current.get("msgstr", "").replace('\\"', '"')
            current, key = {}, None
    return entries


def test_the_compiled_translations_match_the_po_file():
    import gettext

    locale = Path(yuanwei.web.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
    entries = _po_entries((locale / "django.po").read_text(encoding="utf-8"))
    with (locale / "django.mo").open("rb") as f:
        catalog = gettext.GNUTranslations(f)
    assert len(entries) > 200 and all(entries.values()), "every string has a translation"
    stale = {k: v for k, v in entries.items() if catalog.gettext(k) != v}
    assert not stale, "run `django-admin compilemessages` (see docs/web.md)"
