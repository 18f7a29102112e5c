"""A real OpenID Connect provider for the tests, serving HTTP on 127.0.0.1: discovery,
authorization (code flow with PKCE S256 required, as ID-porten does), token endpoint
with client authentication and an RS256-signed ID token, JWKS and userinfo. It plays
the BankID broker: the test says which claims (national id, acr, name) the next login
carries, and may tamper with the next ID token to see that it is refused.

It follows OpenID Connect Core 1.0 and RFC 7636 where the portal depends on it: a code
is used once, is bound to the client, the redirect_uri and the PKCE challenge, and the
ID token carries the nonce of the authorization request."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "medlemsportal-test"
CLIENT_SECRET = "test-secret-" + "x" * 20


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OIDCProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        # What the next login proves (the person at the broker), and how the next ID
        # token is spoiled: `token_overrides` replaces claims (iss, aud, exp, nonce …),
        # `sign_with` signs with another key (and `sign_alg`) under the same kid.
        self.claims: dict = {}
        self.token_overrides: dict = {}
        self.sign_with = None
        self.sign_alg = "RS256"
        self.discovery_overrides: dict = {}
        self.userinfo: dict = {}  # extra userinfo claims (unsigned, over the access token)
        self.userinfo_requests = 0
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.authorize_requests: list[dict] = []
        self.issued_tokens: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, data: dict, status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):  # noqa: N802 - the http.server API
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._json(provider.discovery())
                elif parts.path == "/jwks":
                    self._json(provider.jwks())
                elif parts.path == "/authorize":
                    provider.authorize_requests.append(query)
                    self._authorize(query)
                elif parts.path == "/userinfo":
                    provider.userinfo_requests += 1
                    self._json({"sub": provider.claims.get("sub", "x"), **provider.userinfo})
                else:
                    self._json({"error": "not_found"}, 404)

            def _authorize(self, query: dict) -> None:
                redirect_uri = query.get("redirect_uri", "")
                if query.get("client_id") != CLIENT_ID or not redirect_uri.startswith("http"):
                    # Never redirect to an unverified redirect_uri (Core 3.1.2.6).
                    self._json({"error": "invalid_request"}, 400)
                    return
                error = None
                if query.get("response_type") != "code":
                    error = "unsupported_response_type"
                elif "openid" not in query.get("scope", "").split():
                    error = "invalid_scope"
                elif query.get("code_challenge_method") != "S256" or not query.get(
                    "code_challenge"
                ):
                    error = "invalid_request"  # PKCE is required
                if error:
                    params = {"error": error, "state": query.get("state", "")}
                    self._redirect(f"{redirect_uri}?{urlencode(params)}")
                    return
                code = secrets.token_urlsafe(16)
                provider.codes[code] = {
                    "redirect_uri": redirect_uri,
                    "code_challenge": query["code_challenge"],
                    "claims": {"nonce": query.get("nonce"), **provider.claims},
                }
                params = {"code": code, "state": query.get("state", "")}
                self._redirect(f"{redirect_uri}?{urlencode(params)}")

            def _client_authenticated(self, form: dict) -> bool:
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
                    client_id, secret = unquote(client_id), unquote(secret)
                else:
                    client_id, secret = form.get("client_id"), form.get("client_secret")
                return client_id == CLIENT_ID and secret == CLIENT_SECRET

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.token_requests.append(form)
                if urlsplit(self.path).path != "/token":
                    self._json({"error": "not_found"}, 404)
                    return
                if not self._client_authenticated(form):
                    self._json({"error": "invalid_client"}, 401)
                    return
                if form.get("grant_type") != "authorization_code":
                    self._json({"error": "unsupported_grant_type"}, 400)
                    return
                grant = provider.codes.pop(form.get("code", ""), None)  # a code works once
                if (
                    grant is None
                    or form.get("redirect_uri") != grant["redirect_uri"]
                    or _s256(form.get("code_verifier", "")) != grant["code_challenge"]
                ):
                    self._json({"error": "invalid_grant"}, 400)
                    return
                self._json(
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": provider.id_token(grant["claims"]),
                    }
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> OIDCProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": ["idporten-loa-substantial", "idporten-loa-high"],
            **self.discovery_overrides,
        }

    def jwks(self) -> dict:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def id_token(self, claims: dict) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": claims.get("sub") or secrets.token_hex(8),
            "iat": now,
            "auth_time": now,
            "exp": now + 120,
            "jti": secrets.token_hex(12),
            **{k: v for k, v in claims.items() if v is not None},
            **self.token_overrides,
        }
        key = self.sign_with or self.key
        token = jwt.encode(payload, key, algorithm=self.sign_alg, headers={"kid": self.kid})
        self.issued_tokens.append(token)
        return token

    def app_settings(self, acr_values: list[str]) -> dict:
        """SOCIALACCOUNT_PROVIDERS for this provider, as config/settings.py builds it."""
        return {
            "openid_connect": {
                "APPS": [
                    {
                        "provider_id": "bankid",
                        "name": "BankID",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {
                            "server_url": self.url,
                            "auth_params": {"acr_values": acr_values[0]},
                            "scope": ["openid", "profile"],
                            "oauth_pkce_enabled": True,
                            "fetch_userinfo": False,
                        },
                    }
                ]
            }
        }
