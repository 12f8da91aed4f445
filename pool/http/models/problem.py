"""RFC 9457 problem details, with `invalid-params` for validation errors (RFC 9457 §3)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class InvalidParam(BaseModel):
    name: str = Field(description="the offending field, e.g. lines[0].quantity")
    location: str = Field(serialization_alias="in", description="body, query, path or header")
    reason: str


class Problem(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    type: str = Field(description="URI reference identifying the problem type")
    title: str
    status: int
    detail: str
    instance: str = Field(description="the request path the problem occurred on")
    invalid_params: list[InvalidParam] | None = Field(
        default=None, serialization_alias="invalid-params", validation_alias="invalid-params"
    )
