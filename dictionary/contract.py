"""Checks that the alliance.v1 contract and the dictionary agree, in both directions."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from google.protobuf.descriptor import Descriptor, FieldDescriptor, FileDescriptor

from dictionary.model import DataType, Dictionary, Element

# Services that only the member's own staff reach (its books); every other service is
# alliance-facing and what its messages carry is exchanged between members.
LOCAL_SERVICES = frozenset({"alliance.v1.InventoryService"})
# "package.Message.field" of scalar fields that carry no business data. None so far.
TECHNICAL_FIELDS: frozenset[str] = frozenset()

TIMESTAMP = "google.protobuf.Timestamp"
_SCALAR_NAMES = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_SINT64: "sint64",
    FieldDescriptor.TYPE_FIXED64: "fixed64",
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_ENUM: "enum",
}
# Which protobuf types may carry each data type (see the data type docs in model.py).
PROTO_TYPES: dict[DataType, frozenset[str]] = {
    DataType.STRING: frozenset({"string"}),
    DataType.IDENTIFIER: frozenset({"string"}),
    DataType.CODE: frozenset({"string", "enum"}),
    DataType.INTEGER: frozenset({"int64", "uint64"}),
    DataType.QUANTITY: frozenset({"int64", "uint64"}),
    DataType.MONEY: frozenset({"int64", "uint64"}),
    DataType.DECIMAL: frozenset({"string"}),
    DataType.DATE: frozenset({"string"}),
    DataType.TIMESTAMP: frozenset({TIMESTAMP}),
    DataType.DURATION: frozenset({"int64"}),
    DataType.BOOLEAN: frozenset({"bool"}),
    DataType.BINARY: frozenset({"bytes"}),
}


@dataclass(frozen=True)
class FieldUse:
    """One contract field and the dictionary element its option names ("" when none)."""

    field: FieldDescriptor
    element: str
    unit: str

    @property
    def name(self) -> str:
        return self.field.full_name

    @property
    def proto_type(self) -> str:
        if self.field.message_type is not None:
            return str(self.field.message_type.full_name)
        return _SCALAR_NAMES.get(self.field.type, f"type {self.field.type}")


def contract_files() -> list[FileDescriptor]:
    """Every generated file of the alliance.v1 package."""
    import alliance.v1 as package

    files = []
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module.name.endswith("_pb2"):
            files.append(importlib.import_module(f"alliance.v1.{module.name}").DESCRIPTOR)
    return files


def messages(files: Iterable[FileDescriptor]) -> Iterator[Descriptor]:
    """Every message of the files, nested ones included."""
    stack = [m for f in files for m in f.message_types_by_name.values()]
    while stack:
        message = stack.pop()
        yield message
        stack.extend(message.nested_types)


def field_uses(files: Iterable[FileDescriptor]) -> list[FieldUse]:
    from alliance.v1 import options_pb2

    uses = []
    for message in messages(files):
        for field in message.fields:
            options = field.GetOptions()
            uses.append(
                FieldUse(
                    field,
                    options.Extensions[options_pb2.element],
                    options.Extensions[options_pb2.unit],
                )
            )
    return uses


def alliance_facing_messages(files: Iterable[FileDescriptor]) -> set[str]:
    """Full names of the messages reachable from the methods of alliance-facing services."""
    stack: list[Descriptor] = []
    for file in files:
        for service in file.services_by_name.values():
            if service.full_name not in LOCAL_SERVICES:
                for method in service.methods:
                    stack += [method.input_type, method.output_type]
    seen: set[str] = set()
    while stack:
        message = stack.pop()
        if message.full_name in seen:
            continue
        seen.add(message.full_name)
        stack += [f.message_type for f in message.fields if f.message_type is not None]
    return seen


def check_field_elements(d: Dictionary, files: Iterable[FileDescriptor]) -> list[str]:
    """Every element option names an existing element whose type, unit and codes fit."""
    problems = []
    for use in field_uses(files):
        if not use.element:
            if use.unit:
                problems.append(f"{use.name}: declares unit {use.unit!r} but no element")
            continue
        if not d.has_element(use.element):
            problems.append(f"{use.name}: element {use.element!r} is not in the dictionary")
            continue
        element = d.element(use.element)
        problems += [f"{use.name} -> {element.id}: {p}" for p in _field_problems(d, element, use)]
    return problems


def _field_problems(d: Dictionary, element: Element, use: FieldUse) -> list[str]:
    problems = []
    accepted = PROTO_TYPES[element.data_type]
    if use.proto_type not in accepted:
        problems.append(
            f"a {element.data_type.value} element cannot be carried by {use.proto_type}"
            f" (use {' or '.join(sorted(accepted))})"
        )
    if element.unit is not None and use.unit != element.unit:
        problems.append(
            f"field unit {use.unit or 'none'!r} differs from element unit {element.unit!r}"
        )
    if element.unit is None and use.unit:
        problems.append(f"field declares unit {use.unit!r}, the element has no fixed unit")
    if element.status.value == "deprecated":
        problems.append("the element is deprecated")
    if use.proto_type == "enum":
        problems += _enum_problems(d, element, use.field)
    return problems


def _enum_problems(d: Dictionary, element: Element, field: FieldDescriptor) -> list[str]:
    code_list = d.code_list_of(element)
    enum = field.enum_type
    assert enum is not None, field.full_name
    if code_list is None or code_list.proto_enum != enum.full_name:
        carried = code_list.proto_enum if code_list else None
        return [f"enum {enum.full_name} is not the enum of its code list ({carried})"]
    expected = code_list.proto_enum_value_names()
    actual = {v.name for v in enum.values if v.number != 0}
    problems = []
    if missing := sorted(set(expected) - actual):
        problems.append(f"codes without an enum value: {', '.join(expected[m] for m in missing)}")
    if extra := sorted(actual - set(expected)):
        problems.append(f"enum values without a code: {', '.join(extra)}")
    if not enum.values_by_number[0].name.endswith("_UNSPECIFIED"):
        problems.append(f"enum {enum.full_name} value 0 is not *_UNSPECIFIED")
    return problems


def check_exchanged(d: Dictionary, files: Iterable[FileDescriptor]) -> list[str]:
    """Elements marked exchanged are exactly those alliance-facing messages carry."""
    files = list(files)
    facing = alliance_facing_messages(files)
    used = {
        use.element for use in field_uses(files) if use.element and _message_of(use.field) in facing
    }
    problems = [
        f"element {e.id!r} is marked exchanged but no alliance-facing field carries it"
        for e in d.elements
        if e.exchanged and e.id not in used
    ]
    problems += [
        f"element {eid!r} is carried by an alliance-facing field but not marked exchanged"
        for eid in sorted(used)
        if d.has_element(eid) and not d.element(eid).exchanged
    ]
    return problems


def _message_of(field: FieldDescriptor) -> str:
    return field.containing_type.full_name if field.containing_type is not None else ""


def check_fields_tagged(files: Iterable[FileDescriptor]) -> list[str]:
    """Every field that carries a value itself (not a nested message) names its element."""
    return [
        f"{use.name} ({use.proto_type}) carries no (alliance.v1.element) option"
        for use in field_uses(files)
        if not use.element
        and (use.field.type != FieldDescriptor.TYPE_MESSAGE or use.proto_type == TIMESTAMP)
        and use.name not in TECHNICAL_FIELDS
    ]


def check_contract(d: Dictionary, files: Iterable[FileDescriptor] | None = None) -> list[str]:
    """All problems between the dictionary and the contract; empty when they agree."""
    files = list(files) if files is not None else contract_files()
    return check_field_elements(d, files) + check_exchanged(d, files) + check_fields_tagged(files)
