"""Which Host a request may name, as the monolith's edge has it (ADR-0012): HTTP/1.1 must
name one, and only a trusted one is served (a leading dot admits subdomains), so that no URL
the service builds could name a stranger's host, and both sides answer a foreign Host alike."""

from starlette.types import ASGIApp, Receive, Scope, Send

from catalog_service.entrypoints.http.problems import problem_response


class TrustedHosts:
    def __init__(self, app: ASGIApp, trusted: list[str]) -> None:
        self.app, self.trusted = app, trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                response = problem_response(scope["path"], "malformed-request", refusal)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> str | None:
        hosts = [value for name, value in scope["headers"] if name == b"host"]
        if not hosts:
            if scope.get("http_version") == "1.1":
                return "An HTTP/1.1 request must name its Host."
            return None
        host = hosts[0].decode("latin-1")
        if not is_trusted(host, self.trusted):
            return f"Host {_shown(host, scope)!r} is not trusted."
        return None


def is_trusted(host: str, trusted: list[str]) -> bool:
    """The host (its port left out) is one of `trusted`, or under a `.domain` of it."""
    name = _idna(host.partition(":")[0])
    if not name:
        return False
    for reference in trusted:
        suffix = reference.startswith(".")
        wanted = _idna(reference.removeprefix(".").partition(":")[0])
        if wanted and (name == wanted or (suffix and name.endswith(f".{wanted}"))):
            return True
    return False


def _idna(name: str) -> str:
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def _shown(host: str, scope: Scope) -> str:
    """The Host as the refusal names it: without the scheme's default port."""
    default = ":443" if scope.get("scheme") == "https" else ":80"
    return host.removesuffix(default)
