"""zh-CN labels for the codes shown in the workbench (DESIGN §4, §5, §8)."""

from __future__ import annotations

RULE_LABELS = {
    "birthday": "客户生日", "relative_birthday": "亲属生日", "maturity": "产品到期",
    "large_inflow": "大额入账", "large_outflow": "大额转出", "idle_cash": "闲置资金",
    "fund_move": "基金波动", "tier_up": "等级提升", "aum_drop": "资产下降",
    "payroll_stopped": "代发中断", "risk_assessment_expiring": "风测到期",
    "new_customer": "新开户", "market_shock": "市场波动", "no_recent_contact": "久未联系",
}
# badge colour family per rule: care / service / opportunity / risk
RULE_KIND = {
    "birthday": "care", "relative_birthday": "care", "market_shock": "care",
    "maturity": "service", "risk_assessment_expiring": "service",
    "large_outflow": "risk", "aum_drop": "risk", "payroll_stopped": "risk",
}
PURPOSE_LABELS = {"service": "服务", "care": "关怀", "marketing": "营销"}
PERSONA_LABELS = {
    "business_owner": "企业主", "retiree": "退休人士", "homemaker": "家庭主理人", "hk_mo_tw": "港澳台",
    "salaried": "工薪族", "active_trader": "活跃投资者", "other": "其他",
}
FAMILIARITY_LABELS = {"A": "A 熟悉", "B": "B 一般", "C": "C 陌生"}
RELATION_LABELS = {"spouse": "配偶", "child": "子女", "parent": "父母", "other": "其他"}
CATEGORY_LABELS = {
    "wealth": "理财", "fund": "基金", "insurance": "保险", "time_deposit": "定期", "gold": "黄金",
    "bond": "债券", "certificate": "大额存单",
}
FLOW_KIND_LABELS = {
    "payroll": "代发工资", "pension": "养老金", "transfer": "转账", "cash": "现金", "card": "刷卡",
    "investment": "投资", "fee": "手续费", "interest": "利息", "other": "其他",
}
# cross-sell offers name a service code instead of a product (DESIGN §5, results.tasks.offers)
SERVICE_LABELS = {"mobile_banking": "开通手机银行", "credit_card": "办理信用卡", "third_party_binding": "第三方支付绑卡",
                  "investment": "开通投资理财", "payroll": "代发工资"}
FOUR_BASIC = (("has_mobile_banking", "手机银行"), ("has_credit_card", "信用卡"),
              ("has_third_party_binding", "第三方支付绑卡"), ("has_investment", "投资理财"))
PLAN_CHANNEL_LABELS = {"branch": "网点", "wealth_center": "财富中心", "call_center": "电话中心", "remote": "远程"}
CHANNEL_LABELS = {"phone": "电话", "wechat": "微信", "sms": "短信", "visit": "上门", "branch": "网点"}
ROLE_LABELS = {
    "remote_rm": "远程客户经理", "rm": "客户经理", "wealth_advisor": "财富顾问", "lobby": "大堂经理",
    "team_lead": "团队长", "branch_head": "支行行长", "admin": "管理员",
}


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)
