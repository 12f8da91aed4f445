import datetime

from alliance.v1 import options_pb2 as _options_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SupplySource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUPPLY_SOURCE_UNSPECIFIED: _ClassVar[SupplySource]
    SUPPLY_SOURCE_STOCK: _ClassVar[SupplySource]
    SUPPLY_SOURCE_PRODUCTION: _ClassVar[SupplySource]

class QualityStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_STATUS_UNSPECIFIED: _ClassVar[QualityStatus]
    QUALITY_STATUS_RELEASED: _ClassVar[QualityStatus]
    QUALITY_STATUS_QUARANTINE: _ClassVar[QualityStatus]
    QUALITY_STATUS_BLOCKED: _ClassVar[QualityStatus]

class ReservationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESERVATION_STATE_UNSPECIFIED: _ClassVar[ReservationState]
    RESERVATION_STATE_PENDING: _ClassVar[ReservationState]
    RESERVATION_STATE_CONFIRMED: _ClassVar[ReservationState]
    RESERVATION_STATE_RELEASED: _ClassVar[ReservationState]
    RESERVATION_STATE_EXPIRED: _ClassVar[ReservationState]
SUPPLY_SOURCE_UNSPECIFIED: SupplySource
SUPPLY_SOURCE_STOCK: SupplySource
SUPPLY_SOURCE_PRODUCTION: SupplySource
QUALITY_STATUS_UNSPECIFIED: QualityStatus
QUALITY_STATUS_RELEASED: QualityStatus
QUALITY_STATUS_QUARANTINE: QualityStatus
QUALITY_STATUS_BLOCKED: QualityStatus
RESERVATION_STATE_UNSPECIFIED: ReservationState
RESERVATION_STATE_PENDING: ReservationState
RESERVATION_STATE_CONFIRMED: ReservationState
RESERVATION_STATE_RELEASED: ReservationState
RESERVATION_STATE_EXPIRED: ReservationState

class PoolShare(_message.Message):
    __slots__ = ("member_id", "part_number", "unit_of_measure", "safety_stock_quantity", "pool_fraction", "contributed_quantity", "reserved_quantity", "free_quantity", "opted_out", "updated_at")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    SAFETY_STOCK_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    POOL_FRACTION_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    RESERVED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    FREE_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    OPTED_OUT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    part_number: str
    unit_of_measure: str
    safety_stock_quantity: int
    pool_fraction: str
    contributed_quantity: int
    reserved_quantity: int
    free_quantity: int
    opted_out: bool
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., part_number: _Optional[str] = ..., unit_of_measure: _Optional[str] = ..., safety_stock_quantity: _Optional[int] = ..., pool_fraction: _Optional[str] = ..., contributed_quantity: _Optional[int] = ..., reserved_quantity: _Optional[int] = ..., free_quantity: _Optional[int] = ..., opted_out: _Optional[bool] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DemandLine(_message.Message):
    __slots__ = ("line_id", "part_number", "quantity", "unit_of_measure", "due_at", "destination")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_OF_MEASURE_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    due_at: _timestamp_pb2.Timestamp
    destination: str
    def __init__(self, line_id: _Optional[str] = ..., part_number: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_of_measure: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., destination: _Optional[str] = ...) -> None: ...

class LotPick(_message.Message):
    __slots__ = ("lot_number", "quantity", "expiry_date", "production_date")
    LOT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    PRODUCTION_DATE_FIELD_NUMBER: _ClassVar[int]
    lot_number: str
    quantity: int
    expiry_date: str
    production_date: str
    def __init__(self, lot_number: _Optional[str] = ..., quantity: _Optional[int] = ..., expiry_date: _Optional[str] = ..., production_date: _Optional[str] = ...) -> None: ...

class AuditReceipt(_message.Message):
    __slots__ = ("entry_hash", "leaf_index", "checkpoint", "signature", "statement")
    ENTRY_HASH_FIELD_NUMBER: _ClassVar[int]
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    entry_hash: bytes
    leaf_index: int
    checkpoint: str
    signature: bytes
    statement: bytes
    def __init__(self, entry_hash: _Optional[bytes] = ..., leaf_index: _Optional[int] = ..., checkpoint: _Optional[str] = ..., signature: _Optional[bytes] = ..., statement: _Optional[bytes] = ...) -> None: ...
