"""The admin page: routing table, live counters, breakers and recent shadow mismatches.

The page itself holds no state; its script fetches the view with the admin token."""

import base64
import hashlib
import json
import time
from html import escape
from typing import Any

STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d232a;background:#f6f7f9}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;
background:#fff;width:100%}th,td{border:1px solid #d6dae0;padding:.35rem .5rem;text-align:left;
vertical-align:top}th{background:#eef1f4}.mode{font-weight:600}.opened{color:#b00020;
font-weight:600}.closed{color:#0a6b3d}pre{margin:0;white-space:pre-wrap;font-size:12px}
.muted{color:#66707a}.disabled{color:#b00020;font-weight:600}form{margin:1rem 0}
input{margin:0 .5rem}"""


def _cell(value: Any) -> str:
    return f"<td>{escape(str(value))}</td>"


def _routes(routes: list[dict[str, Any]]) -> str:
    rows = []
    for route in routes:
        methods = ", ".join(route["methods"]) if route["methods"] else "any"
        target = route["primary"] + (f" → {route['candidate']}" if route["candidate"] else "")
        share = f"{route['canary_percent']:g}%" if route["mode"] == "canary" else ""
        responses = ", ".join(f"{k}: {int(v)}" for k, v in sorted(route["responses"].items()))
        shadow = route["shadow"]
        shadow_text = (
            ""
            if not shadow
            else (
                f"{shadow['compared']} compared, {shadow['mismatched']} mismatched, "
                f"{shadow['settled']} settled, {shadow['dropped']} dropped, "
                f"{shadow['failed']} failed"
            )
        )
        rows.append(
            "<tr>"
            + _cell(route["name"])
            + _cell(methods)
            + _cell(route["path"])
            + f'<td class="mode">{escape(route["mode"])}</td>'
            + _cell(target)
            + _cell(share)
            + _cell("yes" if route["fallback"] else "no")
            + _cell(responses or "none yet")
            + _cell(shadow_text)
            + "</tr>"
        )
    head = (
        "<tr><th>route</th><th>methods</th><th>path</th><th>mode</th><th>target</th>"
        "<th>canary</th><th>fallback</th><th>responses</th><th>shadow</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def _upstreams(upstreams: list[dict[str, Any]]) -> str:
    rows = "".join(
        "<tr>"
        + _cell(u["name"])
        + _cell(u["url"])
        + f'<td class="{escape(u["breaker"])}">{escape(u["breaker"])}</td></tr>'
        for u in upstreams
    )
    return f"<table><tr><th>upstream</th><th>url</th><th>breaker</th></tr>{rows}</table>"


def _mismatches(routes: list[dict[str, Any]]) -> str:
    items = [
        (route["name"], m) for route in routes if route["shadow"] for m in route["shadow"]["recent"]
    ]
    if not items:
        return '<p class="muted">No mismatches.</p>'
    rows = "".join(
        "<tr>"
        + _cell(name)
        + _cell(time.strftime("%H:%M:%S", time.gmtime(m["at"])))
        + _cell(m["request"])
        + f"<td><pre>{escape(json.dumps(m['differences'], indent=1, default=str))}</pre></td></tr>"
        for name, m in items
    )
    return (
        "<table><tr><th>route</th><th>at (UTC)</th><th>request</th><th>differences "
        f"(primary vs candidate)</th></tr>{rows}</table>"
    )


def render_view(state: dict[str, Any]) -> str:
    """The state as HTML, for the page's script (it needs the admin token to get it)."""
    loaded = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(state["loaded_at"]))
    return f"""<p class="muted">Routing table {escape(state["source"])}, loaded {loaded};
{state["in_flight"]} requests in flight. This view refreshes every 5 seconds.</p>
<h2>Routes (first match wins)</h2>{_routes(state["routes"])}
<h2>Upstreams</h2>{_upstreams(state["upstreams"])}
<h2>Recent shadow mismatches</h2>{_mismatches(state["routes"])}"""


# The token stays in this tab's sessionStorage and goes out only as a bearer header.
SCRIPT = """
const KEY = "strangler-admin-token";
const form = document.getElementById("token-form");
const view = document.getElementById("view");
const forget = document.getElementById("forget");
async function refresh() {
  const token = sessionStorage.getItem(KEY);
  form.hidden = Boolean(token);
  forget.hidden = !token;
  if (!token) return;
  const answer = await fetch("/admin/api/view", {
    headers: {Authorization: "Bearer " + token}, cache: "no-store"});
  if (answer.ok) {
    view.innerHTML = await answer.text();
  } else {
    if (answer.status === 401) sessionStorage.removeItem(KEY);
    const problem = await answer.json().catch(() => ({detail: answer.statusText}));
    view.textContent = problem.detail;
    form.hidden = answer.status !== 401;
  }
}
form.addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, form.elements.token.value);
  form.reset();
  refresh();
});
forget.addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  view.textContent = "";
  refresh();
});
refresh();
setInterval(refresh, 5000);
"""
_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
# Only this script runs: nothing in the view (escaped anyway) can add one.
PAGE_POLICY = (
    f"default-src 'none'; script-src 'sha256-{_HASH}'; style-src 'unsafe-inline'; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'"
)
FORM = """<form id="token-form" hidden><label>Admin token
<input name="token" type="password" autocomplete="off" required></label>
<button type="submit">Show</button></form>
<button id="forget" type="button" hidden>Forget the token</button>"""


def render_page(disabled: str | None) -> str:
    """The page; `disabled` says why there is no admin API (no token configured)."""
    if disabled is not None:
        body = f'<p class="disabled">{escape(disabled)}</p>'
    else:
        body = f'{FORM}<div id="view"></div><script>{SCRIPT}</script>'
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>strangler-proxy</title><style>{STYLE}</style></head>
<body><h1>strangler-proxy</h1>{body}</body></html>"""
