import pytest

from yuanwei.outreach.compliance import check


@pytest.mark.parametrize("phrase", ["保本", "稳赚", "无风险", "保证收益", "guaranteed returns"])
def test_it_blocks_forbidden_promises(phrase):
    problems = check(f"这款产品{phrase}，欢迎咨询")
    assert [p.code for p in problems] == ["forbidden_phrase"] or "forbidden_phrase" in [p.code for p in problems]
    assert any(phrase in p.message for p in problems)


def test_it_blocks_unfilled_fields():
    problems = check("王先生您好，您的{product_name}将到期")
    assert [p.code for p in problems] == ["unfilled_field"]
    assert "{product_name}" in problems[0].message


def test_it_passes_a_compliant_greeting():
    assert check("王先生您好，祝您生日快乐，身体健康！") == []


def test_it_blocks_an_empty_message():
    assert [p.code for p in check("  ")] == ["empty"]
