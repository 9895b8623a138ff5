// The status page served at GET /, for the admin on call: the overview
// drawn on the server (one headline per profile, 24-hour timelines, the
// latest events: readable without JavaScript) above the detailed tables
// that the script draws from /api/v1/status. Its style and script are
// served by the same server (/assets/...), nothing runs inline and nothing
// loads from elsewhere, so a strict Content-Security-Policy holds; the
// script refreshes the page when the event stream says something happened.
#pragma once

#include <string_view>

namespace gtm::status {

inline constexpr std::string_view kDashboardCss = R"CSS(body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.Online { background: #d6f5d6; } .Degraded { background: #f8d0d0; } .Full { background: #fbe7b5; }
.CheckingEndpoint { background: #fff3c4; } .Disabled, .Unmonitored { background: #e4e4e4; }
.warn { color: #a35a00; } .muted { color: #777; }
.headlines { list-style: none; padding: 0; font-size: 1.15em; }
.headlines li { padding: .35em .6em; margin: .2em 0; border-left: .5em solid #999; }
.hl-ok { border-color: #2e9d2e !important; background: #eef9ee; }
.hl-notice { border-color: #c9a100 !important; background: #fffbe6; }
.hl-failed-over { border-color: #e07000 !important; background: #fff0e0; }
.hl-fail-open, .hl-fail-closed { border-color: #c62828 !important; background: #fdeaea; }
.hl-name { font-weight: 600; margin-right: .6em; }
svg.timeline { width: 24em; height: .9em; display: block; background: #eee; }
.t-Online { fill: #4caf50; } .t-Degraded { fill: #e53935; } .t-Full { fill: #f0a000; }
.t-CheckingEndpoint { fill: #ffe082; } .t-Unmonitored, .t-Disabled { fill: #bdbdbd; }
.t-drained { fill: #7e57c2; } .t-disabled { fill: #616161; } .t-unknown { fill: #eeeeee; }
.journal-warning { color: #fff; background: #c62828; padding: .4em .6em; }
details > summary { cursor: pointer; }
form.inline { display: inline; } form.inline input { margin-right: .4em; }
)CSS";

inline constexpr std::string_view kDashboardJs = R"JS(// Errors of this page (a script error, something the CSP blocked): kept
// where the tests that load the page, and an admin's console, can see them.
window.gtmPageErrors = [];
window.addEventListener('error', e => window.gtmPageErrors.push(String(e.message || e.type)));
document.addEventListener('securitypolicyviolation',
                          e => window.gtmPageErrors.push('CSP: ' + e.violatedDirective + ' ' + e.blockedURI));
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function ago(iso) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? s + ' s ago' : Math.round(s / 60) + ' min ago';
}
function checkCells(tr, c) {
  if (!c) { tr.appendChild(el('td', 'no monitors', 'muted')); for (let k = 0; k < 5; k++) tr.appendChild(el('td', '')); return; }
  tr.appendChild(el('td', c.monitor));
  tr.appendChild(el('td', c.address));
  const check = el('td', c.state, c.state);
  // In a cluster the answers follow what the nodes agree: shown where it differs.
  if (c.agreed && c.agreed !== c.state) check.appendChild(el('div', 'nodes agree: ' + c.agreed, c.agreed));
  if (c.nodes) check.appendChild(el('div', Object.entries(c.nodes).map(([n, st]) => n + ' ' + st).join(', ')));
  tr.appendChild(check);
  tr.appendChild(el('td', c.latency_ms.toFixed(1) + ' ms'));
  tr.appendChild(el('td', ago(c.since)));
  const reason = el('td', c.reason);
  if (c.warning) reason.appendChild(el('div', '\u26a0 ' + c.warning, 'warn'));
  // What the probe learned of the server (IKEv2: proposal, fragmentation, NAT, ...).
  if (c.details) for (const [k, v] of Object.entries(c.details)) reason.appendChild(el('div', k + ': ' + v, 'muted'));
  tr.appendChild(reason);
}
// One table: a row per check of each member (a profile's endpoint, a
// service's real server), the member's own cells spanning its rows.
function memberTable(root, title, columns, members) {
  root.appendChild(el('h2', title));
  const t = el('table');
  const head = el('tr');
  for (const h of columns.concat(['monitor', 'address', 'check', 'latency', 'since', 'reason'])) head.appendChild(el('th', h));
  t.appendChild(head);
  for (const m of members) {
    const checks = m.checks.length ? m.checks : [null];
    checks.forEach((c, i) => {
      const tr = el('tr');
      tr.dataset.endpoint = m.key;
      if (i === 0) {
        for (const [v, cls] of m.cells) {
          const td = el('td', v, cls); td.rowSpan = checks.length; if (cls) td.dataset.state = v; tr.appendChild(td);
        }
      }
      checkCells(tr, c);
      t.appendChild(tr);
    });
  }
  root.appendChild(t);
}
function render(st) {
  document.getElementById('time').textContent = st.time;
  const root = document.getElementById('profiles');
  root.replaceChildren();
  // DNSSEC: a zone whose signatures were due to be made again and were not.
  for (const z of st.zones || [])
    if (z.dnssec && z.dnssec.warning) root.appendChild(el('h2', '\u26a0 zone ' + z.origin + ': ' + z.dnssec.warning, 'warn'));
  if (st.cluster) {
    const c = st.cluster;
    root.appendChild(el('h2', 'cluster: node ' + c.node + ', agreement ' + c.agreement + (c.connected ? '' : ' \u2014 NOT connected to etcd: answering by its own view'),
                        c.connected ? '' : 'Degraded'));
    const t = el('table');
    const head = el('tr');
    for (const h of ['node', 'version', 'config']) head.appendChild(el('th', h));
    t.appendChild(head);
    for (const n of c.nodes) {
      const tr = el('tr');
      tr.appendChild(el('td', n.name));
      tr.appendChild(el('td', n.version));
      const differs = n.config_digest !== c.config_digest;
      tr.appendChild(el('td', n.config_digest + (differs ? ' (differs from this node\'s)' : ''), differs ? 'Degraded' : ''));
      t.appendChild(tr);
    }
    root.appendChild(t);
  }
  // Hidden primary: each secondary's last transfer and lag, each NOTIFY.
  for (const x of st.transfers || []) {
    root.appendChild(el('h2', 'secondaries of ' + x.zone + ' (serial ' + x.serial + ', journal ' + x.journal + ' of ' + x.journal_capacity + ')'));
    const t = el('table');
    const head = el('tr');
    for (const h of ['secondary', 'last transfer', 'serial', 'had', 'bytes', 'when', 'behind', 'NOTIFY']) head.appendChild(el('th', h));
    t.appendChild(head);
    const notifies = {};
    for (const n of x.notify) notifies[n.target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')] = n;
    const seen = new Set();
    for (const p of x.secondaries) {
      seen.add(p.peer);
      const n = notifies[p.peer];
      const tr = el('tr');
      tr.appendChild(el('td', p.peer));
      tr.appendChild(el('td', p.last, p.last.startsWith('refused') ? 'Degraded' : ''));
      for (const v of [p.serial, p.asked_serial || '', p.bytes, p.time ? ago(p.time) : '']) tr.appendChild(el('td', String(v)));
      tr.appendChild(el('td', p.lag_seconds ? p.lag_seconds + ' s' : 'up to date', p.lag_seconds > 60 ? 'Degraded' : ''));
      tr.appendChild(el('td', n ? n.serial + ': ' + n.result + ' (' + n.tries + ' tries)' : ''));
      t.appendChild(tr);
    }
    for (const n of x.notify) {
      if (seen.has(n.target.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''))) continue;
      const tr = el('tr');
      tr.appendChild(el('td', n.target));
      tr.appendChild(el('td', 'never transferred', 'Degraded'));
      for (let i = 0; i < 5; i++) tr.appendChild(el('td', ''));
      tr.appendChild(el('td', n.serial + ': ' + n.result + ' (' + n.tries + ' tries)', n.answered ? '' : 'Degraded'));
      t.appendChild(tr);
    }
    root.appendChild(t);
  }
  for (const s of st.services || [])
    memberTable(root, s.name + ' (' + s.vip + ' ' + s.protocol + ' ' + s.ports.join(', ') + ', Maglev table ' + s.table_size + ')',
                ['real server', 'state', 'weight', 'table slots'],
                s.reals.map(r => ({ key: s.name + '/' + r.name, checks: r.checks,
                                    cells: [[r.name + ' ' + r.address], [r.state, r.state], [String(r.weight)], [String(r.slots)]] })));
  for (const p of st.profiles || [])
    memberTable(root, p.name + ' (' + p.fqdn + ', ' + p.routing + ', TTL ' + p.ttl + ') answers ' + (p.answer.join(', ') || 'nothing (NODATA)'),
                ['endpoint', 'state', 'targets'],
                p.endpoints.map(e => ({ key: p.name + '/' + e.name, checks: e.checks,
                                        cells: [[e.name + (e.profile ? ' \u2192 ' + e.profile : '') +
                                                 (e.regions ? ' [' + e.regions.join(' ') + (e.fallback ? ' fallback' : '') + ']' : '')],
                                                [e.state, e.state], [e.targets.join(', ')]] })));
  const body = document.querySelector('#events tbody');
  body.replaceChildren();
  for (const ev of st.events.slice().reverse()) {
    const tr = el('tr');
    for (const v of [ev.time, ev.endpoint, ev.monitor || '(endpoint)', ev.from]) tr.appendChild(el('td', v));
    tr.appendChild(el('td', ev.to, ev.to));
    tr.appendChild(el('td', ev.reason));
    body.appendChild(tr);
  }
}
async function refresh() {
  try { const r = await fetch('/api/v1/status', { cache: 'no-store' }); render(await r.json()); }
  catch (e) { document.getElementById('time').textContent = 'cannot reach gtm: ' + e; }
}
// The server-drawn overview (headlines, timelines, latest events), fetched
// again when an event arrives over the stream, at most every 300 ms.
let overviewDue = null;
async function refreshOverview() {
  overviewDue = null;
  try {
    const r = await fetch('/overview', { cache: 'no-store' });
    if (r.ok) document.getElementById('overview').innerHTML = await r.text();
  } catch (e) { /* the status refresh says gtm cannot be reached */ }
}
function soon() {
  if (!overviewDue) overviewDue = setTimeout(() => { refreshOverview(); refresh(); }, 300);
}
document.addEventListener('DOMContentLoaded', () => {
  refresh();
  // Live: each event refreshes the page's parts; without the stream (an
  // old proxy) every 2 s as before.
  if (window.EventSource) {
    const stream = new EventSource('/api/v1/events?follow=1');
    stream.onmessage = soon;
    for (const t of ['check', 'endpoint', 'answer', 'admin', 'reload', 'cluster', 'dnssec', 'certificate'])
      stream.addEventListener(t, soon);
    setInterval(refresh, 10000);
    setInterval(refreshOverview, 60000);
  } else {
    setInterval(() => { refresh(); refreshOverview(); }, 2000);
  }
});
)JS";

// The page: kPageHead, the provider's overview, kPageTail.
inline constexpr std::string_view kPageHead = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gtm status</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/dashboard.js"></script>
</head>
<body>
<h1>gtm status <span id="time" class="muted"></span></h1>
<div id="overview">)HTML";
inline constexpr std::string_view kPageTail = R"HTML(</div>
<h2>Profiles and checks</h2>
<div id="profiles">Loading&hellip;</div>
<h2>Recent state changes of checks</h2>
<table id="events"><thead><tr><th>time</th><th>endpoint</th><th>monitor</th><th>from</th><th>to</th><th>reason</th></tr></thead><tbody></tbody></table>
</body></html>
)HTML";

// When reading needs a token: a form that signs in (a session cookie).
inline constexpr std::string_view kLoginPageHead = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gtm status: sign in</title>
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body>
<h1>gtm status</h1>
<p>Reading this server needs a token ([status] read = "token").</p>
)HTML";
inline constexpr std::string_view kLoginPageForm = R"HTML(<form method="post" action="/login">
<label>token <input type="password" name="token" autocomplete="current-password" autofocus></label>
<button type="submit">sign in</button>
</form>
</body></html>
)HTML";

}  // namespace gtm::status
