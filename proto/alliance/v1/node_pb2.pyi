import datetime

from alliance.v1 import options_pb2 as _options_pb2
from alliance.v1 import types_pb2 as _types_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetNodeInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetNodeInfoResponse(_message.Message):
    __slots__ = ("member_id", "member_name", "dictionary_version", "capabilities", "audit_public_key", "node_time", "audit_log_origin")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_NAME_FIELD_NUMBER: _ClassVar[int]
    DICTIONARY_VERSION_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    AUDIT_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    NODE_TIME_FIELD_NUMBER: _ClassVar[int]
    AUDIT_LOG_ORIGIN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    member_name: str
    dictionary_version: str
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    audit_public_key: bytes
    node_time: _timestamp_pb2.Timestamp
    audit_log_origin: str
    def __init__(self, member_id: _Optional[str] = ..., member_name: _Optional[str] = ..., dictionary_version: _Optional[str] = ..., capabilities: _Optional[_Iterable[str]] = ..., audit_public_key: _Optional[bytes] = ..., node_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., audit_log_origin: _Optional[str] = ...) -> None: ...

class GetPoolSharesRequest(_message.Message):
    __slots__ = ("part_numbers",)
    PART_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    part_numbers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, part_numbers: _Optional[_Iterable[str]] = ...) -> None: ...

class GetPoolSharesResponse(_message.Message):
    __slots__ = ("pool_shares", "sequence")
    POOL_SHARES_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    pool_shares: _containers.RepeatedCompositeFieldContainer[_types_pb2.PoolShare]
    sequence: int
    def __init__(self, pool_shares: _Optional[_Iterable[_Union[_types_pb2.PoolShare, _Mapping]]] = ..., sequence: _Optional[int] = ...) -> None: ...

class WatchPoolSharesRequest(_message.Message):
    __slots__ = ("part_numbers", "resume_after_sequence")
    PART_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    part_numbers: _containers.RepeatedScalarFieldContainer[str]
    resume_after_sequence: int
    def __init__(self, part_numbers: _Optional[_Iterable[str]] = ..., resume_after_sequence: _Optional[int] = ...) -> None: ...

class WatchPoolSharesResponse(_message.Message):
    __slots__ = ("sequence", "event_at", "snapshot", "change")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_AT_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    event_at: _timestamp_pb2.Timestamp
    snapshot: PoolShareSnapshot
    change: _types_pb2.PoolShare
    def __init__(self, sequence: _Optional[int] = ..., event_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., snapshot: _Optional[_Union[PoolShareSnapshot, _Mapping]] = ..., change: _Optional[_Union[_types_pb2.PoolShare, _Mapping]] = ...) -> None: ...

class PoolShareSnapshot(_message.Message):
    __slots__ = ("pool_shares",)
    POOL_SHARES_FIELD_NUMBER: _ClassVar[int]
    pool_shares: _containers.RepeatedCompositeFieldContainer[_types_pb2.PoolShare]
    def __init__(self, pool_shares: _Optional[_Iterable[_Union[_types_pb2.PoolShare, _Mapping]]] = ...) -> None: ...

class QuoteRequest(_message.Message):
    __slots__ = ("demand_id", "lines")
    DEMAND_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    demand_id: str
    lines: _containers.RepeatedCompositeFieldContainer[_types_pb2.DemandLine]
    def __init__(self, demand_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[_types_pb2.DemandLine, _Mapping]]] = ...) -> None: ...

class QuoteLine(_message.Message):
    __slots__ = ("line_id", "part_number", "unit_of_measure", "stock_quantity", "producible_quantity", "unit_price_micros", "currency", "earliest_ship_at", "lots", "capacity_per_day", "lead_time_days", "shipping_cost_per_unit_micros", "shipment_fixed_cost_micros", "transit_time_hours", "contributed_quantity", "shortfall_reason")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    STOCK_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRODUCIBLE_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_MICROS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EARLIEST_SHIP_AT_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    LEAD_TIME_DAYS_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_COST_PER_UNIT_MICROS_FIELD_NUMBER: _ClassVar[int]
    SHIPMENT_FIXED_COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    TRANSIT_TIME_HOURS_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SHORTFALL_REASON_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    part_number: str
    unit_of_measure: str
    stock_quantity: int
    producible_quantity: int
    unit_price_micros: int
    currency: str
    earliest_ship_at: _timestamp_pb2.Timestamp
    lots: _containers.RepeatedCompositeFieldContainer[_types_pb2.LotPick]
    capacity_per_day: int
    lead_time_days: int
    shipping_cost_per_unit_micros: int
    shipment_fixed_cost_micros: int
    transit_time_hours: int
    contributed_quantity: int
    shortfall_reason: str
    def __init__(self, line_id: _Optional[str] = ..., part_number: _Optional[str] = ..., unit_of_measure: _Optional[str] = ..., stock_quantity: _Optional[int] = ..., producible_quantity: _Optional[int] = ..., unit_price_micros: _Optional[int] = ..., currency: _Optional[str] = ..., earliest_ship_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lots: _Optional[_Iterable[_Union[_types_pb2.LotPick, _Mapping]]] = ..., capacity_per_day: _Optional[int] = ..., lead_time_days: _Optional[int] = ..., shipping_cost_per_unit_micros: _Optional[int] = ..., shipment_fixed_cost_micros: _Optional[int] = ..., transit_time_hours: _Optional[int] = ..., contributed_quantity: _Optional[int] = ..., shortfall_reason: _Optional[str] = ...) -> None: ...

class QuoteResponse(_message.Message):
    __slots__ = ("member_id", "demand_id", "lines", "quoted_at")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DEMAND_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    QUOTED_AT_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    demand_id: str
    lines: _containers.RepeatedCompositeFieldContainer[QuoteLine]
    quoted_at: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., demand_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[QuoteLine, _Mapping]]] = ..., quoted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReserveLine(_message.Message):
    __slots__ = ("line_id", "part_number", "quantity", "unit_of_measure", "source", "due_at", "destination")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    source: _types_pb2.SupplySource
    due_at: _timestamp_pb2.Timestamp
    destination: str
    def __init__(self, line_id: _Optional[str] = ..., part_number: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_of_measure: _Optional[str] = ..., source: _Optional[_Union[_types_pb2.SupplySource, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., destination: _Optional[str] = ...) -> None: ...

class ReserveRequest(_message.Message):
    __slots__ = ("reservation_id", "plan_id", "demand_id", "lines", "ttl_seconds")
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    DEMAND_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    plan_id: str
    demand_id: str
    lines: _containers.RepeatedCompositeFieldContainer[ReserveLine]
    ttl_seconds: int
    def __init__(self, reservation_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., demand_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[ReserveLine, _Mapping]]] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class ReservedLine(_message.Message):
    __slots__ = ("line_id", "part_number", "quantity", "unit_of_measure", "source", "lots", "unit_price_micros", "currency")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_MICROS_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    source: _types_pb2.SupplySource
    lots: _containers.RepeatedCompositeFieldContainer[_types_pb2.LotPick]
    unit_price_micros: int
    currency: str
    def __init__(self, line_id: _Optional[str] = ..., part_number: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_of_measure: _Optional[str] = ..., source: _Optional[_Union[_types_pb2.SupplySource, str]] = ..., lots: _Optional[_Iterable[_Union[_types_pb2.LotPick, _Mapping]]] = ..., unit_price_micros: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class Reservation(_message.Message):
    __slots__ = ("reservation_id", "plan_id", "demand_id", "member_id", "state", "lines", "created_at", "expires_at", "state_changed_at", "sales_order_number")
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    DEMAND_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    SALES_ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    plan_id: str
    demand_id: str
    member_id: str
    state: _types_pb2.ReservationState
    lines: _containers.RepeatedCompositeFieldContainer[ReservedLine]
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    state_changed_at: _timestamp_pb2.Timestamp
    sales_order_number: str
    def __init__(self, reservation_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., demand_id: _Optional[str] = ..., member_id: _Optional[str] = ..., state: _Optional[_Union[_types_pb2.ReservationState, str]] = ..., lines: _Optional[_Iterable[_Union[ReservedLine, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sales_order_number: _Optional[str] = ...) -> None: ...

class ReserveResponse(_message.Message):
    __slots__ = ("reservation", "receipt")
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    receipt: _types_pb2.AuditReceipt
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ..., receipt: _Optional[_Union[_types_pb2.AuditReceipt, _Mapping]] = ...) -> None: ...

class ConfirmRequest(_message.Message):
    __slots__ = ("reservation_id",)
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    def __init__(self, reservation_id: _Optional[str] = ...) -> None: ...

class ConfirmResponse(_message.Message):
    __slots__ = ("reservation", "receipt")
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    receipt: _types_pb2.AuditReceipt
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ..., receipt: _Optional[_Union[_types_pb2.AuditReceipt, _Mapping]] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ("reservation_id", "reason")
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    reason: str
    def __init__(self, reservation_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReleaseResponse(_message.Message):
    __slots__ = ("reservation", "receipt")
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    receipt: _types_pb2.AuditReceipt
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ..., receipt: _Optional[_Union[_types_pb2.AuditReceipt, _Mapping]] = ...) -> None: ...

class GetReservationRequest(_message.Message):
    __slots__ = ("reservation_id",)
    RESERVATION_ID_FIELD_NUMBER: _ClassVar[int]
    reservation_id: str
    def __init__(self, reservation_id: _Optional[str] = ...) -> None: ...

class GetReservationResponse(_message.Message):
    __slots__ = ("reservation",)
    RESERVATION_FIELD_NUMBER: _ClassVar[int]
    reservation: Reservation
    def __init__(self, reservation: _Optional[_Union[Reservation, _Mapping]] = ...) -> None: ...
