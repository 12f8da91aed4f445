"""`alliance.v1.NodeService`: what the alliance sees of a node. Thin: check, convert, call."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import grpc
from alliance.v1 import node_pb2, node_pb2_grpc

from node.domain.clock import Clock, SystemClock
from node.grpc import convert, errors
from node.grpc.watch import PoolShareFeed, WatcherFellBehind, changes_after
from node.service import api

MAX_PART_NUMBERS = 10_000


def check_part_numbers(part_numbers: Sequence[str]) -> tuple[str, ...]:
    if len(part_numbers) > MAX_PART_NUMBERS:
        raise api.InvalidInput(
            f"too many part_numbers: {len(part_numbers)}, at most {MAX_PART_NUMBERS}"
        )
    return tuple(part_numbers)


class NodeServicer(node_pb2_grpc.NodeServiceServicer):
    def __init__(
        self, service: api.NodeService, feed: PoolShareFeed, clock: Clock | None = None
    ) -> None:
        self._service = service
        self._feed = feed
        self._clock = clock or SystemClock()

    @errors.unary
    def GetNodeInfo(
        self, request: node_pb2.GetNodeInfoRequest, context: grpc.ServicerContext
    ) -> node_pb2.GetNodeInfoResponse:
        return convert.node_info(self._service.node_info(), self._clock.now_ms())

    @errors.unary
    def GetPoolShares(
        self, request: node_pb2.GetPoolSharesRequest, context: grpc.ServicerContext
    ) -> node_pb2.GetPoolSharesResponse:
        shares, sequence = self._service.pool_shares(check_part_numbers(request.part_numbers))
        return node_pb2.GetPoolSharesResponse(
            pool_shares=[convert.pool_share(s) for s in shares], sequence=sequence
        )

    @errors.streaming
    def WatchPoolShares(
        self, request: node_pb2.WatchPoolSharesRequest, context: grpc.ServicerContext
    ) -> Iterator[node_pb2.WatchPoolSharesResponse]:
        parts = check_part_numbers(request.part_numbers)
        resume = (
            request.resume_after_sequence if request.HasField("resume_after_sequence") else None
        )
        if resume is not None:
            last = self._service.last_sequence()
            if resume > last:
                raise errors.Refused(
                    grpc.StatusCode.OUT_OF_RANGE,
                    f"resume_after_sequence {resume} is beyond this node's last sequence {last}",
                )
        sub = self._feed.subscribe(parts)
        context.add_callback(sub.cancel)
        try:
            if resume is None:
                shares, after = self._service.pool_shares(parts)
                yield convert.watch_snapshot(shares, after, self._clock.now_ms())
            else:
                after = resume
            for event in changes_after(self._service, sub, after, parts):
                if event is None:
                    if not context.is_active():
                        return
                    continue
                yield convert.watch_change(event)
                after = event.sequence
            if self._feed.closed:
                raise errors.Refused(
                    grpc.StatusCode.UNAVAILABLE,
                    f"node is shutting down; resume with resume_after_sequence={after}",
                )
        except WatcherFellBehind as exc:
            raise errors.Refused(grpc.StatusCode.ABORTED, str(exc)) from exc
        finally:
            self._feed.unsubscribe(sub)

    @errors.unary
    def Quote(
        self, request: node_pb2.QuoteRequest, context: grpc.ServicerContext
    ) -> node_pb2.QuoteResponse:
        lines = [convert.demand_line(line, i) for i, line in enumerate(request.lines)]
        return convert.quote(self._service.quote(request.demand_id, lines))

    # Reserve is served natively on the aio alliance port: node/grpc/reserve_port.py.

    @errors.unary
    def Confirm(
        self, request: node_pb2.ConfirmRequest, context: grpc.ServicerContext
    ) -> node_pb2.ConfirmResponse:
        view = self._service.confirm(request.reservation_id)
        self._feed.notify_committed()
        return node_pb2.ConfirmResponse(
            reservation=convert.reservation(view), receipt=convert.audit_receipt(view)
        )

    @errors.unary
    def Release(
        self, request: node_pb2.ReleaseRequest, context: grpc.ServicerContext
    ) -> node_pb2.ReleaseResponse:
        reservation_id = request.reservation_id
        view = self._service.release(reservation_id, request.reason)
        self._feed.notify_committed()
        return node_pb2.ReleaseResponse(
            reservation=convert.reservation(view), receipt=convert.audit_receipt(view)
        )

    @errors.unary
    def GetReservation(
        self, request: node_pb2.GetReservationRequest, context: grpc.ServicerContext
    ) -> node_pb2.GetReservationResponse:
        view = self._service.get_reservation(request.reservation_id)
        return node_pb2.GetReservationResponse(reservation=convert.reservation(view))
