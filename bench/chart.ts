// The bench's chart: wall time against N, one panel per scenario, one line per tool; hand-written SVG, log scales.
import { medianWall, LABEL, SCENARIOS, type Sample } from "./report.js";
import { TOOLS, type Tool } from "./tools.js";

const COLOR: Record<Tool, string> = { armgo: "#0b7a3e", floor: "#555555", ansible: "#c2410c", mitogen: "#7c3aed" };
const DASH: Record<Tool, string> = { armgo: "", floor: "4 3", ansible: "", mitogen: "" };
const LEGEND_STEP = 150;
const PANEL = { w: 300, h: 260, left: 56, right: 14, top: 34, bottom: 44 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
// Tick values are 1, 2 or 5 times a power of ten: shortest exact text.
const fmt = (s: number) => String(Number(s.toPrecision(1)));

/** Decades (and 2×, 5×) covering [lo, hi] for a log axis. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo / 1.0001 && v <= hi * 1.0001) out.push(v);
    }
  }
  return out;
}

export function chart(samples: Sample[]): string {
  const ns = [...new Set(samples.map((s) => s.hosts))].sort((a, b) => a - b);
  const scenarios = SCENARIOS.filter((sc) => samples.some((s) => s.scenario === sc));
  const secs = samples.map((s) => s.wallMs / 1000);
  const yLo = 10 ** Math.floor(Math.log10(Math.min(...secs)));
  const yHi = 10 ** Math.ceil(Math.log10(Math.max(...secs)));
  const xLo = Math.min(...ns) / 1.25;
  const xHi = Math.max(...ns) * 1.25;
  const plotW = PANEL.w - PANEL.left - PANEL.right;
  const plotH = PANEL.h - PANEL.top - PANEL.bottom;
  const x = (n: number) => PANEL.left + ((Math.log(n) - Math.log(xLo)) / (Math.log(xHi) - Math.log(xLo))) * plotW;
  const y = (s: number) =>
    PANEL.top + plotH - ((Math.log(s) - Math.log(yLo)) / (Math.log(yHi) - Math.log(yLo))) * plotH;
  const width = Math.max(PANEL.w * scenarios.length, 4 * LEGEND_STEP + 20);
  const height = PANEL.h + 56;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  scenarios.forEach((sc, i) => {
    const g: string[] = [`<g transform="translate(${i * PANEL.w},0)">`];
    g.push(
      `<text x="${PANEL.left + plotW / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${sc}</text>`,
    );
    for (const t of ticks(yLo, yHi)) {
      g.push(
        `<line x1="${PANEL.left}" x2="${PANEL.left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`,
      );
      g.push(`<text x="${PANEL.left - 5}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)} s</text>`);
    }
    for (const n of ns) {
      g.push(
        `<line x1="${x(n).toFixed(1)}" x2="${x(n).toFixed(1)}" y1="${PANEL.top}" y2="${PANEL.top + plotH}" stroke="#e5e5e5"/>`,
      );
      g.push(`<text x="${x(n).toFixed(1)}" y="${PANEL.top + plotH + 15}" text-anchor="middle">${n}</text>`);
    }
    g.push(`<rect x="${PANEL.left}" y="${PANEL.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
    g.push(`<text x="${PANEL.left + plotW / 2}" y="${PANEL.top + plotH + 32}" text-anchor="middle">hosts (N)</text>`);
    for (const tool of TOOLS) {
      const pts = ns.flatMap((n) => {
        const m = medianWall(
          samples.filter((s) => s.hosts === n),
          tool,
          sc,
        );
        return m === undefined ? [] : [[x(n), y(m / 1000), m / 1000] as const];
      });
      if (!pts.length) continue;
      const d = pts.map(([px, py], k) => `${k ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join(" ");
      g.push(
        `<path d="${d}" fill="none" stroke="${COLOR[tool]}" stroke-width="2"${DASH[tool] ? ` stroke-dasharray="${DASH[tool]}"` : ""}/>`,
      );
      for (const [px, py, s] of pts)
        g.push(
          `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${COLOR[tool]}"><title>${esc(`${LABEL[tool]} ${sc}: ${s.toFixed(2)} s`)}</title></circle>`,
        );
    }
    g.push("</g>");
    parts.push(...g);
  });
  // One legend for all panels, under them.
  TOOLS.forEach((tool, i) => {
    const lx = 20 + i * LEGEND_STEP;
    const ly = PANEL.h + 20;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${COLOR[tool]}" stroke-width="2"${DASH[tool] ? ` stroke-dasharray="${DASH[tool]}"` : ""}/>`,
    );
    parts.push(
      `<text x="${lx + 30}" y="${ly + 4}">${esc(tool === "floor" ? "floor (no tool)" : tool === "mitogen" ? "Ansible+Mitogen" : LABEL[tool])}</text>`,
    );
  });
  parts.push(
    `<text x="20" y="${PANEL.h + 46}" fill="#666">median wall time of each tool at each N (forks = N), log scales; bench/RESULTS.md has the runs</text>`,
  );
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
