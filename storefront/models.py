"""Every model module, imported once so the metadata (and Alembic) sees the whole schema."""

from storefront.accounts import models as accounts_models
from storefront.api import models as api_models
from storefront.audit import models as audit_models
from storefront.catalog import models as catalog_models
from storefront.ledger import models as ledger_models
from storefront.operator import models as operator_models
from storefront.orders import models as orders_models
from storefront.outbound import models as outbound_models
from storefront.payments import models as payments_models
from storefront.reseller import models as reseller_models
from storefront.subscriptions import models as subscriptions_models
from storefront.tenants import models as tenants_models
from storefront.vendor import models as vendor_models

__all__ = [
    "accounts_models",
    "api_models",
    "audit_models",
    "catalog_models",
    "ledger_models",
    "operator_models",
    "orders_models",
    "outbound_models",
    "payments_models",
    "reseller_models",
    "subscriptions_models",
    "tenants_models",
    "vendor_models",
]
