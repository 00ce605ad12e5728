// The report's charts, as inline SVG: drawn here (a few dozen lines beat a charting library the
// page would have to inline), coloured by CSS classes so the page's light and dark themes apply.
import { esc } from "./escape.js";

const W = 720;
const PAD = { left: 40, right: 10, top: 10, bottom: 28 };

export interface Series {
  name: string;
  /** CSS class of its marks (the page's stylesheet colours it). */
  cls: string;
  values: number[];
}

/** The y axis's top: a round number at or above `max`. */
function niceMax(max: number): number {
  if (max <= 1) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / step) * step;
}

function yAxis(top: number, h: number, unit = ""): string {
  return [0, top / 2, top]
    .map((v) => {
      const y = PAD.top + h - (v / top) * h;
      return `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}"/><text class="tick" x="${PAD.left - 4}" y="${y + 4}" text-anchor="end">${esc(Number(v.toPrecision(3)))}${unit}</text>`;
    })
    .join("");
}

function legend(series: { name: string; cls: string }[]): string {
  return series
    .map(
      (s, i) =>
        `<rect class="${s.cls}" x="${PAD.left + i * 150}" y="2" width="10" height="10"/><text class="tick" x="${PAD.left + i * 150 + 14}" y="11">${esc(s.name)}</text>`,
    )
    .join("");
}

/** Side-by-side bars per label (a day), one per series; every ~7th label written. */
export function barChart(labels: string[], series: Series[], title: string, height = 160): string {
  const h = height - PAD.top - PAD.bottom - 14;
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const slot = (W - PAD.left - PAD.right) / Math.max(1, labels.length);
  const bw = Math.max(1, (slot * 0.8) / series.length);
  const every = Math.max(1, Math.ceil(labels.length / 8));
  const bars = series.flatMap((s, j) =>
    s.values.flatMap((v, i) => {
      if (v <= 0) return [];
      const bh = (v / top) * h;
      const x = PAD.left + i * slot + slot * 0.1 + j * bw;
      return [
        `<rect class="${s.cls}" x="${x.toFixed(1)}" y="${(14 + PAD.top + h - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}"><title>${esc(`${labels[i]}: ${v} ${s.name}`)}</title></rect>`,
      ];
    }),
  );
  const ticks = labels.flatMap((l, i) =>
    i % every === 0
      ? [
          `<text class="tick" x="${(PAD.left + i * slot + slot / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle">${esc(l)}</text>`,
        ]
      : [],
  );
  return `<svg class="chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(title)}">${legend(series)}<g transform="translate(0,14)">${yAxis(top, h)}</g>${bars.join("")}${ticks.join("")}</svg>`;
}

export interface Point {
  t: number;
  v: number;
  cls: string;
  title: string;
}

/** Dots over time (a run's duration at its start), x from `from` to `to` (ms since the epoch). */
export function dotChart(
  points: Point[],
  from: number,
  to: number,
  title: string,
  kinds: { name: string; cls: string }[],
  unit = "s",
  height = 180,
): string {
  const h = height - PAD.top - PAD.bottom - 14;
  const top = niceMax(Math.max(0, ...points.map((p) => p.v)));
  const span = Math.max(1, to - from);
  const x = (t: number) => PAD.left + ((t - from) / span) * (W - PAD.left - PAD.right);
  const dots = points.map(
    (p) =>
      `<circle class="${p.cls}" cx="${x(p.t).toFixed(1)}" cy="${(14 + PAD.top + h - (p.v / top) * h).toFixed(1)}" r="3"><title>${esc(p.title)}</title></circle>`,
  );
  const ends = [from, to].map(
    (t, i) =>
      `<text class="tick" x="${x(t).toFixed(1)}" y="${height - 8}" text-anchor="${i ? "end" : "start"}">${new Date(t).toISOString().slice(0, 10)}</text>`,
  );
  return `<svg class="chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(title)}">${legend(kinds)}<g transform="translate(0,14)">${yAxis(top, h, unit)}</g>${dots.join("")}${ends.join("")}</svg>`;
}

export interface Lane {
  label: string;
  marks: Array<{ t: number; cls: string; title: string }>;
}

/** One lane per label (an app), a mark per event on a shared time axis. */
export function laneChart(
  lanes: Lane[],
  from: number,
  to: number,
  title: string,
  kinds: { name: string; cls: string }[],
): string {
  const left = 110;
  const laneH = 26;
  const height = 14 + PAD.top + lanes.length * laneH + PAD.bottom;
  const span = Math.max(1, to - from);
  const x = (t: number) => left + ((t - from) / span) * (W - left - PAD.right);
  const body = lanes.map((l, i) => {
    const y = 14 + PAD.top + i * laneH + laneH / 2;
    const marks = l.marks.map(
      (m) =>
        `<rect class="${m.cls}" x="${(x(m.t) - 3).toFixed(1)}" y="${y - 8}" width="6" height="16" rx="1"><title>${esc(m.title)}</title></rect>`,
    );
    return `<line class="grid" x1="${left}" x2="${W - PAD.right}" y1="${y}" y2="${y}"/><text class="tick" x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(l.label)}</text>${marks.join("")}`;
  });
  const ends = [from, to].map(
    (t, i) =>
      `<text class="tick" x="${x(t).toFixed(1)}" y="${height - 8}" text-anchor="${i ? "end" : "start"}">${new Date(t).toISOString().slice(0, 10)}</text>`,
  );
  return `<svg class="chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(title)}">${legend(kinds)}${body.join("")}${ends.join("")}</svg>`;
}
