"""`strangler-proxy export nginx`: the routing table's route and canary parts as nginx config."""

import json
import math
import re
import sys
from pathlib import Path

from strangler_proxy.policy.routing import compile_pattern
from strangler_proxy.policy.table import IDEMPOTENT_METHODS, Route, RoutingTable, load
from strangler_proxy.settings import Limits
from strangler_proxy.wire.problems import TITLES, TYPE_BASE

RETRIED = "(" + "|".join(sorted(IDEMPOTENT_METHODS)) + ")"
ROUTE_URI = "/_strangler/route/"  # each request is rewritten to its route's location
SIDE_METHOD = "(candidate|primary)/[^/]*$"
NEXT_UPSTREAM = "error timeout http_500 http_502 http_503 http_504"
# A head too large is nginx's internal 494 (sent as "400 Request Header Or Cookie Too Large");
# its error page answers 431, as the proxy does.
NGINX_STATUSES = {431: "494 =431"}
NOTES = """\
# Rendered by `strangler-proxy export nginx` from {source}.
# Routes keep the table's order and the first match wins: one map on "$request_method $uri"
# picks the route, so a request whose method a rule excludes falls through to the next rule.
# Not exported (strangler-proxy only): shadow copies and response diffs (shadow routes go to
# their primary here); canary stickiness by the bearer token's subject (nginx keys on the
# strangler_bucket cookie, else the client address, and hashes with MurmurHash2, not BLAKE2:
# the same share of callers, not the same callers); fallback on 5xx other than 500, 502, 503
# and 504; removing headers named in Connection; retries of an upstream that refused a
# connection, circuit breakers (nginx's max_fails only skips a failed candidate for 10 s),
# metrics and the admin API. Edge limits: the head's sizes become large_client_header_buffers
# (the request line and each header line must fit in one buffer, sized for the longer of the
# two; the head in all of them; nginx has no limit on the number of headers), the timeouts keep
# their names; the cap on client connections is not exported (nginx's worker_connections also
# counts upstream connections). nginx closes a connection whose head is late without an answer,
# and answers a too long request line with its own 414 page (its error pages need the line).
"""
# In nginx strings `\\` is one backslash; the first map refuses what routing.normalise refuses.
PRELUDE = r"""
map $request_uri $strangler_refused_path {  # dot segments, encoded slashes, NUL, non-ASCII
    "~*^[^?]*(/(\.|%2e){1,2}([/?]|$)|%2f|%5c|%00|\\\\|[^\x00-\x7f])" 1;
}
map $http_x_request_id $strangler_request_id {  # passed on when well-formed, else made
    "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;
    default $request_id;
}
map $upstream_http_x_request_id $strangler_response_request_id {
    "" $strangler_request_id;
    default $upstream_http_x_request_id;
}
map $cookie_strangler_bucket $strangler_bucket_key {  # the canary key: cookie, else address
    "" "addr:$remote_addr";
    default "cookie:$cookie_strangler_bucket";
}
"""
SERVER = """
server {{
    listen {listen};
    merge_slashes off;  # routes see the path as sent, as in strangler-proxy
    client_max_body_size {body};
    client_body_buffer_size {body};  # request bodies are buffered in memory
    large_client_header_buffers {buffers};
    client_header_timeout {header_timeout};
    client_body_timeout {body_timeout};
    keepalive_timeout {keepalive_timeout};
    send_timeout {send_timeout};
    proxy_http_version 1.1;
    proxy_connect_timeout 2s;
    proxy_max_temp_file_size 0;  # responses stream with back-pressure, never spooled to disk
    proxy_redirect off;
    proxy_pass_header Server;  # the upstream's Server and Date pass through, not nginx's
    proxy_pass_header Date;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $remote_addr;  # the proxy is the edge: replaced
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $http_host;
    proxy_set_header X-Request-ID $strangler_request_id;
    proxy_set_header Forwarded ""; proxy_set_header X-Real-IP "";  # only the proxy sets these
    proxy_set_header X-Strangler-Target ""; proxy_set_header Proxy-Connection "";
    proxy_set_header Proxy-Authorization ""; proxy_set_header Trailer "";  # nginx drops the rest
    proxy_hide_header X-Request-ID;
    add_header X-Request-ID $strangler_response_request_id always;
    if ($strangler_refused_path) {{ return 400; }}
    rewrite ^ {route_uri}$strangler_route last;
    location = {route_uri}none {{ return 404; }}
"""
PROBLEM = """\
    error_page {nginx_status} @strangler_{status};
    location @strangler_{status} {{
        default_type application/problem+json;
        add_header X-Strangler-Error proxy always;
        return {status} {body};
    }}
"""
STANDALONE = """\
worker_processes auto;
pid {run}/nginx.pid;
error_log {run}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log {run}/access.log;
    client_body_temp_path {run}/client_body; proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi; uwsgi_temp_path {run}/uwsgi; scgi_temp_path {run}/scgi;
{snippet}}}
"""


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def one_line(text: str) -> str:
    """Names and paths as they go into comments: a newline there would end the comment."""
    return " ".join(text.split())


def group(name: str) -> str:
    return "strangler_" + re.sub(r"\W", "_", name)


def map_block(source: str, variable: str, rules: list[tuple[str, str]], default: str) -> str:
    lines = "".join(f"    {quote(key)} {value};\n" for key, value in rules)
    return f"map {quote(source)} ${variable} {{\n{lines}    default {default};\n}}\n"


def route_rule(route: Route) -> str:
    """The route as a regex on "$request_method $uri" (routing.compile_pattern's own regex)."""
    methods = "|".join(sorted(map(re.escape, route.methods))) if route.methods else "[^ ]+"
    return f"~^({methods}) {compile_pattern(route.path).pattern[1:]}"


def upstream_block(table: RoutingTable, name: str, servers: list[tuple[str, str]], why: str) -> str:
    """An upstream group; `servers` are (upstream name, extra server parameters) pairs."""
    lines = [f"upstream {name} {{  # {one_line(why)}"]
    for server, extra in servers:
        upstream = table.upstreams[server]
        if not re.fullmatch(r"[\w.:-]+", upstream.host):
            raise ValueError(f"upstream {server}: nginx cannot use the host {upstream.host!r}")
        host = f"[{upstream.host}]" if ":" in upstream.host else upstream.host
        lines.append(f"    server {host}:{upstream.port}{extra};")
    lines.append(f"    keepalive {table.upstreams[servers[0][0]].max_connections};")
    lines.append("    keepalive_timeout 1500ms;  # under gunicorn's 2 s, as strangler-proxy's pool")
    return "\n".join([*lines, "}\n"])


def canary_blocks(index: int, route: Route, candidate: str) -> str:
    """The side by bucket (split_clients), then the target: a forced side first, else the bucket."""
    percent = round(route.canary_percent, 2)
    split = f"    {percent:g}% candidate;\n    * primary;" if 0 < percent < 100 else ""
    split = split or f"    * {'candidate' if percent >= 100 else 'primary'};"
    new, old, retried = group(candidate), group(route.primary), f"strangler-fallback-{index}"
    # The source ends in /side/method, neither holding a slash: the header must equal a side.
    forced = [(f"~^candidate/{SIDE_METHOD}", new), (f"~^primary/{SIDE_METHOD}", old)]
    bucketed = [("~/candidate/[^/]*$", new)]
    if route.fallback:  # only what strangler-proxy may send twice goes to the fallback group
        forced.insert(0, (f"~^candidate/(candidate|primary)/{RETRIED}$", retried))
        bucketed.insert(0, (f"~/candidate/{RETRIED}$", retried))
    source = f"$http_x_strangler_target/$strangler_side_{index}/$request_method"
    return (
        f"# route {index} ({one_line(route.name)}): {route.canary_percent:g}% to {candidate}\n"
        f'split_clients "$strangler_bucket_key" $strangler_side_{index} {{\n{split}\n}}\n'
        + map_block(source, f"strangler_target_{index}", forced + bucketed, old)
    )


def route_location(index: int, route: Route, table: RoutingTable) -> str:
    canary = route.candidate if route.mode == "canary" else None
    timeouts = {table.upstreams[name].timeout for name in (route.primary, canary or route.primary)}
    methods = " ".join(sorted(route.methods)) if route.methods else "every method"
    about = one_line(f"{route.name}): {methods} {route.path}, mode {route.mode}")
    lines = [f"    # route {index} ({about}"]
    if route.mode == "shadow":
        lines.append("    # exported as a plain route to the primary: shadowing stays in the proxy")
    if len(timeouts) > 1:
        lines.append("    # nginx has one timeout per location: the longer upstream timeout")
    lines.append(f"    location = {ROUTE_URI}{index} {{")
    lines += [
        f"        proxy_{way}_timeout {round(max(timeouts) * 1000)}ms;" for way in ("read", "send")
    ]
    if canary and route.fallback:  # nginx never retries POST, PATCH, LOCK: keep it that way
        lines.append(f"        proxy_next_upstream {NEXT_UPSTREAM};")
    target = f"$strangler_target_{index}" if canary else group(route.primary)
    return "\n".join([*lines, f"        proxy_pass http://{target}$request_uri;", "    }\n"])


def problem_location(status: int) -> str:
    """nginx's own errors as the proxy's problem details (upstream errors are not intercepted)."""
    slug, title = TITLES[status]
    body = json.dumps({"type": TYPE_BASE + slug, "title": title, "status": status})
    nginx_status = NGINX_STATUSES.get(status, str(status))
    return PROBLEM.format(nginx_status=nginx_status, status=status, body=quote(body))


def edge_limits(limits: Limits) -> dict[str, str]:
    """settings.Limits as nginx directives' values (the SERVER template's placeholders)."""
    size = max(limits.max_request_line_bytes, limits.max_header_field_bytes)
    count = max(2, math.ceil(limits.max_header_bytes / size))
    return {
        "body": str(limits.max_body_bytes),
        "buffers": f"{count} {size}",
        "header_timeout": f"{round(limits.client_header_timeout_seconds * 1000)}ms",
        "body_timeout": f"{round(limits.client_body_timeout_seconds * 1000)}ms",
        "keepalive_timeout": f"{round(limits.keepalive_timeout_seconds * 1000)}ms",
        "send_timeout": f"{round(limits.send_timeout_seconds * 1000)}ms",
    }


def render(table: RoutingTable, *, listen: str = "127.0.0.1:8080") -> str:
    """The http{}-level snippet: upstreams, the maps that pick a route and a side, a server."""
    if not re.fullmatch(r"[\w.:\[\]-]+", listen):
        raise ValueError(f"listen must be host:port or a port, got {listen!r}")
    parts = [NOTES.format(source=table.source or "a routing table")]
    for name, upstream in table.upstreams.items():
        parts.append(upstream_block(table, group(name), [(name, "")], upstream.url))
    for index, route in enumerate(table.routes):
        if route.mode == "canary" and route.fallback and route.candidate:
            why = f"route {index}: {route.candidate}, then {route.primary} if it fails"
            servers = [(route.candidate, ""), (route.primary, " backup")]
            parts.append(upstream_block(table, f"strangler-fallback-{index}", servers, why))
    parts.append(PRELUDE)
    rules = [(route_rule(route), str(index)) for index, route in enumerate(table.routes)]
    parts.append(map_block("$request_method $uri", "strangler_route", rules, "none"))
    for index, route in enumerate(table.routes):
        if route.mode == "canary" and route.candidate:
            parts.append(canary_blocks(index, route, route.candidate))
    limits = edge_limits(table.settings.limits)
    parts.append(SERVER.format(listen=listen, route_uri=ROUTE_URI, **limits))
    parts += [route_location(index, route, table) for index, route in enumerate(table.routes)]
    parts += [problem_location(status) for status in (400, 404, 413, 431, 502, 504)]
    return "\n".join(parts) + "}\n"


def standalone(snippet: str, runtime_dir: Path) -> str:
    """A complete config for `nginx -c`: pid, logs and temporary files under `runtime_dir`."""
    indented = "".join(f"    {line}" if line.strip() else line for line in snippet.splitlines(True))
    return STANDALONE.format(run=runtime_dir.resolve(), snippet=indented)


def export(routes: Path, *, listen: str, full: bool, runtime_dir: Path, output: Path | None) -> int:
    """The `export nginx` command: 0 when written, 2 when the routing table does not load."""
    try:
        text = render(load(routes), listen=listen)
    except (OSError, ValueError, TypeError) as error:
        print(f"strangler-proxy: cannot export {routes}: {error}", file=sys.stderr)
        return 2
    text = standalone(text, runtime_dir) if full else text
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
    return 0
