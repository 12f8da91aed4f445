"""A small, realistic automotive supplier's books for demos and first runs.

A brake-and-chassis supplier with a plant in Ningbo (CN) and a consignment warehouse near
Wolfsburg (DE), shipping to OEM plants at Wolfsburg (DEWOB), Munich (DEMUC) and Shanghai
(CNSHA). The stock itself lives in `data/sample_stock.csv`, loaded like any `import-stock`
file; it includes a quarantined lot, a blocked lot and an expired lot, so the pool share
visibly leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from node.service import api
from node.stock_csv import read_stock_csv

CURRENCY = "EUR"


def _eur(amount: str) -> int:
    whole, _, cents = amount.partition(".")
    return int(whole) * 1_000_000 + int(cents.ljust(6, "0"))


PARTS: tuple[api.PartIn, ...] = tuple(
    api.PartIn(
        part_number=number,
        description=description,
        unit_of_measure="C62",
        lot_tracked=True,
        shelf_life_days=shelf_life_days,
        aliases=aliases,
        list_price_micros=_eur(list_price),
        currency=CURRENCY,
    )
    for number, description, shelf_life_days, aliases, list_price in (
        ("BRK-PAD-F-0451", "Front brake pad set, low-metallic, MQB", 1825, ("HB-451F",), "21.90"),
        (
            "BRK-DSC-F-0312",
            "Front brake disc 312 x 25 mm, vented, coated",
            None,
            ("HB-312V",),
            "45.50",
        ),
        (
            "WHB-G3-F-0620",
            "Wheel bearing hub unit, generation 3, front axle",
            None,
            ("WB-620",),
            "66.00",
        ),
        (
            "ECU-CON-40P-1138",
            "ECU connector housing, 40-pin, sealed IP67",
            730,
            ("EC-1138",),
            "3.20",
        ),
        ("WPR-MOT-12V-0207", "Front wiper motor 12 V with linkage", None, ("WM-207",), "54.00"),
        ("BRK-FLD-DOT4-1L", "Brake fluid DOT 4, 1 L bottle", 730, ("BF-DOT4",), "4.60"),
        ("HOS-COOL-U-0855", "Upper radiator coolant hose, EPDM", 1460, ("CH-855U",), "9.30"),
        ("ADH-PU-310ML", "Windscreen PU adhesive, 310 ml cartridge", 365, ("AD-310",), "11.40"),
    )
)

LOCATIONS: tuple[api.LocationIn, ...] = tuple(
    api.LocationIn(site_id=site, warehouse_id=warehouse, location_id=location)
    for site, warehouse, locations in (
        (
            "CN-NGB-P1",
            "NGB-FG",
            ("A-01", "A-02", "A-03", "B-01", "B-02", "C-01", "D-01", "D-02", "D-03"),
        ),
        ("CN-NGB-P1", "NGB-QA", ("01",)),
        ("DE-WOB-C1", "WOB-CONS", ("01",)),
    )
    for location in (f"{warehouse}-{suffix}" for suffix in locations)
)

# part -> configured safety stock (units); the pool share is 30 % of it, capped by stock.
SAFETY_STOCK: dict[str, int] = {
    "BRK-PAD-F-0451": 800,
    "BRK-DSC-F-0312": 400,
    "WHB-G3-F-0620": 300,
    "ECU-CON-40P-1138": 6000,
    "WPR-MOT-12V-0207": 200,
    "BRK-FLD-DOT4-1L": 1000,
    "HOS-COOL-U-0855": 500,
    "ADH-PU-310ML": 400,
}

# The supplier keeps its coolant hoses out of the pool (a single-customer part).
OPTED_OUT: tuple[str, ...] = ("HOS-COOL-U-0855",)

# part -> (units per day, production lead time in days, unit price for produced units)
CAPACITY: dict[str, tuple[int, int, str]] = {
    "BRK-PAD-F-0451": (400, 3, "19.80"),
    "BRK-DSC-F-0312": (150, 5, "41.00"),
    "WHB-G3-F-0620": (120, 7, "61.50"),
    "ECU-CON-40P-1138": (5000, 2, "2.90"),
    "WPR-MOT-12V-0207": (90, 6, "49.00"),
    "BRK-FLD-DOT4-1L": (2000, 2, "4.20"),
    "HOS-COOL-U-0855": (300, 4, "8.60"),
    "ADH-PU-310ML": (250, 10, "10.50"),
}

# UN/LOCODE of the OEM plant -> (cost per unit, fixed cost per shipment, transit hours)
LANES: dict[str, tuple[str, str, int]] = {
    "DEWOB": ("0.85", "420.00", 30),  # Volkswagen Wolfsburg, from the consignment warehouse
    "DEMUC": ("0.95", "450.00", 34),  # BMW Munich
    "CNSHA": ("0.12", "180.00", 6),  # Shanghai plants, by road from Ningbo
}


@dataclass(frozen=True)
class SampleLoaded:
    parts: int
    locations: int
    receipts: int


def sample_stock_csv() -> str:
    return resources.files("node.data").joinpath("sample_stock.csv").read_text(encoding="utf-8")


def load_master_data(service: api.NodeService) -> None:
    """Parts, locations, capacity and shipping lanes: what stock receipts need to exist."""
    for part in PARTS:
        service.upsert_part(part)
    for location in LOCATIONS:
        service.upsert_location(location)
    for number, (per_day, lead_days, price) in CAPACITY.items():
        service.set_capacity(number, per_day, lead_days, _eur(price), CURRENCY)
    for destination, (per_unit, fixed, hours) in LANES.items():
        service.set_shipping_lane(destination, _eur(per_unit), _eur(fixed), hours, CURRENCY)


def load_sample(service: api.NodeService, actor: str = "sample") -> SampleLoaded:
    """The whole sample: master data, opening stock (all rows or none), pool settings."""
    load_master_data(service)
    rows = read_stock_csv(sample_stock_csv(), source="sample_stock.csv", actor=actor)
    service.receive_many([row.receipt for row in rows])
    for number, quantity in SAFETY_STOCK.items():
        service.set_safety_stock(number, quantity)
    for number in OPTED_OUT:
        service.set_pool_policy(number, True)
    return SampleLoaded(parts=len(PARTS), locations=len(LOCATIONS), receipts=len(rows))
