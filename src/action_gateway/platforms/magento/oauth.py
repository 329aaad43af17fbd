"""OAuth 1.0a request signing on a Magento connection's transport (magento.md §1.2).

Adobe no longer accepts an integration's access token as a bearer token by default: each
request carries an ``Authorization: OAuth ...`` header signed with HMAC-SHA256 over the method,
the URL and its query exactly as sent, keyed by the consumer secret and the token secret.
Signing happens on the transport, per attempt, so a retry carries a fresh nonce (Magento
refuses a nonce it has seen).
"""

from __future__ import annotations

import logging
from typing import Any, cast

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER, Client

from action_gateway.platforms.spec import PlatformConnection

# oauthlib logs what it signs at DEBUG, the access token and consumer key included: never.
logging.getLogger("oauthlib").setLevel(logging.WARNING)


class OAuth1SigningTransport(httpx.AsyncBaseTransport):
    """Signs each request with the connection's integration credentials, then sends it on."""

    def __init__(self, connection: PlatformConnection, inner: httpx.AsyncBaseTransport) -> None:
        self.connection = connection
        self.inner = inner

    def _client(self) -> Client:
        # Secrets are read at send time, never kept beside the transport.
        secret = self.connection.secret
        return Client(
            secret("consumer_key").get_secret_value(),
            client_secret=secret("consumer_secret").get_secret_value(),
            resource_owner_key=self.connection.token.get_secret_value(),
            resource_owner_secret=secret("access_token_secret").get_secret_value(),
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # A JSON body is not part of an OAuth 1.0a signature (only form bodies are).
        method = cast(Any, request.method)  # the stubs' Literal of method names
        _, headers, _ = self._client().sign(str(request.url), http_method=method)
        request.headers["Authorization"] = headers["Authorization"]
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
