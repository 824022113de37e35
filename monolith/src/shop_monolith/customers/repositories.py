import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_monolith.customers.models import Customer


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, customer_id: uuid.UUID) -> Customer | None:
        return self.session.get(Customer, customer_id)

    def by_email(self, email: str) -> Customer | None:
        return self.session.scalar(select(Customer).where(Customer.email == email))

    def add(self, customer: Customer) -> None:
        self.session.add(customer)
