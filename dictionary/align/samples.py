"""Realistic ERP exports, built from public knowledge of each system, with the true mapping.

Used by the tests and by `make bench` to measure how often `suggest` proposes the right element.
Every row comes from one consistent set of facts, so cross-column identities hold as they do in
a real export (on hand = unrestricted + quality inspection + blocked; available = unrestricted -
reserved). Columns whose truth is None carry something the dictionary has no element for.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

Facts = dict[str, Any]
Make = Callable[[Facts], Any]


@dataclass(frozen=True)
class Export:
    name: str
    system: str
    columns: list[tuple[str, str | None, Make]]
    fmt: str = "csv"  # csv | xlsx
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | gbk
    delimiter: str = ","
    title: str | None = None  # a title line above the header, as hand-kept sheets have
    holdout: bool = False  # written after the synonym files were tuned; never tuned on

    @property
    def truth(self) -> dict[str, str | None]:
        return {header: element for header, element, _ in self.columns}

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.fmt}"


# --- facts ------------------------------------------------------------------------------------

PARTS = [
    ("BRK-4711", "Brake pad front axle", "刹车片 前轴", "C62", "ST", "Units", "Nos", "个"),
    ("8W0-615-301-A", "Brake disc ventilated", "通风刹车盘", "C62", "ST", "Units", "Nos", "件"),
    ("A0004203220", "Brake caliper seal kit", "制动钳密封套件", "SET", "SET", "Kit", "Set", "套"),
    ("55-1042-00", "O-ring 30x2 FKM", "O型密封圈 30x2", "C62", "ST", "Units", "Nos", "个"),
    ("HL-220-L", "Headlamp assembly left", "左前大灯总成", "C62", "ST", "Units", "Nos", "件"),
    ("GR-0815", "Grease lithium", "锂基润滑脂", "KGM", "KG", "kg", "Kg", "千克"),
    ("CB-16-BLK", "Cable 16 mm2 black", "黑色电缆 16平方", "MTR", "M", "m", "Meter", "米"),
    ("BLT-M8x25", "Bolt M8x25 10.9", "螺栓 M8x25", "C62", "ST", "Units", "Nos", "个"),
]
SITES = [("1000", "深圳工厂", "Werk Wolfsburg"), ("2000", "苏州工厂", "Werk Zwickau")]
WAREHOUSES = [
    ("0001", "原材料仓", "Stores - ACME", "WH"),
    ("0002", "成品仓", "Finished Goods - ACME", "WH2"),
    ("RM01", "备件仓", "Work In Progress - ACME", "WH3"),
]
USERS = ["MUELLER", "zhang.wei", "li.na", "SCHMIDT", "admin"]
CUSTOMERS = ["C-100042", "C-100077", "C-200013"]
SUPPLIERS = ["V-300011", "V-300045", "V-300102"]
MATERIAL_TYPES = ["FERT", "HALB", "ROH", "ERSA"]
MATERIAL_GROUPS = ["BRAKE", "LIGHT", "FASTEN", "CHEM"]


def gtin13(seed: int) -> str:
    body = f"400638{seed % 1_000_000:06d}"
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def facts(rng: random.Random, n: int) -> Facts:
    part, desc_en, desc_zh, uom, sap_uom, odoo_uom, erpnext_uom, zh_uom = rng.choice(PARTS)
    site = rng.choice(SITES)
    wh = rng.choice(WAREHOUSES)
    produced = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 420))
    shelf_life = rng.choice([180, 365, 730, 1095])
    unrestricted = rng.randrange(0, 5000)
    quarantine = rng.choice([0, 0, 0, rng.randrange(1, 300)])
    blocked = rng.choice([0, 0, 0, 0, rng.randrange(1, 100)])
    reserved = rng.randrange(0, unrestricted + 1) if rng.random() < 0.6 else 0
    on_order = rng.choice([0, rng.randrange(0, 2000)])
    cost = Decimal(rng.randrange(50, 250_000)) / 100
    movement = rng.choice([1, 1, -1]) * rng.randrange(1, 500)
    return {
        "n": n,
        "part": part,
        "desc_en": desc_en,
        "desc_zh": desc_zh,
        "uom": uom,
        "sap_uom": sap_uom,
        "odoo_uom": odoo_uom,
        "erpnext_uom": erpnext_uom,
        "zh_uom": zh_uom,
        "local": f"{rng.randrange(100000, 999999)}",
        "sap_matnr": f"{rng.randrange(10**7, 10**8):018d}",
        "gtin": gtin13(rng.randrange(10**6)),
        "site": site[0],
        "site_zh": site[1],
        "site_de": site[2],
        "wh": wh[0],
        "wh_zh": wh[1],
        "wh_erpnext": wh[2],
        "wh_odoo": wh[3],
        "bin": f"{rng.choice('ABCD')}-{rng.randrange(1, 20):02d}-{rng.randrange(1, 6):02d}",
        "lot_sap": f"{rng.randrange(1, 10**7):010d}",
        "lot": f"L{produced:%y%m}-{rng.randrange(1, 999):03d}",
        "lot_zh": f"{produced:%Y%m%d}-{rng.randrange(1, 99):02d}",
        "produced": produced,
        "expires": produced + timedelta(days=shelf_life),
        "shelf_life": shelf_life,
        "unrestricted": unrestricted,
        "quarantine": quarantine,
        "blocked": blocked,
        "on_hand": unrestricted + quarantine + blocked,
        "reserved": reserved,
        "available": unrestricted - reserved,
        "on_order": on_order,
        "projected": unrestricted + quarantine + blocked + on_order - reserved,
        "in_transit": rng.choice([0, 0, rng.randrange(1, 800)]),
        "safety": rng.randrange(0, 2000),
        "price": cost * Decimal("1.35"),
        "cost": cost,
        "currency": rng.choice(["EUR", "EUR", "CNY", "USD"]),
        "po": f"45000{rng.randrange(10000, 99999)}",
        "so": f"00100{rng.randrange(10000, 99999)}",
        "line": rng.randrange(1, 40) * 10,
        "qty": rng.randrange(1, 3000),
        "customer": rng.choice(CUSTOMERS),
        "supplier": rng.choice(SUPPLIERS),
        "lead_time": rng.randrange(1, 60),
        "delivery_time": rng.randrange(2, 90),
        "lot_tracked": rng.random() < 0.7,
        "status": rng.choice(["released"] * 6 + ["quarantine", "blocked"]),
        "movement": movement,
        "after": unrestricted,
        "posted": produced + timedelta(days=rng.randrange(0, 30)),
        "doc": f"49000{rng.randrange(10000, 99999)}",
        "user": rng.choice(USERS),
        "created": date(2019, 1, 1) + timedelta(days=rng.randrange(0, 2000)),
        "mtart": rng.choice(MATERIAL_TYPES),
        "matkl": rng.choice(MATERIAL_GROUPS),
        "weight": Decimal(rng.randrange(1, 5000)) / 1000,
        "service_level": rng.choice([90, 95, 97.5, 99]),
        "count_date": date(2025, 12, 31) - timedelta(days=rng.randrange(0, 300)),
        "note": rng.choice(["", "", "盘点差异已复核", "检验中", "客户退货", "ok"]),
        "value": cost * (unrestricted + quarantine + blocked),
    }


# --- cell formats -----------------------------------------------------------------------------


def de_num(value: Decimal | int, places: int = 3) -> str:
    """SAP GUI with German settings: 1.250,000; negatives with a trailing minus."""
    text = (
        f"{abs(Decimal(value)):,.{places}f}".replace(",", "X").replace(".", ",").replace("X", ".")
    )
    return text + ("-" if value < 0 else "")


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def f(key: str) -> Make:
    return lambda x: x[key]


def d(key: str, fmt: str) -> Make:
    return lambda x: x[key].strftime(fmt)


def yes(key: str, true: str, false: str) -> Make:
    return lambda x: true if x[key] else false


# --- the exports ------------------------------------------------------------------------------

SAP_STATUS = {"released": "", "quarantine": "Q", "blocked": "S"}
ZH_STATUS = {"released": "可用", "quarantine": "待检", "blocked": "冻结"}
ERPNEXT_VOUCHER = {1: "Purchase Receipt", -1: "Delivery Note"}

EXPORTS: list[Export] = [
    Export(
        "sap_mara",
        "SAP MARA (SE16N, technical names)",
        [
            ("MANDT", None, lambda x: "100"),
            ("MATNR", "part_number", f("part")),
            ("ERSDA", None, d("created", "%Y%m%d")),
            ("MTART", None, f("mtart")),
            ("MATKL", None, f("matkl")),
            ("MEINS", "unit_of_measure", f("sap_uom")),
            ("BISMT", "local_part_number", f("local")),
            ("EAN11", "gtin", f("gtin")),
            ("BRGEW", None, lambda x: de_num(x["weight"])),
            ("GEWEI", None, lambda x: "KG"),
            ("MHDHB", "shelf_life", f("shelf_life")),
            ("XCHPF", "lot_tracked", yes("lot_tracked", "X", "")),
            ("MAKTX", "part_description", f("desc_en")),
        ],
        delimiter=";",
    ),
    Export(
        "sap_marc",
        "SAP MARC (plant data)",
        [
            ("MATNR", "part_number", f("part")),
            ("WERKS", "site_id", f("site")),
            ("DISMM", None, lambda x: "PD"),
            ("DISPO", None, lambda x: "001"),
            ("EISBE", "safety_stock_quantity", lambda x: de_num(x["safety"])),
            ("MINBE", None, lambda x: de_num(x["safety"] // 2)),
            ("PLIFZ", "planned_delivery_time", f("delivery_time")),
            ("DZEIT", "production_lead_time", f("lead_time")),
            ("BESKZ", None, lambda x: "E"),
            ("LGRAD", "service_level", lambda x: de_num(Decimal(str(x["service_level"])), 1)),
            ("TRAME", "in_transit_quantity", lambda x: de_num(x["in_transit"])),
        ],
        delimiter=";",
    ),
    Export(
        "sap_mard_labels",
        "SAP MARD (field labels, German GUI)",
        [
            ("Material", "part_number", f("part")),
            ("Werk", "site_id", f("site")),
            ("Lagerort", "warehouse_id", f("wh")),
            ("Lagerplatz", "location_id", f("bin")),
            ("Frei verwendbar", "unrestricted_quantity", lambda x: de_num(x["unrestricted"])),
            ("Qualitätsprüfung", "quarantine_quantity", lambda x: de_num(x["quarantine"])),
            ("Gesperrt", "blocked_quantity", lambda x: de_num(x["blocked"])),
            ("Basismengeneinheit", "unit_of_measure", f("sap_uom")),
            ("Letzte Inventur", None, d("count_date", "%d.%m.%Y")),
            ("Gesamtwert", None, lambda x: de_num(x["value"], 2)),
        ],
        delimiter=";",
        encoding="utf-8-sig",
    ),
    Export(
        "sap_mchb",
        "SAP MCHB + MCH1 (batch stock)",
        [
            ("MATNR", "part_number", f("part")),
            ("WERKS", "site_id", f("site")),
            ("LGORT", "warehouse_id", f("wh")),
            ("CHARG", "lot_number", f("lot_sap")),
            ("CLABS", "unrestricted_quantity", lambda x: de_num(x["unrestricted"])),
            ("CINSM", "quarantine_quantity", lambda x: de_num(x["quarantine"])),
            ("CSPEM", "blocked_quantity", lambda x: de_num(x["blocked"])),
            ("ERSDA", None, d("created", "%d.%m.%Y")),
            ("HSDAT", "production_date", d("produced", "%d.%m.%Y")),
            ("VFDAT", "expiry_date", d("expires", "%d.%m.%Y")),
        ],
        delimiter="\t",
    ),
    Export(
        "sap_ekpo",
        "SAP EKPO (purchase order items)",
        [
            ("EBELN", "purchase_order_number", f("po")),
            ("EBELP", "document_line_number", f("line")),
            ("LOEKZ", None, lambda x: ""),
            ("TXZ01", "part_description", f("desc_en")),
            ("MATNR", "part_number", f("part")),
            ("WERKS", "site_id", f("site")),
            ("LGORT", "warehouse_id", f("wh")),
            ("MATKL", None, f("matkl")),
            ("MENGE", "order_quantity", lambda x: de_num(x["qty"])),
            ("MEINS", "unit_of_measure", f("sap_uom")),
            ("NETPR", "unit_cost", lambda x: de_num(x["cost"], 2)),
            ("PEINH", "price_unit_quantity", lambda x: "1"),
            ("WAERS", "currency_code", f("currency")),
            ("ELIKZ", None, lambda x: ""),
        ],
        delimiter=";",
    ),
    Export(
        "sap_vbap",
        "SAP VBAP (sales document items)",
        [
            ("VBELN", "sales_order_number", f("so")),
            ("POSNR", "document_line_number", lambda x: f"{x['line']:06d}"),
            ("MATNR", "part_number", f("part")),
            ("ARKTX", "part_description", f("desc_en")),
            ("PSTYV", None, lambda x: "TAN"),
            ("ABGRU", None, lambda x: ""),
            ("KWMENG", "order_quantity", lambda x: de_num(x["qty"])),
            ("VRKME", "unit_of_measure", f("sap_uom")),
            ("NETPR", "unit_price", lambda x: de_num(x["price"], 2)),
            ("WAERK", "currency_code", f("currency")),
            ("KPEIN", "price_unit_quantity", lambda x: "1"),
            ("WERKS", "site_id", f("site")),
            ("ERDAT", None, d("posted", "%d.%m.%Y")),
        ],
        delimiter=";",
    ),
    Export(
        "odoo_stock_quant",
        "Odoo stock.quant (export with field labels)",
        [
            ("Product/Internal Reference", "part_number", f("part")),
            ("Product", "part_description", lambda x: f"[{x['part']}] {x['desc_en']}"),
            ("Location", "location_id", lambda x: f"{x['wh_odoo']}/Stock/{x['bin']}"),
            ("Lot/Serial Number", "lot_number", f("lot")),
            ("Quantity", "quantity_on_hand", lambda x: f"{x['on_hand']:.2f}"),
            ("Reserved Quantity", "reserved_quantity", lambda x: f"{x['reserved']:.2f}"),
            ("Unit of Measure", "unit_of_measure", f("odoo_uom")),
            ("Company", None, lambda x: "ACME Automotive GmbH"),
            ("Inventoried Quantity", None, lambda x: "0.00"),
            ("Last Count Date", None, d("count_date", "%Y-%m-%d")),
        ],
    ),
    Export(
        "odoo_stock_lot",
        "Odoo stock.lot (technical names)",
        [
            ("name", "lot_number", f("lot")),
            ("product_id/default_code", "part_number", f("part")),
            ("expiration_date", "expiry_date", d("expires", "%Y-%m-%d 00:00:00")),
            (
                "use_date",
                None,
                lambda x: (x["expires"] - timedelta(days=30)).strftime("%Y-%m-%d 00:00:00"),
            ),
            (
                "removal_date",
                None,
                lambda x: (x["expires"] - timedelta(days=10)).strftime("%Y-%m-%d 00:00:00"),
            ),
            (
                "alert_date",
                None,
                lambda x: (x["expires"] - timedelta(days=60)).strftime("%Y-%m-%d 00:00:00"),
            ),
            ("product_qty", "quantity_on_hand", lambda x: f"{x['on_hand']:.1f}"),
            ("ref", None, lambda x: ""),
            ("company_id", None, lambda x: "ACME Automotive GmbH"),
            ("create_date", None, d("created", "%Y-%m-%d %H:%M:%S")),
        ],
    ),
    Export(
        "odoo_product",
        "Odoo product.template (export with field labels)",
        [
            ("Internal Reference", "part_number", f("part")),
            ("Name", "part_description", f("desc_en")),
            ("Barcode", "gtin", f("gtin")),
            ("Sales Price", "unit_price", lambda x: money(x["price"])),
            ("Cost", "unit_cost", lambda x: money(x["cost"])),
            ("Unit of Measure", "unit_of_measure", f("odoo_uom")),
            ("Product Type", None, lambda x: "Storable Product"),
            ("Product Category", None, lambda x: f"All / Saleable / {x['matkl'].title()}"),
            ("Tracking", "lot_tracked", yes("lot_tracked", "By Lots", "No Tracking")),
            ("Expiration Time", "shelf_life", f("shelf_life")),
            ("Manufacturing Lead Time", "production_lead_time", f("lead_time")),
            ("Weight", None, lambda x: f"{x['weight']}"),
            ("Can be Sold", None, lambda x: "True"),
            ("Customer Lead Time", None, lambda x: "0.0"),
        ],
        fmt="xlsx",
    ),
    Export(
        "erpnext_bin",
        "ERPNext Bin (report export)",
        [
            ("item_code", "part_number", f("part")),
            ("warehouse", "warehouse_id", f("wh_erpnext")),
            ("actual_qty", "quantity_on_hand", lambda x: f"{x['on_hand']}.0"),
            ("reserved_qty", "reserved_quantity", lambda x: f"{x['reserved']}.0"),
            ("ordered_qty", "on_order_quantity", lambda x: f"{x['on_order']}.0"),
            ("indented_qty", None, lambda x: "0.0"),
            ("planned_qty", None, lambda x: "0.0"),
            ("projected_qty", "projected_quantity", lambda x: f"{x['projected']}.0"),
            ("reserved_qty_for_production", None, lambda x: "0.0"),
            ("stock_uom", "unit_of_measure", f("erpnext_uom")),
            ("valuation_rate", "unit_cost", lambda x: money(x["cost"])),
            ("stock_value", None, lambda x: money(x["value"])),
        ],
    ),
    Export(
        "erpnext_item",
        "ERPNext Item",
        [
            ("item_code", "part_number", f("part")),
            ("item_name", "part_description", f("desc_en")),
            ("item_group", None, lambda x: "Products"),
            ("stock_uom", "unit_of_measure", f("erpnext_uom")),
            ("has_batch_no", "lot_tracked", yes("lot_tracked", "1", "0")),
            ("shelf_life_in_days", "shelf_life", f("shelf_life")),
            ("safety_stock", "safety_stock_quantity", lambda x: f"{x['safety']}.0"),
            ("lead_time_days", "production_lead_time", f("lead_time")),
            ("standard_rate", "unit_price", lambda x: money(x["price"])),
            ("valuation_rate", "unit_cost", lambda x: money(x["cost"])),
            ("is_stock_item", None, lambda x: "1"),
            ("disabled", None, lambda x: "0"),
            ("barcode", "gtin", f("gtin")),
        ],
    ),
    Export(
        "erpnext_batch",
        "ERPNext Batch",
        [
            ("batch_id", "lot_number", f("lot")),
            ("item", "part_number", f("part")),
            ("manufacturing_date", "production_date", d("produced", "%Y-%m-%d")),
            ("expiry_date", "expiry_date", d("expires", "%Y-%m-%d")),
            ("batch_qty", "quantity_on_hand", lambda x: f"{x['on_hand']}.0"),
            ("stock_uom", "unit_of_measure", f("erpnext_uom")),
            ("supplier", "supplier_id", f("supplier")),
            ("reference_doctype", None, lambda x: "Purchase Receipt"),
            ("reference_name", None, lambda x: f"MAT-PRE-2025-{x['n']:05d}"),
            ("disabled", None, lambda x: "0"),
        ],
    ),
    Export(
        "erpnext_stock_ledger",
        "ERPNext Stock Ledger Entry",
        [
            ("posting_date", "posting_date", d("posted", "%Y-%m-%d")),
            ("posting_time", None, lambda x: "10:15:00"),
            ("item_code", "part_number", f("part")),
            ("warehouse", "warehouse_id", f("wh_erpnext")),
            ("batch_no", "lot_number", f("lot")),
            ("actual_qty", "movement_quantity", lambda x: f"{x['movement']}.0"),
            ("qty_after_transaction", "quantity_on_hand", lambda x: f"{x['after']}.0"),
            ("valuation_rate", "unit_cost", lambda x: money(x["cost"])),
            ("stock_value", None, lambda x: money(x["value"])),
            (
                "voucher_type",
                "movement_type",
                lambda x: ERPNEXT_VOUCHER[1 if x["movement"] > 0 else -1],
            ),
            ("voucher_no", "document_number", lambda x: f"MAT-DN-2025-{x['n']:05d}"),
            ("company", None, lambda x: "ACME"),
        ],
    ),
    Export(
        "kingdee_inventory",
        "Kingdee Cloud Galaxy 即时库存 (UTF-8 with BOM)",
        [
            ("库存组织", "site_id", f("site_zh")),
            ("物料编码", "part_number", f("part")),
            ("物料名称", "part_description", f("desc_zh")),
            ("规格型号", None, lambda x: x["desc_zh"].split()[-1]),
            ("仓库", "warehouse_id", f("wh_zh")),
            ("仓位", "location_id", f("bin")),
            ("批号", "lot_number", f("lot_zh")),
            ("生产日期", "production_date", d("produced", "%Y/%m/%d")),
            ("有效期至", "expiry_date", d("expires", "%Y/%m/%d")),
            ("库存量(基本单位)", "quantity_on_hand", f("on_hand")),
            ("预留量", "reserved_quantity", f("reserved")),
            ("可用量", "available_quantity", lambda x: x["on_hand"] - x["reserved"]),
            ("基本单位", "unit_of_measure", f("zh_uom")),
            ("库存状态", "quality_status", lambda x: ZH_STATUS[x["status"]]),
            ("货主", None, lambda x: "深圳某汽车零部件有限公司"),
        ],
        encoding="utf-8-sig",
    ),
    Export(
        "yonyou_onhand",
        "Yonyou U8 现存量查询 (GBK)",
        [
            ("仓库编码", "warehouse_id", f("wh")),
            ("仓库名称", None, f("wh_zh")),
            ("存货编码", "part_number", f("part")),
            ("存货名称", "part_description", f("desc_zh")),
            ("存货分类", None, lambda x: "汽车零部件"),
            ("主计量单位", "unit_of_measure", f("zh_uom")),
            ("批号", "lot_number", f("lot_zh")),
            ("生产日期", "production_date", d("produced", "%Y-%m-%d")),
            ("失效日期", "expiry_date", d("expires", "%Y-%m-%d")),
            ("现存数量", "quantity_on_hand", f("on_hand")),
            ("冻结数量", "blocked_quantity", f("blocked")),
            ("在途数量", "in_transit_quantity", f("in_transit")),
            (
                "可用数量",
                "available_quantity",
                lambda x: x["unrestricted"] + x["quarantine"] - x["reserved"],
            ),
            ("预留数量", "reserved_quantity", f("reserved")),
            ("货位", "location_id", f("bin")),
            ("安全库存", "safety_stock_quantity", f("safety")),
            ("金额", None, lambda x: money(x["value"])),
        ],
        encoding="gbk",
    ),
    Export(
        "messy_stock_sheet",
        "Hand-kept stock sheet (XLSX, pinyin abbreviations, title row)",
        [
            ("料号", "part_number", f("part")),
            ("品名", "part_description", f("desc_zh")),
            ("PH", "lot_number", f("lot_zh")),
            (
                "SCRQ",
                "production_date",
                lambda x: x["produced"] if x["n"] % 3 else x["produced"].strftime("%Y/%m/%d"),
            ),
            ("YXQ", "expiry_date", lambda x: datetime.combine(x["expires"], datetime.min.time())),
            ("KCSL", "quantity_on_hand", f("on_hand")),
            ("DW", "unit_of_measure", f("zh_uom")),
            ("库位", "warehouse_id", f("wh_zh")),
            ("备注", None, f("note")),
            ("经手人", None, lambda x: x["user"] if x["n"] % 2 else "王师傅"),
            ("", None, lambda x: None),
        ],
        fmt="xlsx",
        title="2025年12月 库存盘点表",
    ),
    Export(
        "wms_export",
        "A warehouse system's stock list (available excludes only blocked)",
        [
            ("Item", "part_number", f("part")),
            ("Bin", "location_id", f("bin")),
            ("Batch", "lot_number", f("lot")),
            ("On hand", "quantity_on_hand", lambda x: x["unrestricted"] + x["blocked"]),
            ("Reserved", "reserved_quantity", f("reserved")),
            ("Blocked", "blocked_quantity", f("blocked")),
            ("Available", "unrestricted_quantity", f("unrestricted")),
            ("UoM", "unit_of_measure", lambda x: "PCS" if x["uom"] == "C62" else x["sap_uom"]),
            ("Exp. date", "expiry_date", d("expires", "%m/%d/%Y")),
            ("Zone", None, lambda x: x["bin"][0]),
            ("Last movement", None, d("posted", "%m/%d/%Y")),
        ],
    ),
    Export(
        "messy_purchase_csv",
        "A buyer's spreadsheet of open orders (semicolons, comma decimals)",
        [
            ("PO #", "purchase_order_number", f("po")),
            ("Pos.", "document_line_number", f("line")),
            ("Vendor", "supplier_id", f("supplier")),
            ("Part no.", "part_number", f("part")),
            ("Description", "part_description", f("desc_en")),
            ("Qty ordered", "order_quantity", f("qty")),
            ("Price (EUR)", "unit_cost", lambda x: f"{x['cost']:.2f}".replace(".", ",")),
            ("Currency", "currency_code", f("currency")),
            (
                "Lead time (weeks)",
                "planned_delivery_time",
                lambda x: max(1, x["delivery_time"] // 7),
            ),
            ("Buyer", None, f("user")),
            ("Comments", None, lambda x: "urgent" if x["n"] % 7 == 0 else ""),
        ],
        delimiter=";",
    ),
    # Written after the synonym files were tuned on the exports above, and never tuned on.
    Export(
        "holdout_yonyou_inventory_master",
        "Yonyou 存货档案 (GB18030)",
        [
            ("存货代码", "part_number", f("part")),
            ("存货全称", "part_description", f("desc_zh")),
            ("计量单位组", None, lambda x: "基本计量单位组"),
            ("计量单位", "unit_of_measure", f("zh_uom")),
            ("保质期天数", "shelf_life", f("shelf_life")),
            ("条形码", "gtin", f("gtin")),
            ("参考成本", "unit_cost", lambda x: money(x["cost"])),
            ("启用日期", None, d("created", "%Y-%m-%d")),
            ("是否批次管理", "lot_tracked", yes("lot_tracked", "是", "否")),
            ("最高库存", None, lambda x: x["safety"] * 3),
            ("安全库存量", "safety_stock_quantity", f("safety")),
        ],
        encoding="gbk",
        holdout=True,
    ),
    Export(
        "holdout_us_inventory",
        "A US distributor's inventory report",
        [
            ("Item #", "part_number", f("part")),
            ("Item Description", "part_description", f("desc_en")),
            ("Lot #", "lot_number", f("lot")),
            ("Mfg. Date", "production_date", d("produced", "%m/%d/%Y")),
            ("Expiration", "expiry_date", d("expires", "%m/%d/%Y")),
            ("Warehouse", "warehouse_id", f("wh")),
            ("Location", "location_id", f("bin")),
            ("QOH", "quantity_on_hand", f("on_hand")),
            ("Allocated", "reserved_quantity", f("reserved")),
            ("Avail.", "available_quantity", f("available")),
            ("U/M", "unit_of_measure", lambda x: "EA" if x["uom"] == "C62" else x["sap_uom"]),
            ("Std Cost", "unit_cost", lambda x: f"{x['cost']:,.2f}"),
            ("Ext. Value", None, lambda x: f"{x['value']:,.2f}"),
            ("Vendor", "supplier_id", f("supplier")),
            ("Last Count", None, d("count_date", "%m/%d/%Y")),
        ],
        holdout=True,
    ),
    Export(
        "holdout_sap_mard_technical",
        "SAP MARD with table prefixes",
        [
            ("MARD-MATNR", "part_number", f("part")),
            ("MARD-WERKS", "site_id", f("site")),
            ("MARD-LGORT", "warehouse_id", f("wh")),
            ("MARD-LABST", "unrestricted_quantity", lambda x: de_num(x["unrestricted"])),
            ("MARD-INSME", "quarantine_quantity", lambda x: de_num(x["quarantine"])),
            ("MARD-SPEME", "blocked_quantity", lambda x: de_num(x["blocked"])),
            ("MARD-LGPBE", "location_id", f("bin")),
            ("MARD-LVORM", None, lambda x: ""),
            ("MARD-DISKZ", None, lambda x: ""),
            ("MARD-ERSDA", None, d("created", "%Y%m%d")),
        ],
        delimiter=";",
        holdout=True,
    ),
]


def by_name(name: str) -> Export:
    return next(e for e in EXPORTS if e.name == name)


def rows(export: Export, count: int, seed: int = 7) -> Iterator[list[Any]]:
    rng = random.Random(f"{export.name}:{seed}")
    for n in range(1, count + 1):
        x = facts(rng, n)
        yield [make(x) for _, _, make in export.columns]


def write(export: Export, directory: Path, count: int = 200, seed: int = 7) -> Path:
    """Writes the export as its system would: format, encoding, delimiter, title line."""
    path = directory / export.filename
    header = [h for h, _, _ in export.columns]
    if export.fmt == "xlsx":
        _write_xlsx(export, path, header, count, seed)
    else:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=export.delimiter, lineterminator="\r\n")
        if export.title:
            writer.writerow([export.title])
        writer.writerow(header)
        writer.writerows([_text(c) for c in row] for row in rows(export, count, seed))
        path.write_bytes(buffer.getvalue().encode(export.encoding))
    return path


def _write_xlsx(export: Export, path: Path, header: list[str], count: int, seed: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    if export.title:
        sheet.append([export.title])
    sheet.append(header)
    for row in rows(export, count, seed):
        sheet.append([float(c) if isinstance(c, Decimal) else c for c in row])
    book.save(path)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


@dataclass
class Accuracy:
    """How `suggest` did on a set of exports."""

    mapped_total: int = 0
    mapped_right: int = 0
    unmapped_total: int = 0
    unmapped_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1(self) -> float:
        return self.mapped_right / self.mapped_total if self.mapped_total else 1.0

    @property
    def unmapped(self) -> float:
        return self.unmapped_right / self.unmapped_total if self.unmapped_total else 1.0

    def add(self, export: Export, proposed: dict[str, str | None]) -> None:
        for column, truth in export.truth.items():
            got = proposed.get(column)
            if truth is None:
                self.unmapped_total += 1
                self.unmapped_right += got is None
            else:
                self.mapped_total += 1
                self.mapped_right += got == truth
            if got != truth:
                self.misses.append(f"{export.name}: {column!r} -> {got} (truth {truth})")
