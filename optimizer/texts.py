"""English and Chinese sentences for every reason code."""

from __future__ import annotations

from optimizer.plan import ReasonCode

_SOURCE = {"en": {"stock": "pooled stock", "production": "production"},
           "zh": {"stock": "共享库存", "production": "生产"}}

_TEXTS: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.CHEAPEST_LANDED_COST: (
        "{supplier} ships {quantity} from {source}: the lowest landed cost per unit ({cost}).",
        "{supplier} 从{source}发货 {quantity}：单位到岸成本最低（{cost}）。",
    ),
    ReasonCode.ONLY_SOURCE_IN_TIME: (
        "{supplier} ships {quantity} from {source}: the only supplier that arrives by the due "
        "time.",
        "{supplier} 从{source}发货 {quantity}：唯一能在到期时间前送达的供应商。",
    ),
    ReasonCode.FAIRNESS_BALANCING: (
        "{supplier}: fairness balancing; its pool draw is kept near its contribution share.",
        "{supplier}：公平平衡；其共享池提取量保持在贡献份额附近。",
    ),
    ReasonCode.CHEAPER_CAPACITY_EXHAUSTED: (
        "{supplier} ships {quantity} from {source}: cheaper sources have no capacity left for "
        "this line.",
        "{supplier} 从{source}发货 {quantity}：更便宜的来源已无剩余产能可供此行。",
    ),
    ReasonCode.SPLIT_AVOIDED: (
        "{supplier}: split avoided; another shipment would cost more than it saves.",
        "{supplier}：避免拆分；增加一次发货的成本高于节省。",
    ),
    ReasonCode.LATE_PENALISED: (
        "{supplier} ships {quantity} from {source} arriving late: lateness is allowed and "
        "penalised, and nothing arrives in time for less.",
        "{supplier} 从{source}发货 {quantity}，将迟到：允许迟到但计罚，且无更低成本的准时来源。",
    ),
    ReasonCode.HIGHER_LANDED_COST: (
        "{supplier} not chosen: higher landed cost per unit ({cost}).",
        "未选择 {supplier}：单位到岸成本更高（{cost}）。",
    ),
    ReasonCode.CAPACITY_EXHAUSTED: (
        "{supplier} not chosen: its stock and capacity in time are used by other lines.",
        "未选择 {supplier}：其库存和按时产能已用于其他行。",
    ),
    ReasonCode.TOO_LATE: (
        "{supplier} not chosen: it cannot arrive by the due time.",
        "未选择 {supplier}：无法在到期时间前送达。",
    ),
    ReasonCode.NO_ROUTE: (
        "{supplier} not chosen: no shipping lane to {destination}.",
        "未选择 {supplier}：没有到 {destination} 的运输线路。",
    ),
    ReasonCode.NO_CAPACITY: (
        "{supplier} not chosen: no stock and no production capacity for this part.",
        "未选择 {supplier}：此零件既无库存也无产能。",
    ),
    ReasonCode.MAX_SUPPLIERS_REACHED: (
        "{supplier} not chosen: the line already has the most suppliers the policy allows.",
        "未选择 {supplier}：此行的供应商数量已达政策上限。",
    ),
    ReasonCode.NO_OFFER: (
        "{quantity} unfilled: no supplier offers this part.",
        "{quantity} 未满足：没有供应商提供此零件。",
    ),
    ReasonCode.INSUFFICIENT_SUPPLY: (
        "{quantity} unfilled: all stock and capacity that arrives in time is used.",
        "{quantity} 未满足：所有能按时送达的库存和产能均已用完。",
    ),
    ReasonCode.PARTIAL_NOT_ALLOWED: (
        "{quantity} unfilled: the line must be filled completely and cannot be.",
        "{quantity} 未满足：此行必须整行满足，但无法满足。",
    ),
    ReasonCode.SPLIT_NOT_ALLOWED: (
        "{quantity} unfilled: the line cannot be split and no single shipment covers it.",
        "{quantity} 未满足：此行不可拆分，且没有单次发货能覆盖全部数量。",
    ),
    ReasonCode.UNECONOMIC: (
        "{quantity} unfilled: supplying it costs more than the shortage penalty.",
        "{quantity} 未满足：供应成本高于缺货罚金。",
    ),
}

_UNFILLED_TEXTS: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.TOO_LATE: (
        "{quantity} unfilled: no offer can arrive by the due time.",
        "{quantity} 未满足：没有报价能在到期时间前送达。",
    ),
    ReasonCode.NO_ROUTE: (
        "{quantity} unfilled: no supplier has a shipping lane to {destination}.",
        "{quantity} 未满足：没有供应商有到 {destination} 的运输线路。",
    ),
    ReasonCode.MAX_SUPPLIERS_REACHED: (
        "{quantity} unfilled: the suppliers the policy allows per line cannot cover it.",
        "{quantity} 未满足：政策允许的每行供应商数量无法满足此行。",
    ),
}

_COUNTERFACTUAL = {
    "unit_price_at_most": (
        " It would win at a unit price of at most {value} from {supplier}.",
        " 若 {supplier} 的单价不高于 {value}，它将胜出。",
    ),
    "unit_price_above": (
        " {supplier} would lose this line above a unit price of {value}.",
        " 若 {supplier} 的单价高于 {value}，它将失去此行。",
    ),
    "hours_earlier": (
        " It would be in time arriving {value} hours earlier.",
        " 若提前 {value} 小时送达，即可按时。",
    ),
    "more_quantity": (
        " {value} more units from {supplier} would change this.",
        " 若 {supplier} 再多 {value} 个单位，结果将改变。",
    ),
}


def money(micros: int) -> str:
    """Micros as a decimal amount, exact: 1234500000 -> '1234.5'."""
    sign = "-" if micros < 0 else ""
    whole, frac = divmod(abs(micros), 10**6)
    return f"{sign}{whole}.{frac:06d}".rstrip("0").rstrip(".")


def sentence(
    reason: ReasonCode, counterfactual: tuple[str, str, int] | None = None, *,
    supplier: str = "", quantity: object = "", source: str = "", cost: str = "",
    destination: str = "",
) -> tuple[str, str]:
    """(English, Chinese) for a reason; counterfactual is (kind, supplier, value)."""
    en_template, zh_template = _TEXTS[reason]
    en = en_template.format(supplier=supplier, quantity=quantity, cost=cost,
                            destination=destination, source=_SOURCE["en"].get(source, ""))
    zh = zh_template.format(supplier=supplier, quantity=quantity, cost=cost,
                            destination=destination, source=_SOURCE["zh"].get(source, ""))
    if counterfactual is not None:
        kind, who, value = counterfactual
        shown = money(value) if kind.startswith("unit_price") else str(value)
        en_cf, zh_cf = _COUNTERFACTUAL[kind]
        en += en_cf.format(supplier=who, value=shown)
        zh += zh_cf.format(supplier=who, value=shown)
    return en, zh


def unfilled_sentence(reason: ReasonCode, quantity: int, destination: str) -> tuple[str, str]:
    en, zh = _UNFILLED_TEXTS.get(reason, _TEXTS[reason])
    return (en.format(quantity=quantity, destination=destination),
            zh.format(quantity=quantity, destination=destination))
