"""`alliance.v1.AuditService` on a node's alliance port: checkpoints and proofs of the node's
own log, and its witness, which cosigns the coordinator's checkpoints. Thin: check, call
audit/, convert."""

from __future__ import annotations

from collections.abc import Mapping

import grpc
from alliance.v1 import audit_pb2, audit_pb2_grpc
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from audit.checkpoints import CheckpointError, open_checkpoint, parse_body
from audit.ed25519 import Signer
from audit.note import Note, NoteError, parse_note, parse_vkey
from audit.store import AuditStoreError, LogReader, LogStore
from audit.witness import CosignRefused, Witness
from node.domain.clock import Clock, SystemClock
from node.grpc import errors
from node.service import api


class AuditServicer(audit_pb2_grpc.AuditServiceServicer):
    def __init__(
        self,
        engine: Engine,
        log: LogReader | None,
        witness: Witness | None,
        trusted_logs: Mapping[str, bytes],
        clock: Clock | None = None,
        store: LogStore | None = None,
    ) -> None:
        self._engine = engine
        # Proofs only read: on SQLite they must not take the writers' lock (BEGIN IMMEDIATE).
        self._reads = engine.execution_options(sqlite_begin="DEFERRED")
        self._log = log
        self._store = store  # this node's log with its key: keeps cosignatures of it
        self._witness = witness
        self._trusted_logs = dict(trusted_logs)
        self._clock = clock or SystemClock()

    # --- this node's log --------------------------------------------------------------------

    @errors.unary
    def GetCheckpoint(
        self, request: audit_pb2.GetCheckpointRequest, context: grpc.ServicerContext
    ) -> audit_pb2.GetCheckpointResponse:
        log = self._own_log()
        with self._reads.connect() as conn:
            note = log.latest_checkpoint(conn)
        if note is None:
            raise api.NotFound("this node has signed no checkpoint yet")
        size = parse_body(parse_note(note).text).size
        return audit_pb2.GetCheckpointResponse(checkpoint=note, tree_size=size)

    @errors.unary
    def GetConsistencyProof(
        self, request: audit_pb2.GetConsistencyProofRequest, context: grpc.ServicerContext
    ) -> audit_pb2.GetConsistencyProofResponse:
        log, first, second = self._own_log(), request.first_tree_size, request.second_tree_size
        with self._reads.connect() as conn:
            size = log.size(conn)
            if not 0 < first <= second <= size:
                raise api.InvalidInput(
                    f"a consistency proof needs 0 < first_tree_size <= second_tree_size <= "
                    f"{size} (the log's size); got {first} and {second}"
                )
            proof = log.consistency_proof(conn, first, second)
        return audit_pb2.GetConsistencyProofResponse(proof=proof)

    @errors.unary
    def GetInclusionProof(
        self, request: audit_pb2.GetInclusionProofRequest, context: grpc.ServicerContext
    ) -> audit_pb2.GetInclusionProofResponse:
        log, index, tree_size = self._own_log(), request.leaf_index, request.tree_size
        with self._reads.connect() as conn:
            size = log.size(conn)
            if not index < tree_size <= size:
                raise api.InvalidInput(
                    f"an inclusion proof needs leaf_index < tree_size <= {size} (the log's "
                    f"size); got leaf_index {index} and tree_size {tree_size}"
                )
            (entry,) = log.entries(conn, index, index + 1)
            proof = log.inclusion_proof(conn, index, tree_size)
        return audit_pb2.GetInclusionProofResponse(entry_hash=entry.leaf_hash, proof=proof)

    # --- witnessing another log -------------------------------------------------------------

    @errors.unary
    def GetCosignedCheckpoint(
        self, request: audit_pb2.GetCosignedCheckpointRequest, context: grpc.ServicerContext
    ) -> audit_pb2.GetCosignedCheckpointResponse:
        witness = self._own_witness()
        with self._reads.connect() as conn:
            last = witness.last_cosigned(conn, request.origin)
        if last is None:
            return audit_pb2.GetCosignedCheckpointResponse()
        size, note = last
        return audit_pb2.GetCosignedCheckpointResponse(checkpoint=note, tree_size=size)

    @errors.unary
    def CosignCheckpoint(
        self, request: audit_pb2.CosignCheckpointRequest, context: grpc.ServicerContext
    ) -> audit_pb2.CosignCheckpointResponse:
        witness, note = self._own_witness(), request.checkpoint
        try:
            origin = parse_body(parse_note(note).text).origin
        except (NoteError, CheckpointError) as exc:
            raise api.InvalidInput(f"checkpoint is not a signed checkpoint note: {exc}") from None
        log_key = self._trusted_logs.get(origin)
        if log_key is None:
            raise api.PreconditionFailed(f"this node trusts no audit log named {origin!r}")
        try:
            open_checkpoint(note, origin, log_key)
        except CheckpointError as exc:
            raise api.InvalidInput(f"checkpoint of {origin!r} refused: {exc}") from None
        with self._engine.begin() as conn:  # the state that guards against forks commits first
            last = witness.last_cosigned(conn, origin)
            last_size = 0 if last is None else last[0]
            if request.previous_tree_size != last_size:
                raise api.PreconditionFailed(
                    f"this node last cosigned size {last_size} of {origin!r}, not "
                    f"{request.previous_tree_size}: send a consistency proof from {last_size}"
                )
            try:
                cosigned = witness.cosign(
                    conn,
                    note,
                    log_key,
                    list(request.consistency_proof),
                    now_s=self._clock.now_ms() // 1000,
                )
            except CosignRefused as exc:
                raise api.PreconditionFailed(str(exc)) from None
        return audit_pb2.CosignCheckpointResponse(cosigned_checkpoint=cosigned)

    @errors.unary
    def AddCosignature(
        self, request: audit_pb2.AddCosignatureRequest, context: grpc.ServicerContext
    ) -> audit_pb2.AddCosignatureResponse:
        store, text = self._own_store(), request.cosigned_checkpoint
        try:
            note = parse_note(text)
            size = parse_body(note.text).size
        except (NoteError, CheckpointError) as exc:
            raise api.InvalidInput(f"not a cosigned checkpoint note: {exc}") from None
        refusals = []
        with self._engine.begin() as conn:
            for name, key in self._trusted_witnesses(note):
                try:
                    store.add_cosignature(conn, text, name, key)
                    return audit_pb2.AddCosignatureResponse(tree_size=size)
                except (AuditStoreError, NoteError, ValueError) as exc:
                    refusals.append(str(exc))
        raise api.PreconditionFailed(
            "no cosignature of this node's checkpoint by a log it trusts"
            + (f": {'; '.join(refusals)}" if refusals else "")
        )

    # --- helpers ----------------------------------------------------------------------------

    def _trusted_witnesses(self, note: Note) -> list[tuple[str, bytes]]:
        # A witness signs under its own name; the key must be one this node trusts.
        names = sorted({line.name for line in note.signatures})
        return [(name, key) for name in names for key in self._trusted_logs.values()]

    def _own_store(self) -> LogStore:
        if self._store is None:
            raise api.PreconditionFailed(
                "this node was started without its audit key: it keeps no cosignatures"
            )
        return self._store

    def _own_log(self) -> LogReader:
        if self._log is None:
            raise api.PreconditionFailed("this node keeps no signed audit log")
        return self._log

    def _own_witness(self) -> Witness:
        if self._witness is None:
            raise api.PreconditionFailed(
                "this node was started without its audit key: it cosigns nothing"
            )
        return self._witness


def trusted_logs(coordinator_vkey: str) -> dict[str, bytes]:
    """{origin: Ed25519 key} from the coordinator's C2SP verifier key ("" trusts none)."""
    if not coordinator_vkey.strip():
        return {}
    try:
        origin, key = parse_vkey(coordinator_vkey)
    except NoteError as exc:
        raise ValueError(f"coordinator verifier key: {exc}") from None
    return {origin: key}


def node_audit_servicer(
    service: api.NodeService,
    signer: Signer | None,
    coordinator_vkey: str,
    clock: Clock | None = None,
) -> AuditServicer:
    """The servicer over a SQL node's database: its own log is the one its audit key heads,
    and it witnesses under its member id with that key."""
    engine: Engine = service.engine  # type: ignore[attr-defined]  # SqlNodeService
    info = service.node_info()
    log = _own_log(engine, info.audit_public_key)
    witness = Witness(info.member_id, signer) if signer is not None else None
    store = (
        LogStore(log.origin, signer, info.member_id)
        if log is not None and signer is not None
        else None
    )
    return AuditServicer(engine, log, witness, trusted_logs(coordinator_vkey), clock, store)


def _own_log(engine: Engine, public_key: bytes) -> LogReader | None:
    try:
        with engine.execution_options(sqlite_begin="DEFERRED").connect() as conn:
            for origin in LogReader.origins(conn):
                reader = LogReader(origin)
                if reader.log_public_key(conn) == public_key:
                    return reader
    except DBAPIError:  # a database from before the audit log existed
        return None
    return None
