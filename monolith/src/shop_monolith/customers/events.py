"""The customers' domain events (ADR-0015): never a password hash, only what others use."""

from shop_monolith.customers.models import Customer
from shop_monolith.shared.events import DomainEvent
from shop_monolith.shared.formats import timestamp


def customer_registered(customer: Customer) -> DomainEvent:
    data = {
        "customer": {
            "id": str(customer.id),
            "email": customer.email,
            "name": customer.name,
            "role": customer.role,
            "created_at": timestamp(customer.created_at),
        }
    }
    return DomainEvent("customers", "customer_registered", "customer", customer.id, data)
