"""Each bounded context's tables live in the context's own schema and refer to no other's."""

from shop_monolith.shared.orm import Base
from shop_monolith.tables import CONTEXT_METADATA


def test_each_context_maps_only_to_its_own_schema() -> None:
    mapped = [mapper.class_ for mapper in Base.registry.mappers]
    assert mapped, "no mapped classes found"
    for cls in mapped:
        context = cls.__module__.split(".")[1]  # shop_monolith.<context>.models...
        assert cls.__table__.schema == context, f"{cls.__name__} maps to {cls.__table__.schema}"
        assert cls.__table__.metadata is CONTEXT_METADATA[context]


def test_no_foreign_key_crosses_into_another_context() -> None:
    for schema, metadata in CONTEXT_METADATA.items():
        for table in metadata.tables.values():
            for key in table.foreign_keys:
                target = key.column.table
                assert target.schema == schema, f"{table.fullname} -> {target.fullname}"


def test_every_context_package_has_a_schema() -> None:
    contexts = {mapper.class_.__module__.split(".")[1] for mapper in Base.registry.mappers}
    assert contexts == set(CONTEXT_METADATA)
