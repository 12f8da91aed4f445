"""Translate the node's use-case errors into gRPC status codes at the edge.

A `NodeError`'s message is written for the caller and goes out as is, with a
`google.rpc.ErrorInfo` naming the error kind. Anything else is a bug: it is logged with a
reference and the caller only sees INTERNAL with that reference, never the internals.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

import grpc
import structlog
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from node.service import api

log = structlog.get_logger(__name__)

ERROR_DOMAIN = "alliance.v1"

STATUS_FOR_ERROR: dict[type[api.NodeError], grpc.StatusCode] = {
    api.InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    api.NotFound: grpc.StatusCode.NOT_FOUND,
    api.PreconditionFailed: grpc.StatusCode.FAILED_PRECONDITION,
    api.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    api.Conflict: grpc.StatusCode.ABORTED,
}


class Refused(Exception):
    """Raised by a servicer for a protocol-level refusal that has no use-case error kind."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def status_code_for(exc: api.NodeError) -> grpc.StatusCode:
    for kind in type(exc).__mro__:
        if kind in STATUS_FOR_ERROR:
            return STATUS_FOR_ERROR[kind]  # type: ignore[index]
    # A NodeError outside the known kinds is still deliberate: the request was refused.
    return grpc.StatusCode.FAILED_PRECONDITION


def abort(
    context: grpc.ServicerContext, code: grpc.StatusCode, message: str, reason: str
) -> NoReturn:
    """End the call with `code`, `message` and an ErrorInfo carrying `reason`."""
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN))
    status = status_pb2.Status(code=_rpc_code(code), message=message, details=[info])
    context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returned")  # pragma: no cover


def _rpc_code(code: grpc.StatusCode) -> int:
    value: int = code.value[0]
    return value if value in code_pb2.Code.values() else code_pb2.UNKNOWN


def _reason(exc: Exception) -> str:
    # InvalidInput -> INVALID_INPUT: stable and machine-readable for callers that branch on it.
    name = type(exc).__name__
    return "".join("_" + c if c.isupper() and i else c for i, c in enumerate(name)).upper()


def abort_for(context: grpc.ServicerContext, exc: Exception, rpc: str) -> NoReturn:
    if isinstance(exc, api.NodeError):
        abort(context, status_code_for(exc), str(exc), _reason(exc))
    if isinstance(exc, Refused):
        abort(context, exc.code, str(exc), exc.code.name)
    ref = uuid.uuid4().hex[:12]
    log.error("rpc_failed", rpc=rpc, error_ref=ref, exc_info=exc)
    abort(
        context,
        grpc.StatusCode.INTERNAL,
        f"internal error in {rpc} (reference {ref}); the node's log has the details",
        "INTERNAL",
    )


F = TypeVar("F", bound=Callable[..., Any])


def unary(method: F) -> F:
    """Wrap a unary servicer method: use-case errors become status codes."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except Exception as exc:  # noqa: BLE001 - every failure leaves as a status code
            abort_for(context, exc, method.__name__)

    return wrapper  # type: ignore[return-value]


def streaming(method: F) -> F:
    """Wrap a server-streaming servicer method the same way."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from method(self, request, context)
        except GeneratorExit:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure leaves as a status code
            abort_for(context, exc, method.__name__)

    return wrapper  # type: ignore[return-value]
