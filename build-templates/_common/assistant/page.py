"""The self-contained demo chat page served at GET / (no CDN, works offline).

User-authored text (name, greeting) reaches the page two ways only: HTML-escaped in the
title/heading, and as JSON inside a non-executed ``application/json`` script block with
``<``, ``>``, ``&``, U+2028 and U+2029 escaped, so no value can close the tag or break the
script. The page script writes messages with ``textContent`` only. A Content-Security-Policy
with hashes allows exactly the inline style and script below.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json

STYLE = """
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:720px;margin:0 auto;height:100vh;display:flex;flex-direction:column;padding:16px}
h1{font-size:20px;margin:4px 0 12px}#log{flex:1;overflow-y:auto;background:#fff;border-radius:10px;padding:12px;border:1px solid #dde1e7}
.msg{margin:8px 0;padding:8px 12px;border-radius:10px;max-width:85%;white-space:pre-wrap;word-wrap:break-word}
.bot{background:#eef2ff}.user{background:#1d4ed8;color:#fff;margin-left:auto}.note{font-size:12px;color:#5b6473}
form{display:flex;gap:8px;margin-top:12px}input{flex:1;padding:10px;border-radius:8px;border:1px solid #c5cbd6;font:inherit}
button{padding:10px 18px;border:0;border-radius:8px;background:#1d4ed8;color:#fff;font:inherit;cursor:pointer}
"""

SCRIPT = """
(function () {
  var cfg = JSON.parse(document.getElementById("assistant-config").textContent);
  var log = document.getElementById("log"), form = document.getElementById("f"), input = document.getElementById("q");
  var sessionId = null;
  function add(text, who, note) {
    var div = document.createElement("div"); div.className = "msg " + who; div.textContent = text;
    if (note) { var n = document.createElement("div"); n.className = "note"; n.textContent = note; div.appendChild(n); }
    log.appendChild(div); log.scrollTop = log.scrollHeight;
  }
  add(cfg.greeting, "bot");
  function send(text) {
    var body = {message: text};
    if (sessionId) { body.session_id = sessionId; }
    fetch(cfg.chatPath, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (b) { return [r.status, b]; }); })
      .then(function (res) {
        var body = res[1];
        if (res[0] === 404 && sessionId) {
          // The conversation expired (idle too long, or the service restarted): start a new one.
          sessionId = null; add("That conversation has expired; starting a new one.", "bot"); send(text); return;
        }
        if (res[0] !== 200) { add(typeof body.detail === "string" ? body.detail : "Request failed (" + res[0] + ")", "bot"); return; }
        sessionId = body.session_id;
        var note = body.sources && body.sources.length ? "Source: " + body.sources[0].title : "";
        if (body.handoff) { note = "Handed over to a person"; }
        add(body.reply, "bot", note);
      })
      .catch(function () { add("The assistant cannot be reached right now.", "bot"); });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim(); if (!text) { return; }
    add(text, "user"); input.value = "";
    send(text);
  });
})();
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; connect-src 'self'; style-src {_sha256(STYLE)}; "
    f"script-src {_sha256(SCRIPT)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def json_for_script(value: object) -> str:
    """JSON that is safe inside <script>: cannot close the tag or contain JS line breaks."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def render_page(name: str, greeting: str, chat_path: str, max_chars: int = 2000) -> str:
    config = json_for_script({"name": name, "greeting": greeting, "chatPath": chat_path})
    title = html.escape(name, quote=True).replace("\u2028", "&#x2028;").replace("\u2029", "&#x2029;")
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title}</h1>\n<div id=\"log\" aria-live=\"polite\"></div>\n"
        "<form id=\"f\"><input id=\"q\" autocomplete=\"off\" placeholder=\"Type your question\" "
        f"aria-label=\"Your message\" maxlength=\"{int(max_chars)}\"><button type=\"submit\">Send</button></form>\n"
        f"</main>\n<script id=\"assistant-config\" type=\"application/json\">{config}</script>\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
