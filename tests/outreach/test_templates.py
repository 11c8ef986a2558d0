from yuanwei.outreach import templates as tpl


def test_every_purpose_has_a_default_template():
    purposes = {t.purpose for t in tpl.default_templates() if t.persona == ""}
    assert set(tpl.PURPOSES) <= purposes


def test_it_fills_customer_fields():
    t = tpl.choose(tpl.default_templates(), "birthday", "salaried")
    out = tpl.render(t.text, {"title": "王先生", "branch_name": "锦江支行", "rm_name": "李娜"})
    assert out.ok and out.missing == []
    assert out.text.startswith("王先生您好") and "李娜" in out.text and "{" not in out.text


def test_persona_template_wins_over_the_default():
    t = tpl.choose(tpl.default_templates(), "birthday", "retiree")
    assert t.persona == "retiree" and "福寿安康" in t.text


def test_a_missing_field_is_reported_and_blocks_sending():
    out = tpl.render("您的{product_name}将于{matures_on}到期", {"product_name": "稳享90天", "matures_on": ""})
    assert out.missing == ["matures_on"]
    assert not out.ok and out.violations[0].code == "unfilled_field"


def test_segments_of_a_rendered_greeting():
    out = tpl.render("祝" * 80, {})
    assert out.segments == 2
