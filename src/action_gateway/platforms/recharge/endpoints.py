"""Every Recharge (API 2021-11) endpoint the adapter calls: operation name, method, path, kind.

Paths are relative to the connection's base URL (``https://api.rechargeapps.com``).
"""

from __future__ import annotations

from action_gateway.platforms._http import RequestKind
from action_gateway.platforms._rest import RestEndpoint

# Recharge's endpoints need nothing beyond the common description.
Endpoint = RestEndpoint


LIST_CUSTOMERS = Endpoint("list_customers", "GET", "/customers", RequestKind.READ)
LIST_SUBSCRIPTIONS = Endpoint("list_subscriptions", "GET", "/subscriptions", RequestKind.READ)
GET_SUBSCRIPTION = Endpoint(
    "get_subscription", "GET", "/subscriptions/{subscription_id}", RequestKind.READ
)
LIST_CHARGES = Endpoint("list_charges", "GET", "/charges", RequestKind.READ)
GET_CHARGE = Endpoint("get_charge", "GET", "/charges/{charge_id}", RequestKind.READ)
# Recharge documents no idempotency key, and a repeat cancel's answer is UNCONFIRMED: never re-sent.
CANCEL_SUBSCRIPTION = Endpoint(
    "cancel_subscription", "POST", "/subscriptions/{subscription_id}/cancel", RequestKind.WRITE
)
# A skip is not idempotent (a second one could skip the following charge): never re-sent.
SKIP_CHARGE = Endpoint("skip_charge", "POST", "/charges/{charge_id}/skip", RequestKind.WRITE)
# Setting a date converges (re-sending the same date is reportedly a no-op), but no idempotency
# key exists: never re-sent blindly; an ambiguous failure is settled by re-reading the date.
SET_NEXT_CHARGE_DATE = Endpoint(
    "set_next_charge_date",
    "POST",
    "/subscriptions/{subscription_id}/set_next_charge_date",
    RequestKind.WRITE,
)
