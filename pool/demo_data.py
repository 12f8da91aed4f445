"""A seeded, deterministic automotive-parts alliance for `alliance demo`, its test and the bench.

Twelve suppliers (China, Germany, Japan, Korea, USA) carry about forty parts between them:
every part is carried by several suppliers with their own stock, safety stock (30 % of it
pooled), production capacity, lead time, prices, lots and shipping lanes to OEM plants named
by UN/LOCODE. The same seed always gives the same books and the same urgent order.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from node.service import api

CURRENCY = "EUR"
SEED = 20260611
MICROS = 1_000_000


@dataclass(frozen=True)
class Supplier:
    member_id: str
    name: str
    country: str  # ISO 3166 alpha-2
    site_id: str  # its plant, named after the UN/LOCODE of the town
    specialties: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    part_number: str
    description: str
    family: str
    list_price_micros: int
    shelf_life_days: int | None
    volume: int  # typical safety stock of one supplier, in units


SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("S01", "Huadong Brake Systems Co., Ltd.", "CN", "CN-NGB-P1", ("brake", "fluid")),
    Supplier("S02", "Zhejiang Lianfa Bearing Co., Ltd.", "CN", "CN-HGH-P1", ("chassis", "brake")),
    Supplier(
        "S03", "Shenzhen Kaida Auto Electronics Co.", "CN", "CN-SZX-P1", ("electric", "sensor")
    ),
    Supplier("S04", "Bremsenwerk Hannover GmbH", "DE", "DE-HAJ-P1", ("brake", "chassis")),
    Supplier("S05", "Schwaben Kugellager AG", "DE", "DE-STR-P1", ("chassis", "engine")),
    Supplier("S06", "Elektrotechnik Leipzig GmbH", "DE", "DE-LEJ-P1", ("electric", "body")),
    Supplier("S07", "Chubu Seiki Co., Ltd.", "JP", "JP-NGO-P1", ("engine", "sensor", "brake")),
    Supplier("S08", "Kansai Wiper Systems K.K.", "JP", "JP-OSA-P1", ("body", "electric")),
    Supplier("S09", "Hanbit Auto Parts Co., Ltd.", "KR", "KR-USN-P1", ("chassis", "body", "fluid")),
    Supplier("S10", "Daeyang Precision Co., Ltd.", "KR", "KR-ICN-P1", ("electric", "engine")),
    Supplier("S11", "Great Lakes Brake Corp.", "US", "US-DET-P1", ("brake", "fluid", "engine")),
    Supplier("S12", "Ohio Valley Bearing Inc.", "US", "US-CVG-P1", ("chassis", "sensor", "body")),
)


def _part(
    number: str, description: str, family: str, price: str, life: int | None, volume: int
) -> Part:
    whole, _, cents = price.partition(".")
    return Part(
        number, description, family, int(whole) * MICROS + int(cents.ljust(6, "0")), life, volume
    )


PARTS: tuple[Part, ...] = (
    _part("BRK-PAD-F-0451", "Front brake pad set, low-metallic", "brake", "21.90", 1825, 800),
    _part("BRK-PAD-R-0452", "Rear brake pad set, ceramic", "brake", "18.40", 1825, 700),
    _part("BRK-DSC-F-0312", "Front brake disc 312 x 25 mm, vented", "brake", "45.50", None, 400),
    _part("BRK-DSC-R-0272", "Rear brake disc 272 x 10 mm, solid", "brake", "29.80", None, 400),
    _part("BRK-CAL-F-L-0610", "Front brake caliper, left, 1-piston", "brake", "88.00", None, 150),
    _part("BRK-CAL-F-R-0611", "Front brake caliper, right, 1-piston", "brake", "88.00", None, 150),
    _part("BRK-HOS-F-0205", "Front brake hose, 420 mm", "brake", "7.90", 2555, 600),
    _part("BRK-EPB-ACT-0930", "Electric parking brake actuator", "brake", "96.00", None, 120),
    _part("BRK-FLD-DOT4-1L", "Brake fluid DOT 4, 1 L bottle", "fluid", "4.60", 730, 1000),
    _part("FLD-COOL-G12-5L", "Coolant G12evo concentrate, 5 L", "fluid", "17.20", 1095, 600),
    _part("ADH-PU-310ML", "Windscreen PU adhesive, 310 ml", "fluid", "11.40", 365, 400),
    _part("WHB-G3-F-0620", "Wheel bearing hub unit, gen 3, front", "chassis", "66.00", None, 300),
    _part("WHB-G2-R-0540", "Wheel bearing kit, gen 2, rear", "chassis", "38.50", None, 300),
    _part("SUS-SHK-F-0718", "Front shock absorber, twin-tube", "chassis", "52.00", None, 250),
    _part("SUS-SPR-F-0330", "Front coil spring", "chassis", "24.00", None, 300),
    _part("STR-TRE-0415", "Tie rod end, outer", "chassis", "14.60", None, 500),
    _part("SUS-BJT-0390", "Ball joint, lower control arm", "chassis", "19.90", None, 400),
    _part("SUS-ARM-F-L-0812", "Front lower control arm, left", "chassis", "71.00", None, 150),
    _part("DRV-CVJ-O-0260", "CV joint kit, outer, 27 teeth", "chassis", "58.00", None, 200),
    _part("ECU-CON-40P-1138", "ECU connector housing, 40-pin, IP67", "electric", "3.20", 730, 6000),
    _part("ECU-CON-64P-1164", "ECU connector housing, 64-pin, IP67", "electric", "4.90", 730, 4000),
    _part("ELC-RLY-12V-0040", "Micro relay 12 V 40 A", "electric", "1.80", None, 5000),
    _part("WHN-DOR-L-2210", "Door wiring harness, front left", "electric", "34.00", None, 300),
    _part("ELC-ALT-14V-150A", "Alternator 14 V 150 A", "electric", "165.00", None, 80),
    _part("ELC-STR-12V-1K4", "Starter motor 12 V 1.4 kW", "electric", "139.00", None, 80),
    _part("LMP-LED-HL-0711", "LED headlamp module, low beam", "electric", "118.00", None, 100),
    _part("SEN-ABS-F-0131", "ABS wheel speed sensor, front", "sensor", "16.80", None, 600),
    _part("SEN-O2-UP-0258", "Lambda sensor, upstream, wideband", "sensor", "49.00", None, 250),
    _part("SEN-CKP-0261", "Crankshaft position sensor", "sensor", "22.50", None, 300),
    _part("SEN-TPMS-433", "TPMS valve sensor 433 MHz", "sensor", "27.00", 2190, 500),
    _part("SEN-PRK-US-0263", "Parking sensor, ultrasonic", "sensor", "18.90", None, 400),
    _part("WPR-MOT-12V-0207", "Front wiper motor 12 V with linkage", "body", "54.00", None, 200),
    _part("WPR-BLD-650", "Flat wiper blade 650 mm", "body", "9.50", 1460, 800),
    _part("WIN-REG-F-L-0401", "Window regulator, front left, electric", "body", "42.00", None, 200),
    _part("DOR-LCK-ACT-0508", "Door lock actuator, front right", "body", "31.00", None, 250),
    _part("FLT-CAB-0105", "Cabin air filter, activated carbon", "body", "8.90", 1825, 900),
    _part("ENG-WPM-0707", "Water pump with gasket", "engine", "47.00", None, 200),
    _part("ENG-THR-0087", "Thermostat housing with sensor", "engine", "28.00", None, 250),
    _part("ENG-IGN-COIL-0221", "Ignition coil, pencil type", "engine", "26.50", None, 500),
    _part("ENG-SPK-IR-0014", "Spark plug, iridium", "engine", "6.40", None, 3000),
    _part("ENG-FLT-OIL-0150", "Oil filter, spin-on", "engine", "5.20", 1825, 2000),
    _part("ENG-TBK-0399", "Timing belt kit with tensioner", "engine", "84.00", None, 120),
)

# OEM plants the automaker's urgent order ships to (UN/LOCODE) and where they are.
PLANTS: dict[str, str] = {
    "DEWOB": "DE",  # Wolfsburg
    "DEMUC": "DE",  # Munich
    "CNSHA": "CN",  # Shanghai
    "USDET": "US",  # Detroit
    "JPNGO": "JP",  # Nagoya
    "KRUSN": "KR",  # Ulsan
}

# (supplier country, plant country) -> transit hours; within a country a day or so by road.
_TRANSIT_H: dict[frozenset[str], int] = {
    frozenset({"CN"}): 18,
    frozenset({"DE"}): 12,
    frozenset({"JP"}): 14,
    frozenset({"KR"}): 10,
    frozenset({"US"}): 20,
    frozenset({"CN", "KR"}): 40,
    frozenset({"CN", "JP"}): 44,
    frozenset({"JP", "KR"}): 36,
    frozenset({"CN", "DE"}): 60,
    frozenset({"CN", "US"}): 64,
    frozenset({"DE", "US"}): 40,
    frozenset({"DE", "JP"}): 62,
    frozenset({"DE", "KR"}): 60,
    frozenset({"JP", "US"}): 48,
    frozenset({"KR", "US"}): 50,
}
# Rough labour-cost and quality premium by country, in per cent of list price.
_PRICE_PCT: dict[str, int] = {"CN": 82, "KR": 92, "US": 104, "JP": 108, "DE": 112}


@dataclass(frozen=True)
class Carried:
    """One supplier's terms for one part."""

    part: Part
    safety_stock: int
    lots: tuple[tuple[str, int, date, api.QualityStatus], ...]  # lot, quantity, produced, quality
    unit_cost_micros: int
    capacity_per_day: int
    lead_time_days: int
    unit_price_micros: int


@dataclass(frozen=True)
class Books:
    supplier: Supplier
    carried: tuple[Carried, ...]
    lanes: dict[str, tuple[int, int, int]]  # plant -> (cost per unit, fixed cost, transit hours)

    @property
    def location_id(self) -> str:
        return f"{self.supplier.site_id}-FG-01"

    @property
    def quarantine_location_id(self) -> str:
        return f"{self.supplier.site_id}-QA-01"


def _carriers(rng: random.Random) -> dict[str, list[Part]]:
    """Which supplier carries which parts: 3 to 6 per part, specialists first."""
    carried: dict[str, list[Part]] = {s.member_id: [] for s in SUPPLIERS}
    for part in PARTS:
        specialists = [s for s in SUPPLIERS if part.family in s.specialties]
        others = [s for s in SUPPLIERS if part.family not in s.specialties]
        count = rng.randint(3, 6)
        chosen = rng.sample(specialists, min(count, len(specialists)))
        chosen += rng.sample(others, max(0, count - len(chosen)))
        for supplier in chosen:
            carried[supplier.member_id].append(part)
    return carried


def _terms(rng: random.Random, supplier: Supplier, part: Part, today: date) -> Carried:
    safety_stock = max(10, round(part.volume * rng.uniform(0.6, 1.6) / 10) * 10)
    price = part.list_price_micros * _PRICE_PCT[supplier.country] // 100
    price = price * rng.randint(92, 108) // 100
    lots = []
    on_hand = int(safety_stock * rng.uniform(0.7, 2.5))
    for i in range(rng.randint(1, 3)):
        produced = today - timedelta(days=rng.randint(5, 160))
        quantity = on_hand // (i + 2) if i < 2 else on_hand // 4
        quality = (
            api.QualityStatus.QUARANTINE if rng.random() < 0.08 else api.QualityStatus.RELEASED
        )
        lot = (
            f"{supplier.member_id}-{part.part_number.split('-')[-1]}-{produced:%y%m%d}{chr(65 + i)}"
        )
        lots.append((lot, max(1, quantity), produced, quality))
    return Carried(
        part=part,
        safety_stock=safety_stock,
        lots=tuple(lots),
        unit_cost_micros=price * 70 // 100,
        capacity_per_day=max(5, safety_stock * rng.randint(15, 60) // 100),
        lead_time_days=rng.randint(2, 9),
        unit_price_micros=price * rng.randint(92, 99) // 100,  # produced to order: no storage
    )


def _lanes(rng: random.Random, supplier: Supplier) -> dict[str, tuple[int, int, int]]:
    lanes = {}
    for plant, country in PLANTS.items():
        hours = _TRANSIT_H[frozenset({supplier.country, country})] + rng.randint(0, 6)
        per_unit = (hours * 18_000) * rng.randint(90, 110) // 100  # ~0.02 EUR per unit-hour
        fixed = (150 + hours * 9) * MICROS
        lanes[plant] = (per_unit, fixed, hours)
    return lanes


def alliance_books(seed: int = SEED, today: date | None = None) -> list[Books]:
    """Every supplier's books; the same seed gives the same books (dates move with `today`)."""
    today = today or date.today()
    rng = random.Random(seed)
    carriers = _carriers(rng)
    return [
        Books(
            supplier,
            tuple(_terms(rng, supplier, part, today) for part in carriers[supplier.member_id]),
            _lanes(rng, supplier),
        )
        for supplier in SUPPLIERS
    ]


def load_books(service: api.NodeService, books: Books, actor: str = "demo-seed") -> int:
    """Master data, opening stock, pool settings, capacity and lanes; returns receipts booked."""
    site = books.supplier.site_id
    service.upsert_location(api.LocationIn(site, f"{site}-FG", books.location_id))
    service.upsert_location(api.LocationIn(site, f"{site}-QA", books.quarantine_location_id))
    receipts = []
    for c in books.carried:
        p = c.part
        service.upsert_part(
            api.PartIn(
                p.part_number,
                p.description,
                "C62",
                True,
                p.shelf_life_days,
                list_price_micros=p.list_price_micros,
                currency=CURRENCY,
            )
        )
        for lot, quantity, produced, quality in c.lots:
            quarantined = quality is api.QualityStatus.QUARANTINE
            receipts.append(
                api.ReceiptIn(
                    movement_id=str(
                        uuid.uuid5(
                            uuid.NAMESPACE_URL, f"{books.supplier.member_id}/{p.part_number}/{lot}"
                        )
                    ),
                    purchase_order_number=f"PO-{produced:%Y}-{lot[-7:]}",
                    part_number=p.part_number,
                    quantity=quantity,
                    unit_of_measure="C62",
                    location_id=books.quarantine_location_id if quarantined else books.location_id,
                    lot_number=lot,
                    unit_cost_micros=c.unit_cost_micros,
                    currency=CURRENCY,
                    actor=actor,
                    production_date=produced,
                    quality_status=quality,
                )
            )
    service.receive_many(receipts)
    for c in books.carried:
        service.set_safety_stock(c.part.part_number, c.safety_stock)
        service.set_capacity(
            c.part.part_number, c.capacity_per_day, c.lead_time_days, c.unit_price_micros, CURRENCY
        )
    for plant, (per_unit, fixed, hours) in books.lanes.items():
        service.set_shipping_lane(plant, per_unit, fixed, hours, CURRENCY)
    return len(receipts)


@dataclass(frozen=True)
class OrderLine:
    part_number: str
    quantity: int
    destination: str
    due_in_h: int


def urgent_order(books: list[Books], lines: int = 50, seed: int = SEED) -> list[OrderLine]:
    """An automaker's line-down order: mostly coverable from the pool, some lines only by
    production, a few that nobody can meet in time."""
    rng = random.Random(seed + 1)
    pooled: dict[str, int] = {}
    for b in books:
        for c in b.carried:
            pooled[c.part.part_number] = (
                pooled.get(c.part.part_number, 0) + c.safety_stock * 3 // 10
            )
    parts = sorted(pooled)
    order = []
    for i in range(lines):
        part = parts[i % len(parts)] if i < len(parts) else rng.choice(parts)
        share = rng.choice((0.1, 0.2, 0.3, 0.4, 0.6, 0.9, 1.3))
        quantity = max(1, int(pooled[part] * share / (2 if i >= len(parts) else 1)))
        due_in_h = rng.choice((30, 48, 72, 96, 120)) if i % 17 else 20  # a few impossible
        order.append(OrderLine(part, quantity, rng.choice(sorted(PLANTS)), due_in_h))
    return order
