// The one self-contained page: styles and its one small script inlined, nothing fetched, so it opens
// from disk, an artifact store or a mail attachment; light or dark as the reader's system prefers.
import { esc } from "./escape.js";
import type { FleetReport } from "./model.js";
import { groups, hostTable, overTime, releases, summary, timelines } from "./views.js";

const CSS = `
:root{--bg:#fff;--fg:#1a1a1a;--muted:#666;--line:#ddd;--grid:#e6e6e6;--panel:#f6f6f4;
--good:#0b7a3e;--bad:#c0262d;--warn:#b36200;--info:#1f5fbf;--mute:#8a8a8a;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#16181b;--fg:#e8e8e8;--muted:#9a9a9a;--line:#33363b;--grid:#2a2d31;
--panel:#1f2226;--good:#4cc27a;--bad:#ff6b6b;--warn:#f0a43a;--info:#6aa5ff;--mute:#777}}
body{margin:0 auto;max-width:1100px;padding:16px 20px;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line)}
h3{font-size:14px;margin:16px 0 4px;color:var(--muted)}
.muted{color:var(--muted)}code{font:12px ui-monospace,monospace}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted)}td.n{text-align:right;white-space:nowrap}
td.bar{width:25%}td.bar span{display:block;height:10px;background:var(--info);border-radius:2px}
.tiles{display:flex;gap:10px;margin:12px 0}.tile{background:var(--panel);padding:8px 14px;border-radius:6px;min-width:110px}
.tile b{display:block;font-size:22px}.tile.warn b{color:var(--warn)}.tile.bad b{color:var(--bad)}
.alert{border-left:4px solid var(--bad);background:var(--panel);padding:8px 12px}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;border:1px solid currentColor}
.badge.good{color:var(--good)}.badge.bad{color:var(--bad)}.badge.warn,.badge.unfinished{color:var(--warn)}
.badge.info{color:var(--info)}.badge.muted{color:var(--mute)}.badge.s-good{color:var(--good)}.badge.s-bad{color:var(--bad)}
.badge.s-warn{color:var(--warn)}.badge.s-info{color:var(--info)}
tr.untrusted td{background:var(--panel)}tr.check td{color:var(--muted)}
.timeline{border-bottom:1px solid var(--line);padding:4px 0}.timeline table{font-size:12px}
.timeline .rows{display:none}.timeline:target .rows,.timeline.open .rows{display:block}
.timeline:target{outline:2px solid var(--info);outline-offset:2px}
a{color:var(--info)}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:var(--grid)}svg .tick{fill:var(--muted);font-size:10px}
svg .s-good{fill:var(--good)}svg .s-bad{fill:var(--bad)}svg .s-warn{fill:var(--warn)}svg .s-info{fill:var(--info)}svg .s-muted{fill:var(--mute)}
`;

export function reportHtml(r: FleetReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>armgo fleet report ${esc(r.generated_at.slice(0, 16).replace("T", " "))} UTC</title>
<style>${CSS}</style></head><body>
<h1>armgo fleet report</h1>
<p class="muted">Generated ${esc(r.generated_at.replace("T", " ").slice(0, 19))} UTC from the audit logs and kept facts in ${r.audit_dirs.map((d) => `<code>${esc(d)}</code>`).join(", ")}; no host was contacted.</p>
${summary(r)}
${groups(r)}
${releases(r.releases)}
${overTime(r)}
${hostTable(r)}
${timelines(r)}
</body></html>
`;
}
