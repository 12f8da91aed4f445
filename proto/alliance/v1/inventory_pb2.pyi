import datetime

from alliance.v1 import options_pb2 as _options_pb2
from alliance.v1 import types_pb2 as _types_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MovementType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MOVEMENT_TYPE_UNSPECIFIED: _ClassVar[MovementType]
    MOVEMENT_TYPE_PURCHASE_RECEIPT: _ClassVar[MovementType]
    MOVEMENT_TYPE_SALES_ISSUE: _ClassVar[MovementType]
    MOVEMENT_TYPE_TRANSFER: _ClassVar[MovementType]
    MOVEMENT_TYPE_ADJUSTMENT: _ClassVar[MovementType]
    MOVEMENT_TYPE_COUNT_CORRECTION: _ClassVar[MovementType]
MOVEMENT_TYPE_UNSPECIFIED: MovementType
MOVEMENT_TYPE_PURCHASE_RECEIPT: MovementType
MOVEMENT_TYPE_SALES_ISSUE: MovementType
MOVEMENT_TYPE_TRANSFER: MovementType
MOVEMENT_TYPE_ADJUSTMENT: MovementType
MOVEMENT_TYPE_COUNT_CORRECTION: MovementType

class UpsertPartRequest(_message.Message):
    __slots__ = ("part_number", "description", "unit_of_measure", "lot_tracked", "shelf_life_days", "aliases", "gtin", "list_price_micros", "currency")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    LOT_TRACKED_FIELD_NUMBER: _ClassVar[int]
    SHELF_LIFE_DAYS_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    GTIN_FIELD_NUMBER: _ClassVar[int]
    LIST_PRICE_MICROS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    description: str
    unit_of_measure: str
    lot_tracked: bool
    shelf_life_days: int
    aliases: _containers.RepeatedScalarFieldContainer[str]
    gtin: str
    list_price_micros: int
    currency: str
    def __init__(self, part_number: _Optional[str] = ..., description: _Optional[str] = ..., unit_of_measure: _Optional[str] = ..., lot_tracked: _Optional[bool] = ..., shelf_life_days: _Optional[int] = ..., aliases: _Optional[_Iterable[str]] = ..., gtin: _Optional[str] = ..., list_price_micros: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class UpsertPartResponse(_message.Message):
    __slots__ = ("part_number",)
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    def __init__(self, part_number: _Optional[str] = ...) -> None: ...

class UpsertLocationRequest(_message.Message):
    __slots__ = ("site_id", "warehouse_id", "location_id")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    warehouse_id: str
    location_id: str
    def __init__(self, site_id: _Optional[str] = ..., warehouse_id: _Optional[str] = ..., location_id: _Optional[str] = ...) -> None: ...

class UpsertLocationResponse(_message.Message):
    __slots__ = ("location_id",)
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    location_id: str
    def __init__(self, location_id: _Optional[str] = ...) -> None: ...

class Movement(_message.Message):
    __slots__ = ("movement_id", "type", "part_number", "lot_number", "location_id", "quantity_delta", "booked_at", "actor", "reason", "document_number")
    MOVEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_DELTA_FIELD_NUMBER: _ClassVar[int]
    BOOKED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    movement_id: str
    type: MovementType
    part_number: str
    lot_number: str
    location_id: str
    quantity_delta: int
    booked_at: _timestamp_pb2.Timestamp
    actor: str
    reason: str
    document_number: str
    def __init__(self, movement_id: _Optional[str] = ..., type: _Optional[_Union[MovementType, str]] = ..., part_number: _Optional[str] = ..., lot_number: _Optional[str] = ..., location_id: _Optional[str] = ..., quantity_delta: _Optional[int] = ..., booked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., document_number: _Optional[str] = ...) -> None: ...

class ReceivePurchaseRequest(_message.Message):
    __slots__ = ("movement_id", "purchase_order_number", "part_number", "quantity", "unit_of_measure", "location_id", "lot_number", "production_date", "expiry_date", "unit_cost_micros", "currency", "actor", "quality_status")
    MOVEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PRODUCTION_DATE_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    UNIT_COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    QUALITY_STATUS_FIELD_NUMBER: _ClassVar[int]
    movement_id: str
    purchase_order_number: str
    part_number: str
    quantity: int
    unit_of_measure: str
    location_id: str
    lot_number: str
    production_date: str
    expiry_date: str
    unit_cost_micros: int
    currency: str
    actor: str
    quality_status: _types_pb2.QualityStatus
    def __init__(self, movement_id: _Optional[str] = ..., purchase_order_number: _Optional[str] = ..., part_number: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_of_measure: _Optional[str] = ..., location_id: _Optional[str] = ..., lot_number: _Optional[str] = ..., production_date: _Optional[str] = ..., expiry_date: _Optional[str] = ..., unit_cost_micros: _Optional[int] = ..., currency: _Optional[str] = ..., actor: _Optional[str] = ..., quality_status: _Optional[_Union[_types_pb2.QualityStatus, str]] = ...) -> None: ...

class ReceivePurchaseResponse(_message.Message):
    __slots__ = ("movements", "payable_micros", "moving_average_cost_micros")
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    PAYABLE_MICROS_FIELD_NUMBER: _ClassVar[int]
    MOVING_AVERAGE_COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    payable_micros: int
    moving_average_cost_micros: int
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ..., payable_micros: _Optional[int] = ..., moving_average_cost_micros: _Optional[int] = ...) -> None: ...

class ShipSalesRequest(_message.Message):
    __slots__ = ("movement_id", "sales_order_number", "customer_id", "part_number", "quantity", "unit_of_measure", "unit_price_micros", "currency", "actor")
    MOVEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SALES_ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_MICROS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    movement_id: str
    sales_order_number: str
    customer_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    unit_price_micros: int
    currency: str
    actor: str
    def __init__(self, movement_id: _Optional[str] = ..., sales_order_number: _Optional[str] = ..., customer_id: _Optional[str] = ..., part_number: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_of_measure: _Optional[str] = ..., unit_price_micros: _Optional[int] = ..., currency: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class ShipSalesResponse(_message.Message):
    __slots__ = ("movements", "receivable_micros", "cost_of_goods_sold_micros")
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    RECEIVABLE_MICROS_FIELD_NUMBER: _ClassVar[int]
    COST_OF_GOODS_SOLD_MICROS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    receivable_micros: int
    cost_of_goods_sold_micros: int
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ..., receivable_micros: _Optional[int] = ..., cost_of_goods_sold_micros: _Optional[int] = ...) -> None: ...

class TransferRequest(_message.Message):
    __slots__ = ("movement_id", "part_number", "lot_number", "from_location_id", "to_location_id", "quantity", "actor")
    MOVEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FROM_LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    TO_LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    movement_id: str
    part_number: str
    lot_number: str
    from_location_id: str
    to_location_id: str
    quantity: int
    actor: str
    def __init__(self, movement_id: _Optional[str] = ..., part_number: _Optional[str] = ..., lot_number: _Optional[str] = ..., from_location_id: _Optional[str] = ..., to_location_id: _Optional[str] = ..., quantity: _Optional[int] = ..., actor: _Optional[str] = ...) -> None: ...

class TransferResponse(_message.Message):
    __slots__ = ("movements",)
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ...) -> None: ...

class CountStockRequest(_message.Message):
    __slots__ = ("movement_id", "part_number", "lot_number", "location_id", "counted_quantity", "actor")
    MOVEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    movement_id: str
    part_number: str
    lot_number: str
    location_id: str
    counted_quantity: int
    actor: str
    def __init__(self, movement_id: _Optional[str] = ..., part_number: _Optional[str] = ..., lot_number: _Optional[str] = ..., location_id: _Optional[str] = ..., counted_quantity: _Optional[int] = ..., actor: _Optional[str] = ...) -> None: ...

class CountStockResponse(_message.Message):
    __slots__ = ("movements",)
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ...) -> None: ...

class SetLotQualityRequest(_message.Message):
    __slots__ = ("part_number", "lot_number", "quality_status", "actor")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUALITY_STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    lot_number: str
    quality_status: _types_pb2.QualityStatus
    actor: str
    def __init__(self, part_number: _Optional[str] = ..., lot_number: _Optional[str] = ..., quality_status: _Optional[_Union[_types_pb2.QualityStatus, str]] = ..., actor: _Optional[str] = ...) -> None: ...

class SetLotQualityResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetSafetyStockRequest(_message.Message):
    __slots__ = ("part_number", "quantity", "formula")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    FORMULA_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    quantity: int
    formula: SafetyStockFormula
    def __init__(self, part_number: _Optional[str] = ..., quantity: _Optional[int] = ..., formula: _Optional[_Union[SafetyStockFormula, _Mapping]] = ...) -> None: ...

class SafetyStockFormula(_message.Message):
    __slots__ = ("service_level", "history_days")
    SERVICE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    HISTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    service_level: str
    history_days: int
    def __init__(self, service_level: _Optional[str] = ..., history_days: _Optional[int] = ...) -> None: ...

class SetSafetyStockResponse(_message.Message):
    __slots__ = ("pool_share", "explanation")
    POOL_SHARE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    pool_share: _types_pb2.PoolShare
    explanation: str
    def __init__(self, pool_share: _Optional[_Union[_types_pb2.PoolShare, _Mapping]] = ..., explanation: _Optional[str] = ...) -> None: ...

class SetCapacityRequest(_message.Message):
    __slots__ = ("part_number", "capacity_per_day", "lead_time_days", "unit_price_micros", "currency")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    LEAD_TIME_DAYS_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_MICROS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    capacity_per_day: int
    lead_time_days: int
    unit_price_micros: int
    currency: str
    def __init__(self, part_number: _Optional[str] = ..., capacity_per_day: _Optional[int] = ..., lead_time_days: _Optional[int] = ..., unit_price_micros: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class SetCapacityResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetPoolPolicyRequest(_message.Message):
    __slots__ = ("part_number", "opted_out")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    OPTED_OUT_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    opted_out: bool
    def __init__(self, part_number: _Optional[str] = ..., opted_out: _Optional[bool] = ...) -> None: ...

class SetPoolPolicyResponse(_message.Message):
    __slots__ = ("pool_share",)
    POOL_SHARE_FIELD_NUMBER: _ClassVar[int]
    pool_share: _types_pb2.PoolShare
    def __init__(self, pool_share: _Optional[_Union[_types_pb2.PoolShare, _Mapping]] = ...) -> None: ...

class SetShippingLaneRequest(_message.Message):
    __slots__ = ("destination", "shipping_cost_per_unit_micros", "shipment_fixed_cost_micros", "transit_time_hours", "currency")
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_COST_PER_UNIT_MICROS_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_FIXED_COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    TRANSIT_TIME_HOURS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    destination: str
    shipping_cost_per_unit_micros: int
    shipment_fixed_cost_micros: int
    transit_time_hours: int
    currency: str
    def __init__(self, destination: _Optional[str] = ..., shipping_cost_per_unit_micros: _Optional[int] = ..., shipment_fixed_cost_micros: _Optional[int] = ..., transit_time_hours: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class SetShippingLaneResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetStockRequest(_message.Message):
    __slots__ = ("part_numbers",)
    PART_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    part_numbers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, part_numbers: _Optional[_Iterable[str]] = ...) -> None: ...

class StockBalance(_message.Message):
    __slots__ = ("part_number", "lot_number", "location_id", "quantity_on_hand", "quality_status", "expiry_date")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOCATION_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_ON_HAND_FIELD_NUMBER: _ClassVar[int]
    QUALITY_STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    lot_number: str
    location_id: str
    quantity_on_hand: int
    quality_status: _types_pb2.QualityStatus
    expiry_date: str
    def __init__(self, part_number: _Optional[str] = ..., lot_number: _Optional[str] = ..., location_id: _Optional[str] = ..., quantity_on_hand: _Optional[int] = ..., quality_status: _Optional[_Union[_types_pb2.QualityStatus, str]] = ..., expiry_date: _Optional[str] = ...) -> None: ...

class PartPosition(_message.Message):
    __slots__ = ("part_number", "unit_of_measure", "quantity_on_hand", "available_quantity", "reserved_quantity", "blocked_quantity", "expired_quantity", "moving_average_cost_micros", "pool_share", "balances")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_ON_HAND_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    RESERVED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    MOVING_AVERAGE_COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    POOL_SHARE_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    unit_of_measure: str
    quantity_on_hand: int
    available_quantity: int
    reserved_quantity: int
    blocked_quantity: int
    expired_quantity: int
    moving_average_cost_micros: int
    pool_share: _types_pb2.PoolShare
    balances: _containers.RepeatedCompositeFieldContainer[StockBalance]
    def __init__(self, part_number: _Optional[str] = ..., unit_of_measure: _Optional[str] = ..., quantity_on_hand: _Optional[int] = ..., available_quantity: _Optional[int] = ..., reserved_quantity: _Optional[int] = ..., blocked_quantity: _Optional[int] = ..., expired_quantity: _Optional[int] = ..., moving_average_cost_micros: _Optional[int] = ..., pool_share: _Optional[_Union[_types_pb2.PoolShare, _Mapping]] = ..., balances: _Optional[_Iterable[_Union[StockBalance, _Mapping]]] = ...) -> None: ...

class GetStockResponse(_message.Message):
    __slots__ = ("parts",)
    PARTS_FIELD_NUMBER: _ClassVar[int]
    parts: _containers.RepeatedCompositeFieldContainer[PartPosition]
    def __init__(self, parts: _Optional[_Iterable[_Union[PartPosition, _Mapping]]] = ...) -> None: ...

class ReconcileRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReconcileResponse(_message.Message):
    __slots__ = ("balanced", "mismatches", "movements_checked")
    BALANCED_FIELD_NUMBER: _ClassVar[int]
    MISMATCHES_FIELD_NUMBER: _ClassVar[int]
    MOVEMENTS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    balanced: bool
    mismatches: _containers.RepeatedScalarFieldContainer[str]
    movements_checked: int
    def __init__(self, balanced: _Optional[bool] = ..., mismatches: _Optional[_Iterable[str]] = ..., movements_checked: _Optional[int] = ...) -> None: ...
