"""Message templates (消息模板) per purpose and persona, rendered with a customer's fields.

Templates use ``{field}`` placeholders (Python format syntax, no expressions). Rendering never
raises on a missing field: the placeholder stays in the text and is reported, so the compliance
check blocks the message and the RM sees which field is empty.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from importlib import resources

import yaml

from yuanwei.outreach import compliance, sms

PURPOSES = ("birthday", "relative_birthday", "maturity", "brief", "event_invitation", "welcome")


@dataclass(frozen=True)
class Template:
    key: str            # e.g. birthday.retiree
    purpose: str
    persona: str        # '' for every persona
    text: str

    @property
    def fields(self) -> list[str]:
        return sorted({name for _, name, _, _ in string.Formatter().parse(self.text) if name})


@dataclass
class Rendered:
    text: str
    missing: list[str] = field(default_factory=list)
    violations: list[compliance.Violation] = field(default_factory=list)

    @property
    def segments(self) -> int:
        return sms.segments(self.text)

    @property
    def ok(self) -> bool:
        return not self.violations


class _Keep(dict):
    """format_map mapping that leaves unknown or empty fields as ``{name}`` and records them."""

    def __init__(self, values: dict):
        super().__init__({k: v for k, v in values.items() if v not in (None, "")})
        self.missing: list[str] = []

    def __missing__(self, key):
        self.missing.append(key)
        return "{" + key + "}"


def render(text: str, values: dict, forbidden: tuple[str, ...] = compliance.DEFAULT_FORBIDDEN) -> Rendered:
    mapping = _Keep(values)
    out = text.format_map(mapping)
    return Rendered(out, sorted(set(mapping.missing)), compliance.check(out, forbidden))


def default_templates() -> list[Template]:
    raw = yaml.safe_load(resources.files("yuanwei.outreach").joinpath("templates.yaml").read_text("utf-8"))
    out = []
    for purpose, by_persona in raw.items():
        for persona, text in by_persona.items():
            persona = "" if persona == "default" else persona
            out.append(Template(f"{purpose}.{persona or 'default'}", purpose, persona, text.strip()))
    return out


def choose(templates: list[Template], purpose: str, persona: str | None) -> Template | None:
    """The persona's template for the purpose, else the purpose's default."""
    exact = [t for t in templates if t.purpose == purpose and t.persona == (persona or "")]
    default = [t for t in templates if t.purpose == purpose and t.persona == ""]
    return (exact or default or [None])[0]
