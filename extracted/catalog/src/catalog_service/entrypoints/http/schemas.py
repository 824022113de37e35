"""Request bodies, validated strictly: JSON types must match, unknown fields are refused
(the contract's ProductCreate, ProductUpdate and CategoryCreate)."""

import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
Name = Annotated[str, Field(min_length=1, max_length=100), NoNul]
Line = Annotated[str, Field(min_length=1, max_length=200), NoNul]
Description = Annotated[str, Field(max_length=5000), NoNul]
Slug = Annotated[str, Field(max_length=64, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Sku = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,31}$")]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class MoneyIn(Input):
    amount: int = Field(ge=0, le=100_000_000)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class CategoryCreate(Input):
    slug: Slug
    name: Name


class ProductCreate(Input):
    sku: Sku
    name: Line
    description: Description = ""
    category_id: uuid.UUID | None = None
    price: MoneyIn


class ProductUpdate(Input):
    """Only the fields present in the body change; `category_id: null` removes the category."""

    name: Line | None = None
    description: Description | None = None
    category_id: uuid.UUID | None = None
    price: MoneyIn | None = None
    active: bool | None = None

    @field_validator("name", "description", "price", "active")
    @classmethod
    def not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("must not be null")
        return value

    @model_validator(mode="after")
    def not_empty(self) -> "ProductUpdate":
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self
