"""The coordinator's gRPC client for one member's NodeService, over mutual TLS.

Protobuf stops here: callers get plain dataclasses, and gRPC failures become `NodeRefused`
(the node answered no: nothing was held) or `NodeUnavailable` (no answer: it may have acted).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import grpc
from alliance.v1 import audit_pb2, audit_pb2_grpc, node_pb2, node_pb2_grpc
from alliance.v1 import types_pb2 as types
from google.protobuf.timestamp_pb2 import Timestamp

from pool.pki import identity_host
from pool.tls import TlsFiles, channel_credentials

_DEFINITE_REFUSALS = {
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.PERMISSION_DENIED,
}

CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    # Reconnect quickly after a node restarts: the watch resumes from its sequence.
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2_000),
]


class NodeCallError(Exception):
    def __init__(self, member_id: str, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{member_id}: {code.name}: {message}")
        self.member_id = member_id
        self.code = code


class NodeRefused(NodeCallError):
    """The node answered and refused: it holds nothing for this request."""


class NodeNotFound(NodeRefused):
    """The node does not know the reservation (never made, or long gone)."""


class NodeUnavailable(NodeCallError):
    """No answer in time: the request may or may not have taken effect."""


@dataclass(frozen=True)
class NodeInfo:
    member_id: str
    member_name: str
    audit_public_key: bytes
    audit_log_origin: str


@dataclass(frozen=True)
class ShareData:
    part_number: str
    unit_of_measure: str
    contributed_quantity: int
    reserved_quantity: int
    free_quantity: int
    opted_out: bool


@dataclass(frozen=True)
class WatchEvent:
    sequence: int
    event_at_ms: int
    snapshot: tuple[ShareData, ...] | None  # a full snapshot replaces every cell
    change: ShareData | None


@dataclass(frozen=True)
class QuoteLineData:
    line_id: str
    part_number: str
    unit_of_measure: str
    stock_quantity: int
    producible_quantity: int
    unit_price_micros: int
    currency: str
    earliest_ship_at_ms: int
    capacity_per_day: int
    lead_time_days: int
    shipping_cost_per_unit_micros: int
    shipment_fixed_cost_micros: int
    transit_time_hours: int
    contributed_quantity: int
    shortfall_reason: str


@dataclass(frozen=True)
class ReserveLineData:
    line_id: str
    part_number: str
    quantity: int
    unit_of_measure: str
    source: str  # "stock" | "production"
    due_at_ms: int
    destination: str


@dataclass(frozen=True)
class ReceiptData:
    entry_hash: bytes
    leaf_index: int
    checkpoint: str
    signature: bytes
    statement: bytes = b""  # the signed statement's exact bytes


@dataclass(frozen=True)
class ReservationData:
    reservation_id: str
    state: str  # pending | confirmed | released | expired
    sales_order_number: str
    receipt: ReceiptData | None


_STATES = {
    types.RESERVATION_STATE_PENDING: "pending",
    types.RESERVATION_STATE_CONFIRMED: "confirmed",
    types.RESERVATION_STATE_RELEASED: "released",
    types.RESERVATION_STATE_EXPIRED: "expired",
}
_SOURCES = {"stock": types.SUPPLY_SOURCE_STOCK, "production": types.SUPPLY_SOURCE_PRODUCTION}


def _ts(ms: int) -> Timestamp:
    ts = Timestamp()
    ts.FromMilliseconds(ms)
    return ts


def _share(s: types.PoolShare) -> ShareData:
    return ShareData(
        s.part_number,
        s.unit_of_measure,
        s.contributed_quantity,
        s.reserved_quantity,
        s.free_quantity,
        s.opted_out,
    )


def _receipt(response: object) -> ReceiptData | None:
    if not response.HasField("receipt"):  # type: ignore[attr-defined]
        return None
    r = response.receipt  # type: ignore[attr-defined]
    if not (r.checkpoint or r.signature or r.entry_hash):
        return None
    return ReceiptData(
        bytes(r.entry_hash), r.leaf_index, r.checkpoint, bytes(r.signature), bytes(r.statement)
    )


def _reservation(reservation: node_pb2.Reservation, receipt: ReceiptData | None) -> ReservationData:
    return ReservationData(
        reservation.reservation_id,
        _STATES.get(reservation.state, "unknown"),
        reservation.sales_order_number,
        receipt,
    )


class ChannelFactory:
    """One channel per endpoint and identity, mTLS with the coordinator's certificate
    (insecure only when no TLS directory is configured: local experiments).

    With TLS the node must present a certificate issued to the identity the member was
    registered with: another member's certificate fails the handshake.
    """

    def __init__(self, tls: TlsFiles | None) -> None:
        self._credentials = channel_credentials(tls) if tls is not None else None
        self._channels: dict[tuple[str, str], grpc.Channel] = {}
        self._lock = threading.Lock()

    def channel(self, endpoint: str, identity: str) -> grpc.Channel:
        with self._lock:
            channel = self._channels.get((endpoint, identity))
            if channel is None:
                if self._credentials is None:
                    channel = grpc.insecure_channel(endpoint, options=CHANNEL_OPTIONS)
                else:
                    name = ("grpc.ssl_target_name_override", identity_host(identity, "node"))
                    channel = grpc.secure_channel(
                        endpoint, self._credentials, options=[*CHANNEL_OPTIONS, name]
                    )
                self._channels[(endpoint, identity)] = channel
            return channel

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


class NodeClient:
    def __init__(self, member_id: str, channel: grpc.Channel, deadline_s: float) -> None:
        self.member_id = member_id
        self._stub = node_pb2_grpc.NodeServiceStub(channel)
        self._audit = audit_pb2_grpc.AuditServiceStub(channel)
        self._deadline_s = deadline_s

    def _error(self, exc: grpc.RpcError) -> NodeCallError:
        code, details = exc.code(), exc.details() or ""  # type: ignore[attr-defined]
        if code == grpc.StatusCode.NOT_FOUND:
            return NodeNotFound(self.member_id, code, details)
        if code in _DEFINITE_REFUSALS:
            return NodeRefused(self.member_id, code, details)
        return NodeUnavailable(self.member_id, code, details)

    def node_info(self) -> NodeInfo:
        try:
            r = self._stub.GetNodeInfo(node_pb2.GetNodeInfoRequest(), timeout=self._deadline_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return NodeInfo(r.member_id, r.member_name, bytes(r.audit_public_key), r.audit_log_origin)

    def pool_shares(self) -> tuple[list[ShareData], int]:
        try:
            r = self._stub.GetPoolShares(node_pb2.GetPoolSharesRequest(), timeout=self._deadline_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return [_share(s) for s in r.pool_shares], r.sequence

    def watch(self, resume_after: int | None) -> tuple[Iterator[WatchEvent], grpc.Call]:
        request = node_pb2.WatchPoolSharesRequest()
        if resume_after is not None:
            request.resume_after_sequence = resume_after
        call = self._stub.WatchPoolShares(request)

        def events() -> Iterator[WatchEvent]:
            try:
                for r in call:
                    kind = r.WhichOneof("event")
                    snapshot = (
                        tuple(_share(s) for s in r.snapshot.pool_shares)
                        if kind == "snapshot"
                        else None
                    )
                    change = _share(r.change) if kind == "change" else None
                    yield WatchEvent(r.sequence, r.event_at.ToMilliseconds(), snapshot, change)
            except grpc.RpcError as exc:
                raise self._error(exc) from None

        return events(), call

    def quote(
        self, demand_id: str, lines: Sequence[ReserveLineData], timeout_s: float
    ) -> list[QuoteLineData]:
        request = node_pb2.QuoteRequest(
            demand_id=demand_id,
            lines=[
                types.DemandLine(
                    line_id=x.line_id,
                    part_number=x.part_number,
                    quantity=x.quantity,
                    unit_of_measure=x.unit_of_measure,
                    due_at=_ts(x.due_at_ms),
                    destination=x.destination,
                )
                for x in lines
            ],
        )
        try:
            r = self._stub.Quote(request, timeout=timeout_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return [
            QuoteLineData(
                q.line_id,
                q.part_number,
                q.unit_of_measure,
                q.stock_quantity,
                q.producible_quantity,
                q.unit_price_micros,
                q.currency,
                q.earliest_ship_at.ToMilliseconds() if q.HasField("earliest_ship_at") else 0,
                q.capacity_per_day,
                q.lead_time_days,
                q.shipping_cost_per_unit_micros,
                q.shipment_fixed_cost_micros,
                q.transit_time_hours,
                q.contributed_quantity,
                q.shortfall_reason,
            )
            for q in r.lines
        ]

    def reserve(
        self,
        reservation_id: str,
        plan_id: str,
        demand_id: str,
        lines: Sequence[ReserveLineData],
        ttl_s: int,
    ) -> ReservationData:
        request = node_pb2.ReserveRequest(
            reservation_id=reservation_id,
            plan_id=plan_id,
            demand_id=demand_id,
            ttl_seconds=ttl_s,
            lines=[
                node_pb2.ReserveLine(
                    line_id=x.line_id,
                    part_number=x.part_number,
                    quantity=x.quantity,
                    unit_of_measure=x.unit_of_measure,
                    source=_SOURCES[x.source],
                    due_at=_ts(x.due_at_ms),
                    destination=x.destination,
                )
                for x in lines
            ],
        )
        try:
            r = self._stub.Reserve(request, timeout=self._deadline_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return _reservation(r.reservation, _receipt(r))

    def confirm(self, reservation_id: str) -> ReservationData:
        try:
            r = self._stub.Confirm(
                node_pb2.ConfirmRequest(reservation_id=reservation_id), timeout=self._deadline_s
            )
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return _reservation(r.reservation, _receipt(r))

    def release(self, reservation_id: str, reason: str) -> ReservationData:
        try:
            r = self._stub.Release(
                node_pb2.ReleaseRequest(reservation_id=reservation_id, reason=reason),
                timeout=self._deadline_s,
            )
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return _reservation(r.reservation, _receipt(r))

    def get_reservation(self, reservation_id: str) -> ReservationData:
        try:
            r = self._stub.GetReservation(
                node_pb2.GetReservationRequest(reservation_id=reservation_id),
                timeout=self._deadline_s,
            )
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return _reservation(r.reservation, None)

    # --- the node's AuditService --------------------------------------------------------

    def audit_checkpoint(self) -> str:
        """The latest checkpoint the node signed over its log (a C2SP signed note)."""
        try:
            r = self._audit.GetCheckpoint(
                audit_pb2.GetCheckpointRequest(), timeout=self._deadline_s
            )
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return str(r.checkpoint)

    def consistency_proof(self, first_size: int, second_size: int) -> list[bytes]:
        request = audit_pb2.GetConsistencyProofRequest(
            first_tree_size=first_size, second_tree_size=second_size
        )
        try:
            r = self._audit.GetConsistencyProof(request, timeout=self._deadline_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return [bytes(h) for h in r.proof]

    def inclusion_proof(self, leaf_index: int, tree_size: int) -> list[bytes]:
        request = audit_pb2.GetInclusionProofRequest(leaf_index=leaf_index, tree_size=tree_size)
        try:
            r = self._audit.GetInclusionProof(request, timeout=self._deadline_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return [bytes(h) for h in r.proof]

    def cosigned_size(self, origin: str) -> int:
        """The size of log `origin` the node last cosigned (0: none yet)."""
        request = audit_pb2.GetCosignedCheckpointRequest(origin=origin)
        try:
            r = self._audit.GetCosignedCheckpoint(request, timeout=self._deadline_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return int(r.tree_size)

    def add_cosignature(self, cosigned_note: str) -> int:
        """Hand the node our cosignature on its checkpoint, for its own exports."""
        request = audit_pb2.AddCosignatureRequest(cosigned_checkpoint=cosigned_note)
        try:
            r = self._audit.AddCosignature(request, timeout=self._deadline_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return int(r.tree_size)

    def cosign_checkpoint(self, note: str, previous_size: int, proof: Sequence[bytes]) -> str:
        """The node's cosignature on our checkpoint, proven consistent from `previous_size`."""
        request = audit_pb2.CosignCheckpointRequest(
            checkpoint=note, previous_tree_size=previous_size, consistency_proof=list(proof)
        )
        try:
            r = self._audit.CosignCheckpoint(request, timeout=self._deadline_s)
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        return str(r.cosigned_checkpoint)
