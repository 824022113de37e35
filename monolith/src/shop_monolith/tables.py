"""Every context's tables on one MetaData, for Alembic and for tests that create the schema.

Each context declares its own models; importing them here is what puts all of them on
`metadata` (a context's own code imports only its own models).
"""

from shop_monolith.basket import models as basket
from shop_monolith.catalog import models as catalog
from shop_monolith.customers import models as customers
from shop_monolith.inventory import models as inventory
from shop_monolith.ordering.models import idempotency, orders
from shop_monolith.payments import models as payments
from shop_monolith.shared.orm import Base

metadata = Base.metadata
CONTEXT_MODELS = (basket, catalog, customers, inventory, idempotency, orders, payments)
