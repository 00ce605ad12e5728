// The page's sections, each from the report's data: the fleet in a few rows first, then over time,
// then every host, then each host's timeline with its log's verdict.
import { anchor, esc } from "./escape.js";
import type { DeployEvent, FleetReport, Group, HostNow, HostTimeline, ReleaseRow, TimelineRow } from "./model.js";
import { barChart, dotChart, laneChart } from "./svg.js";

const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 12) : "none");
const when = (ts: string | undefined): string => (ts ? ts.slice(0, 16).replace("T", " ") : "");
const badge = (cls: string, text: string): string => `<span class="badge ${cls}">${esc(text)}</span>`;
const hostLink = (h: string): string => `<a href="#${anchor(h)}">${esc(h)}</a>`;

function sample(g: { hosts: number; sample: string[] }): string {
  const more = g.hosts - g.sample.length;
  return g.sample.map(hostLink).join(", ") + (more > 0 ? ` and ${more} more` : "");
}

export function summary(r: FleetReport): string {
  const tiles: Array<[string, number, string]> = [
    ["hosts", r.hosts.length, ""],
    ["drifted now", r.hosts.filter((h) => h.trusted && h.drift?.state === "drifted").length, "warn"],
    [
      "last run failed",
      r.hosts.filter((h) => h.trusted && (h.last_run?.result === "failed" || h.last_run?.result === "unreachable"))
        .length,
      "bad",
    ],
    ["tampered logs", r.untrusted.length, "bad"],
  ];
  const banner =
    r.untrusted.length === 0
      ? ""
      : `<p class="alert" id="tampered">Tampered audit log${r.untrusted.length > 1 ? "s" : ""}: ${r.untrusted.map(hostLink).join(", ")}. Their records are not counted in any view below.</p>`;
  return `<div class="tiles">${tiles.map(([k, n, cls]) => `<div class="tile ${n > 0 ? cls : ""}"><b>${n}</b>${esc(k)}</div>`).join("")}</div>${banner}`;
}

function groupTable(title: string, id: string, groups: Group[], total: number): string {
  const rows = groups.map(
    (g) =>
      `<tr><td>${esc(g.key)}</td><td class="n">${g.hosts} host${g.hosts === 1 ? "" : "s"}</td><td class="bar"><span style="width:${((g.hosts / Math.max(1, total)) * 100).toFixed(1)}%"></span></td><td>${sample(g)}</td></tr>`,
  );
  return `<section id="${id}"><h2>${esc(title)}</h2><table><thead><tr><th>${esc(title.split(" per ")[1] ?? "")}</th><th>hosts</th><th></th><th>for example</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

export function groups(r: FleetReport): string {
  const total = r.hosts.filter((h) => h.trusted).length;
  return (
    groupTable("Hosts per Go version", "go-versions", r.go_versions, total) +
    groupTable("Hosts per OS release", "os-releases", r.os_releases, total)
  );
}

const hosts = (list: string[]): string =>
  list.length
    ? `${list.length}: ${list.slice(0, 5).map(hostLink).join(", ")}${list.length > 5 ? ` and ${list.length - 5} more` : ""}`
    : "";

export function releases(rows: ReleaseRow[]): string {
  if (rows.length === 0)
    return `<section id="releases"><h2>App releases</h2><p class="muted">No deploy in the logs.</p></section>`;
  const body = rows.map(
    (r) =>
      `<tr class="release-${r.status}"><td>${esc(r.app)}</td><td><code>${esc(short(r.release))}</code></td><td>${badge(r.status, r.status)}</td><td class="n">${r.current}</td><td>${hosts(r.bad_on)}</td><td>${hosts(r.unfinished_on)}</td><td>${esc(when(r.first_seen))}</td></tr>`,
  );
  return `<section id="releases"><h2>App releases</h2><table><thead><tr><th>app</th><th>release</th><th>status</th><th>current on</th><th>bad on</th><th>unfinished on</th><th>first seen</th></tr></thead><tbody>${body.join("")}</tbody></table></section>`;
}

const KIND_CLASS: Record<DeployEvent["kind"], string> = {
  deployed: "s-good",
  rollback: "s-info",
  "rolled back": "s-bad",
  unfinished: "s-warn",
};

/** Deploy events that happened together (same day, app, kind and releases) as one row. */
function deployRows(events: DeployEvent[]): string {
  const rows = new Map<string, { e: DeployEvent; hosts: string[] }>();
  for (const e of events) {
    const key = [e.ts.slice(0, 13), e.app, e.kind, e.release, e.other].join("\0");
    const row = rows.get(key) ?? { e, hosts: [] };
    row.hosts.push(e.host);
    rows.set(key, row);
  }
  const what = (e: DeployEvent): string =>
    e.kind === "rolled back"
      ? `${short(e.other)} went bad; back to ${short(e.release)}`
      : e.kind === "unfinished"
        ? `${short(e.other)} not settled; ${short(e.release)} current`
        : `${short(e.other)} → ${short(e.release)}`;
  return [...rows.values()]
    .reverse()
    .map(
      ({ e, hosts: hs }) =>
        `<tr><td>${esc(when(e.ts))}</td><td>${esc(e.app)}</td><td>${badge(KIND_CLASS[e.kind], e.kind)}</td><td><code>${esc(what(e))}</code></td><td>${hosts(hs)}</td></tr>`,
    )
    .join("");
}

export function overTime(r: FleetReport): string {
  const from = Date.parse(r.since);
  const to = Date.parse(r.generated_at);
  const labels = r.days.map((d) => d.day.slice(5));
  const drift = barChart(
    labels,
    [
      { name: "hosts drifted", cls: "s-warn", values: r.days.map((d) => d.drift_found) },
      { name: "of them fixed", cls: "s-good", values: r.days.map((d) => d.drift_fixed) },
    ],
    "drift found and fixed per day",
  );
  const runs = barChart(
    labels,
    [
      { name: "runs", cls: "s-info", values: r.days.map((d) => d.runs) },
      { name: "runs with a failure", cls: "s-bad", values: r.days.map((d) => d.failed_runs) },
      { name: "failed tasks", cls: "s-warn", values: r.days.map((d) => d.failures) },
    ],
    "runs and failures per day",
  );
  const kinds = [
    { name: "play", cls: "s-info" },
    { name: "check", cls: "s-muted" },
    { name: "drift", cls: "s-warn" },
  ];
  const durations = dotChart(
    r.runs.map((run) => ({
      t: Date.parse(run.ts),
      v: run.duration_s,
      cls: run.failed_hosts > 0 ? "s-bad" : kinds.find((k) => k.name === run.kind)!.cls,
      title: `${when(run.ts)} ${run.kind} ${run.playbook}: ${run.hosts} hosts, ${run.duration_s.toFixed(1)} s${run.failed_hosts ? `, ${run.failed_hosts} failed` : ""}`,
    })),
    from,
    to,
    "run durations",
    [...kinds, { name: "a host failed", cls: "s-bad" }],
  );
  const apps = [...new Set(r.deploys.map((d) => d.app))].sort();
  const lanes = laneChart(
    apps.map((app) => ({
      label: app,
      marks: r.deploys
        .filter((d) => d.app === app)
        .map((d) => ({
          t: Date.parse(d.ts),
          cls: KIND_CLASS[d.kind],
          title: `${when(d.ts)} ${d.host}: ${d.kind} ${short(d.release)}`,
        })),
    })),
    from,
    to,
    "deploys and rollbacks per app",
    Object.entries(KIND_CLASS).map(([name, cls]) => ({ name, cls })),
  );
  const deployTable = r.deploys.length
    ? `<table><thead><tr><th>when (UTC)</th><th>app</th><th>what</th><th>releases</th><th>hosts</th></tr></thead><tbody>${deployRows(r.deploys)}</tbody></table>`
    : `<p class="muted">No deploy in this window.</p>`;
  return `<section id="over-time"><h2>Since ${esc(when(r.since))} (UTC)</h2>
<h3>Drift found and fixed per day</h3>${drift}
<h3>Runs and failures per day</h3>${runs}
<h3>Run durations</h3>${durations}
<h3>Deploys and rollbacks</h3>${apps.length ? lanes : ""}${deployTable}</section>`;
}

const RESULT_CLASS: Record<string, string> = {
  ok: "good",
  changed: "info",
  failed: "bad",
  unreachable: "bad",
  interrupted: "warn",
  unfinished: "warn",
};
const DRIFT_CLASS: Record<string, string> = {
  in_sync: "good",
  fixed: "good",
  drifted: "warn",
  failed: "bad",
  unreachable: "bad",
};

function hostRow(h: HostNow): string {
  const apps = h.apps
    .map(
      (a) =>
        `${esc(a.app)} <code>${esc(short(a.release))}</code> ${badge(a.status === "good" ? "good" : a.status === "none" ? "muted" : "bad", a.left ? `${a.status} from ${short(a.left)}` : a.status)}`,
    )
    .join("<br>");
  const run = h.last_run
    ? `${esc(when(h.last_run.ts))}${h.last_run.check ? " (check)" : ""} ${badge(RESULT_CLASS[h.last_run.result]!, h.last_run.result)}`
    : `<span class="muted">never run</span>`;
  const drift = h.drift ? badge(DRIFT_CLASS[h.drift.state]!, h.drift.state.replace("_", " ")) : "";
  const chain = h.chain.state === "verified" ? badge("good", "verifies") : badge("bad", "TAMPERED");
  return `<tr${h.trusted ? "" : ' class="untrusted"'}><td>${hostLink(h.host)}</td><td>${esc(h.arch ?? "")}</td><td>${esc(h.os ?? "")}</td><td>${esc(h.glibc ?? "")}</td><td>${esc(h.go ?? "")}</td><td>${apps}</td><td>${run}</td><td>${drift}</td><td>${chain}</td></tr>`;
}

export function hostTable(r: FleetReport): string {
  return `<section id="hosts"><h2>Hosts now</h2><table class="hosts"><thead><tr><th>host</th><th>arch</th><th>OS</th><th>glibc</th><th>Go</th><th>apps</th><th>last run (UTC)</th><th>drift</th><th>audit chain</th></tr></thead><tbody>${r.hosts.map(hostRow).join("")}</tbody></table></section>`;
}

const TIMELINE_HEAD = `<thead><tr><th>when (UTC)</th><th>what</th><th>status</th><th>message</th><th>run</th></tr></thead>`;

const verdictHead = (host: string, t: HostTimeline): string =>
  t.chain.state === "verified"
    ? `${esc(host)} ${badge("good", "chain verifies")} ${t.chain.records} records`
    : `${esc(host)} ${badge("bad", "TAMPERED")} ${esc(t.chain.detail ?? "")} — these records are not trusted`;

const status = (r: TimelineRow): string =>
  `${r.status}${r.check && r.what !== "run start" && r.what !== "run end" ? " (check: nothing done)" : ""}`;

const olderLine = (host: string, t: HostTimeline): string =>
  t.older ? `<p class="muted">${t.older} older rows in the log (armgo audit ${esc(host)}).</p>` : "";

/** A tampered log's timeline, drawn in HTML and always open: its verdict needs no script to be read. */
function tamperedBlock(host: string, t: HostTimeline): string {
  const rows = t.rows
    .map(
      (r) =>
        `<tr${r.check ? ' class="check"' : ""}><td>${esc(when(r.ts))}</td><td>${esc(r.what)}</td><td>${esc(status(r))}</td><td>${esc(r.msg)}</td><td><code>${esc(r.run_id.slice(0, 8))}</code></td></tr>`,
    )
    .join("");
  return `<div class="timeline open" id="${anchor(host)}"><div class="head">${verdictHead(host, t)}</div><div class="rows"><table>${TIMELINE_HEAD}<tbody>${rows}</tbody></table>${olderLine(host, t)}</div></div>`;
}

/**
 * Every verified host's rows as one compact JSON (strings once in a table, times as minutes before
 * the report): a thousand hosts' timelines in HTML were most of the page. TIMELINE_SCRIPT draws a
 * host's rows when its link is followed.
 */
function timelineData(r: FleetReport): string {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const str = (v: string): number => {
    let i = index.get(v);
    if (i === undefined) index.set(v, (i = strings.push(v) - 1));
    return i;
  };
  const at = Math.floor(Date.parse(r.generated_at) / 60_000);
  const hosts: Record<string, number[][]> = {};
  for (const [host, t] of Object.entries(r.timelines))
    if (t.chain.state === "verified")
      hosts[anchor(host)] = t.rows.map((x) => [
        at - Math.floor(Date.parse(x.ts) / 60_000),
        str(x.what),
        str(status(x)),
        str(x.msg),
        str(x.run_id.slice(0, 8)),
        x.check ? 1 : 0,
      ]);
  // a record without a time gives NaN, written as null: drawn empty. "<" escaped: the data can never close its script element
  return JSON.stringify({ at, strings, hosts }).replace(/</g, "\\u003c");
}

// The page's one script, inline: fills a timeline's table from the data when its host is followed.
const TIMELINE_SCRIPT = `(()=>{const d=JSON.parse(document.getElementById("timeline-data").textContent),s=d.strings;
const fill=(el)=>{const rows=el&&!el.dataset.drawn&&d.hosts[el.id];if(!rows)return;el.dataset.drawn="1";
const tb=el.querySelector("tbody");for(const [m,w,st,msg,run,ck] of rows){const tr=tb.insertRow();if(ck)tr.className="check";
for(const v of [m===null?"":new Date((d.at-m)*6e4).toISOString().slice(0,16).replace("T"," "),s[w],s[st],s[msg]])tr.insertCell().textContent=v;
tr.insertCell().appendChild(document.createElement("code")).textContent=s[run];}};
const byHash=(h)=>fill(document.getElementById(decodeURIComponent(h.slice(1))));
document.addEventListener("click",(e)=>{const a=e.target.closest&&e.target.closest('a[href^="#host-"]');if(a)byHash(a.hash);});
addEventListener("hashchange",()=>byHash(location.hash));byHash(location.hash);})();`;

function verifiedBlock(host: string, t: HostTimeline): string {
  return `<div class="timeline" id="${anchor(host)}"><div class="head">${verdictHead(host, t)}</div><div class="rows"><table>${TIMELINE_HEAD}<tbody></tbody></table>${olderLine(host, t)}</div></div>`;
}

export function timelines(r: FleetReport): string {
  const blocks = Object.entries(r.timelines).map(([h, t]) =>
    t.chain.state === "verified" ? verifiedBlock(h, t) : tamperedBlock(h, t),
  );
  return `<section id="timelines"><h2>Host timelines</h2><p class="muted">Follow a host's link to see its timeline. Newest first: each run's start and end, the tasks that changed or failed, and drift checks.</p><noscript><p class="muted">The rows of a verified log's timeline are drawn by the page's script; <code>armgo audit HOST</code> prints them.</p></noscript>${blocks.join("")}<script type="application/json" id="timeline-data">${timelineData(r)}</script><script>${TIMELINE_SCRIPT}</script></section>`;
}
