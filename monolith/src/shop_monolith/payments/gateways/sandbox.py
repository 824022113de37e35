"""The shop's built-in sandbox payment provider: test cards decide each charge's outcome.

The running shop uses it (no real money moves); it keeps its ledger in its own table and its
own transactions, as a provider's records would be kept apart from the shop's.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shop_monolith.payments.gateways.provider import (
    AbstractPaymentProvider,
    CardDetails,
    ChargeResult,
    ProviderTimeout,
)
from shop_monolith.payments.models import ProviderCharge

APPROVING_CARDS = frozenset({"4242424242424242", "5555555555554444"})
DECLINING_CARD = "4000000000000002"  # the documented one: every other number declines too
TIMING_OUT_CARD = "4000000000000119"


class SandboxPaymentProvider(AbstractPaymentProvider):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def charge(self, *, key: str, amount: int, currency: str, card: CardDetails) -> ChargeResult:
        if card.number == TIMING_OUT_CARD:
            raise ProviderTimeout(f"provider did not answer for charge {key}")
        approved = card.number in APPROVING_CARDS
        entry = ProviderCharge(
            key=key,
            charge_id=f"ch_{uuid.uuid4().hex}",
            status="approved" if approved else "declined",
            amount=amount,
            currency=currency,
            card_last4=card.last4,
        )
        with self._sessions() as session:
            session.add(entry)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
        found = self.lookup(key=key)
        assert found is not None
        return found

    def lookup(self, *, key: str) -> ChargeResult | None:
        with self._sessions() as session:
            entry = session.scalar(select(ProviderCharge).where(ProviderCharge.key == key))
            if entry is None:
                return None
            approved = entry.status in ("approved", "refunded")
            reason = None if approved else "card_declined"
            return ChargeResult(charge_id=entry.charge_id, approved=approved, decline_reason=reason)

    def refund(self, *, charge_id: str) -> None:
        with self._sessions() as session:
            entry = session.scalar(
                select(ProviderCharge).where(ProviderCharge.charge_id == charge_id)
            )
            if entry is None or entry.status == "declined":
                raise ValueError(f"no approved charge {charge_id} to refund")
            entry.status = "refunded"
            session.commit()
