// Small SVG charts, drawn with DOM calls (the page's Content-Security-Policy allows no inline
// styles) and scaled through their viewBox.

const NS = "http://www.w3.org/2000/svg";

function node(name, attrs = {}, text) {
  const el = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function svg(width, height) {
  return node("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "xMinYMin meet" });
}

/** Replaces the contents of `el` with `chart`. */
function place(el, chart) {
  el.replaceChildren(chart);
}

/** The chart's width in user units: its container's width in pixels, so that text keeps its
 * size on a phone, within sensible bounds. */
function widthOf(el, fallback) {
  return Math.max(300, Math.min(900, Math.round(el.clientWidth || fallback)));
}

const pct = (p, digits = 0) => `${(p * 100).toFixed(digits)}%`;

/**
 * Diverging horizontal bars, one per column, largest effect first; the rest summed in one row.
 * `items`: [{ column, contribution }] in logit units.
 */
export function contributions(el, items, maxBars = 12) {
  const sorted = [...items].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const shown = sorted.slice(0, maxBars);
  const rest = sorted.slice(maxBars);
  if (rest.length) {
    shown.push({ column: `${rest.length} other columns`, contribution: rest.reduce((a, x) => a + x.contribution, 0), other: true });
  }
  const row = 24, width = widthOf(el, 560), label = Math.round(Math.min(170, width * 0.36)), top = 6;
  const height = top + shown.length * row + 6;
  // [label] [room for a value] [negative half | positive half] [room for a value]
  const room = 46;
  const half = (width - label - 2 * room) / 2;
  const mid = label + room + half;
  const max = Math.max(0.05, ...shown.map((x) => Math.abs(x.contribution)));
  const chart = svg(width, height);
  chart.append(node("line", { class: "axis", x1: mid, x2: mid, y1: 0, y2: height }));
  shown.forEach((x, i) => {
    const y = top + i * row;
    const w = (Math.abs(x.contribution) / max) * half;
    const up = x.contribution > 0;
    chart.append(node("text", { x: label - 8, y: y + 15, "text-anchor": "end", class: x.other ? "muted" : "" }, x.column));
    chart.append(node("rect", { x: up ? mid : mid - w, y: y + 3, width: Math.max(w, 1), height: row - 8, class: up ? "up" : "down" }));
    const value = `${up ? "+" : "−"}${Math.abs(x.contribution).toFixed(2)}`;
    chart.append(node("text", { x: up ? mid + w + 5 : mid - w - 5, y: y + 15, "text-anchor": up ? "start" : "end" }, value));
  });
  place(el, chart);
}

/** A histogram of probabilities in `bins` equal bins over [0, 1]. */
export function histogram(el, probabilities, bins = 20) {
  const counts = new Array(bins).fill(0);
  for (const p of probabilities) counts[Math.min(bins - 1, Math.floor(p * bins))]++;
  const width = widthOf(el, 560), height = 190, left = 44, bottom = 24, top = 8, right = 18;
  const max = Math.max(1, ...counts);
  const bw = (width - left - right) / bins;
  const chart = svg(width, height);
  for (const frac of [0.5, 1]) {
    const y = top + (height - top - bottom) * (1 - frac);
    chart.append(node("line", { class: "grid", x1: left, x2: width - right, y1: y, y2: y }));
    chart.append(node("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, String(Math.round(max * frac))));
  }
  counts.forEach((c, i) => {
    const h = ((height - top - bottom) * c) / max;
    chart.append(node("rect", { class: "bar", x: left + i * bw + 1, y: height - bottom - h, width: bw - 2, height: h }));
  });
  chart.append(node("line", { class: "axis", x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    chart.append(node("text", { x: left + t * (width - left - right), y: height - 6, "text-anchor": "middle" }, pct(t)));
  }
  place(el, chart);
}

/**
 * A line chart of `ys` against `xs` (thresholds in [0, 1]), with a marked point and the current
 * position.
 */
export function profitCurve(el, xs, ys, best, current) {
  const width = widthOf(el, 640), height = 250, left = 62, bottom = 28, top = 26, right = 22;
  const lo = Math.min(0, ...ys), hi = Math.max(1, ...ys);
  const X = (x) => left + x * (width - left - right);
  const Y = (y) => top + (height - top - bottom) * (1 - (y - lo) / (hi - lo));
  const chart = svg(width, height);
  for (const v of [lo, (lo + hi) / 2, hi]) {
    chart.append(node("line", { class: "grid", x1: left, x2: width - right, y1: Y(v), y2: Y(v) }));
    chart.append(node("text", { x: left - 6, y: Y(v) + 4, "text-anchor": "end" }, money(v)));
  }
  chart.append(node("line", { class: "axis", x1: left, x2: width - right, y1: Y(0), y2: Y(0) }));
  chart.append(node("path", { class: "curve", d: xs.map((x, i) => `${i ? "L" : "M"}${X(x).toFixed(1)},${Y(ys[i]).toFixed(1)}`).join(" ") }));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    chart.append(node("text", { x: X(t), y: height - 8, "text-anchor": "middle" }, pct(t)));
  }
  chart.append(node("line", { class: "axis", x1: X(current), x2: X(current), y1: top, y2: height - bottom }));
  chart.append(node("circle", { class: "marker", cx: X(best.x), cy: Y(best.y), r: 5 }));
  const label = `best: ${pct(best.x)} → ${money(best.y)}`;
  const rightHalf = X(best.x) > width / 2;
  chart.append(node("text", { x: X(best.x) + (rightHalf ? -8 : 8), y: Y(best.y) - 10, "text-anchor": rightHalf ? "end" : "start" }, label));
  place(el, chart);
}

export function money(v) {
  const abs = Math.abs(v);
  const text = abs >= 1e6 ? `${(abs / 1e6).toFixed(2)}M` : abs >= 1e3 ? `${(abs / 1e3).toFixed(1)}k` : abs.toFixed(0);
  return `${v < 0 ? "−" : ""}${text}`;
}
