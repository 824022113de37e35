"""Settings: OUTBOX_RELAY_* variables, the schema's own variable, refusals."""

import pytest
from pydantic import ValidationError

from outbox_relay.settings import RelaySettings


def test_settings_come_from_outbox_relay_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTBOX_RELAY_DATABASE_URL", "postgresql://db/shop")
    monkeypatch.setenv("OUTBOX_RELAY_SCHEMA", "monolith")
    monkeypatch.setenv("OUTBOX_RELAY_BATCH_SIZE", "250")
    monkeypatch.setenv("OUTBOX_RELAY_HTTP_PORT", "0")
    settings = RelaySettings()
    assert (settings.database_url, settings.schema_name) == ("postgresql://db/shop", "monolith")
    assert (settings.batch_size, settings.http_port) == (250, 0)


def test_given_values_win_over_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTBOX_RELAY_BATCH_SIZE", "250")
    settings = RelaySettings(database_url="sqlite:///x.db", batch_size=20, schema_name="catalog")
    assert (settings.batch_size, settings.schema_name) == (20, "catalog")


def test_each_relay_gets_its_own_id_unless_given_one() -> None:
    first, second = (RelaySettings(database_url="sqlite:///x.db") for _ in range(2))
    assert first.relay_id != second.relay_id


@pytest.mark.parametrize(
    "wrong",
    [
        {"schema_name": "bad-name"},
        {"batch_size": 0},
        {"lease_ttl_seconds": 0},
        {"http_port": 70000},
    ],
)
def test_wrong_values_are_refused(wrong: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RelaySettings(database_url="sqlite:///x.db", **wrong)  # type: ignore[arg-type]
