from alliance.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GetCheckpointRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint", "tree_size")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    checkpoint: str
    tree_size: int
    def __init__(self, checkpoint: _Optional[str] = ..., tree_size: _Optional[int] = ...) -> None: ...

class GetConsistencyProofRequest(_message.Message):
    __slots__ = ("first_tree_size", "second_tree_size")
    FIRST_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    SECOND_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    first_tree_size: int
    second_tree_size: int
    def __init__(self, first_tree_size: _Optional[int] = ..., second_tree_size: _Optional[int] = ...) -> None: ...

class GetConsistencyProofResponse(_message.Message):
    __slots__ = ("proof",)
    PROOF_FIELD_NUMBER: _ClassVar[int]
    proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class GetInclusionProofRequest(_message.Message):
    __slots__ = ("leaf_index", "tree_size")
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    leaf_index: int
    tree_size: int
    def __init__(self, leaf_index: _Optional[int] = ..., tree_size: _Optional[int] = ...) -> None: ...

class GetInclusionProofResponse(_message.Message):
    __slots__ = ("entry_hash", "proof")
    ENTRY_HASH_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    entry_hash: bytes
    proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, entry_hash: _Optional[bytes] = ..., proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class GetCosignedCheckpointRequest(_message.Message):
    __slots__ = ("origin",)
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    origin: str
    def __init__(self, origin: _Optional[str] = ...) -> None: ...

class GetCosignedCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint", "tree_size")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    checkpoint: str
    tree_size: int
    def __init__(self, checkpoint: _Optional[str] = ..., tree_size: _Optional[int] = ...) -> None: ...

class CosignCheckpointRequest(_message.Message):
    __slots__ = ("checkpoint", "previous_tree_size", "consistency_proof")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_PROOF_FIELD_NUMBER: _ClassVar[int]
    checkpoint: str
    previous_tree_size: int
    consistency_proof: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, checkpoint: _Optional[str] = ..., previous_tree_size: _Optional[int] = ..., consistency_proof: _Optional[_Iterable[bytes]] = ...) -> None: ...

class CosignCheckpointResponse(_message.Message):
    __slots__ = ("cosigned_checkpoint",)
    COSIGNED_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    cosigned_checkpoint: str
    def __init__(self, cosigned_checkpoint: _Optional[str] = ...) -> None: ...

class AddCosignatureRequest(_message.Message):
    __slots__ = ("cosigned_checkpoint",)
    COSIGNED_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    cosigned_checkpoint: str
    def __init__(self, cosigned_checkpoint: _Optional[str] = ...) -> None: ...

class AddCosignatureResponse(_message.Message):
    __slots__ = ("tree_size",)
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    tree_size: int
    def __init__(self, tree_size: _Optional[int] = ...) -> None: ...
