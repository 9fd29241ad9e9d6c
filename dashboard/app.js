// The what-if dashboard: every number on this page comes from the scorer module in ./pkg, the
// same compiled scorer the edge functions run, with the model embedded. Nothing leaves the page.
import init, { Scorer } from "./pkg/scorer_wasm.js";
import * as charts from "./charts.js";

const $ = (id) => document.getElementById(id);

const state = {
  scorer: null,
  info: null,
  schema: null,
  card: null,
  original: {},      // the customer the form started from
  customer: {},      // the customer as edited
  pinned: [],        // [{ name, customer, result }]
  batch: null,       // { name, bytes, answer, rows: [parsed raw rows], ms }
  page: 0,
  sort: { key: "probability", dir: -1 },
};

const PAGE = 50;

/* ---------- small DOM helpers ---------- */

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, "");
    else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const pct = (p, digits = 1) => `${(p * 100).toFixed(digits)}%`;
const int = (n) => Math.round(n).toLocaleString("en");
const slug = (s) => s.replace(/[^A-Za-z0-9_-]/g, "_");

function table(target, head, rows) {
  const thead = el("thead", {}, el("tr", {}, head.map((h) => (h instanceof Node ? el("th", { scope: "col" }, h) : el("th", { scope: "col", class: h.num ? "num" : "" }, h.label ?? h)))));
  const tbody = el("tbody", {}, rows);
  target.replaceChildren(thead, tbody);
}

/* ---------- the model ---------- */

async function main() {
  setupTabs();
  try {
    await init();
  } catch (e) {
    return loadError(`The scorer module could not be loaded: ${e.message}`);
  }
  let scorer;
  try {
    scorer = Scorer.embedded();
  } catch (e) {
    loadError(`${e.message}. Load a model file in the Model view.`);
    selectTab("tab-model");
    setupModelLoading();
    return;
  }
  useModel(scorer);
  setupWhatIf();
  setupBatch();
  setupCampaign();
  setupModelLoading();
}

function loadError(message) {
  const box = $("load-error");
  box.textContent = message;
  box.hidden = false;
}

/** Makes `scorer` the page's model: every view switches to it. */
function useModel(scorer) {
  state.scorer = scorer;
  state.info = scorer.info();
  state.schema = scorer.schema();
  state.card = scorer.card();
  $("load-error").hidden = true;
  const i = state.info;
  $("model-line").textContent = `Model “${i.name}” · ${i.model} · predicts ${i.target} = ${i.positive_label} · id ${i.id}`;
  state.original = typicalCustomer();
  state.customer = { ...state.original };
  state.pinned = [];
  $("customer-source").textContent = "Starting from the typical customer of the training data.";
  buildForm();
  rescore();
  renderModel();
  renderCampaign(true);
  if (state.batch) scoreBatch();
}

/** The form's columns: every input column the model reads or echoes. */
function formColumns() {
  return state.schema.columns.filter((c) => c.role !== "ignored");
}

/** The training data's typical customer: medians, most frequent labels and categories. */
function typicalCustomer() {
  const customer = {};
  for (const c of formColumns()) {
    if (c.role === "identifier") customer[c.name] = null;
    else if (c.role === "numeric") customer[c.name] = c.integer ? Math.round(c.typical) : c.typical;
    else customer[c.name] = c.typical;
  }
  return customer;
}

/* ---------- what-if ---------- */

function setupWhatIf() {
  $("reset").addEventListener("click", () => {
    state.customer = { ...state.original };
    buildForm();
    rescore();
  });
  $("pin").addEventListener("click", () => {
    const result = state.scorer.score(state.customer);
    state.pinned.push({ name: `Scenario ${state.pinned.length + 1}`, customer: { ...state.customer }, result });
    renderScenarios();
  });
}

function step(c) {
  if (c.integer) return 1;
  const span = c.max - c.min;
  const raw = span / 200;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
}

function buildForm() {
  const fields = formColumns().map((c) => field(c));
  $("fields").replaceChildren(...fields);
}

function field(c) {
  const id = `f-${slug(c.name)}`;
  const value = state.customer[c.name];
  const wrap = el("div", { class: "field", "data-column": c.name });
  const missingBox = (onChange) =>
    el("label", { class: "missing" }, el("input", { type: "checkbox", id: `${id}-missing`, checked: value === null, onchange: onChange }), "missing");

  if (c.role === "numeric") {
    const current = value ?? c.typical;
    const range = el("input", { type: "range", id: `${id}-range`, min: c.min, max: c.max, step: step(c), value: current, "aria-label": `${c.name} slider`, disabled: value === null });
    const number = el("input", { type: "number", id, step: "any", value: value ?? "", disabled: value === null });
    const set = (v) => {
      state.customer[c.name] = v;
      mark(wrap, c.name);
      rescore();
    };
    range.addEventListener("input", () => { number.value = range.value; set(Number(range.value)); });
    number.addEventListener("input", () => {
      if (number.value === "") return;
      range.value = number.value;
      set(Number(number.value));
    });
    const missing = missingBox((e) => {
      range.disabled = number.disabled = e.target.checked;
      set(e.target.checked ? null : Number(number.value || range.value));
      if (!e.target.checked && number.value === "") number.value = range.value;
    });
    wrap.append(el("div", { class: "name" }, el("label", { for: id }, c.name), missing), el("div", { class: "row" }, range, number));
    wrap.append(el("p", { class: "hint" }, `training range ${fmt(c.min)}–${fmt(c.max)}`));
  } else if (c.role === "date") {
    const input = el("input", { type: "date", id, min: c.min, max: c.max, value: value ?? "", disabled: value === null });
    const set = (v) => { state.customer[c.name] = v; mark(wrap, c.name); rescore(); };
    input.addEventListener("change", () => set(input.value || null));
    const missing = missingBox((e) => { input.disabled = e.target.checked; set(e.target.checked ? null : input.value || c.typical); });
    wrap.append(el("div", { class: "name" }, el("label", { for: id }, c.name), missing), input);
  } else if (c.role === "identifier") {
    const input = el("input", { type: "text", id, value: value ?? "", placeholder: "not used for scoring" });
    input.addEventListener("input", () => { state.customer[c.name] = input.value || null; });
    wrap.append(el("div", { class: "name" }, el("label", { for: id }, c.name)), input);
  } else {
    // boolean and categorical: the learned labels, the current value if it is another, missing
    const options = [...c.categories];
    if (value !== null && !options.includes(String(value))) options.push(String(value));
    const select = el(
      "select",
      { id },
      options.map((o) => el("option", { value: o, selected: String(value) === o }, c.categories.includes(o) ? o : `${o} (not seen in training)`)),
      el("option", { value: "\u0000missing", selected: value === null }, "(missing)"),
    );
    select.addEventListener("change", () => {
      state.customer[c.name] = select.value === "\u0000missing" ? null : select.value;
      mark(wrap, c.name);
      rescore();
    });
    wrap.append(el("div", { class: "name" }, el("label", { for: id }, c.name)), select);
  }
  mark(wrap, c.name);
  return wrap;
}

function fmt(x) {
  return typeof x === "number" ? (Number.isInteger(x) ? String(x) : x.toFixed(2)) : String(x);
}

function mark(wrap, name) {
  wrap.classList.toggle("changed", state.customer[name] !== state.original[name]);
}

function rescore() {
  let e;
  try {
    e = state.scorer.explain(state.customer);
  } catch (err) {
    $("probability").textContent = "–";
    $("warnings").replaceChildren(el("li", {}, err.message));
    return;
  }
  $("probability").textContent = pct(e.probability);
  const band = $("band");
  band.textContent = `${e.risk_band} risk`;
  band.className = `band ${e.risk_band}`;
  $("decision").textContent = e.decision === "contact" ? "contact" : "no contact";
  $("threshold-note").textContent = `The model contacts customers at ${pct(state.info.threshold)} or above (${state.info.decision_rule.replace("_", " ")}).`;
  $("base-probability").textContent = pct(e.base_probability);
  $("warnings").replaceChildren(...e.warnings.filter((w) => w.code !== "imputed" || state.customer[w.field] === null).map((w) => el("li", {}, `${w.field}: ${w.message}`)));
  charts.contributions($("contributions"), e.contributions);
  renderPairs(e.interactions);
  renderScenarios();
}

/** The interaction terms, strongest push first, each with its whole contribution. */
function renderPairs(pairs) {
  $("pairs").hidden = pairs.length === 0;
  const sorted = [...pairs].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  $("pair-list").replaceChildren(
    ...sorted.map((p) => {
      const up = p.contribution > 0;
      const value = `${up ? "+" : "−"}${Math.abs(p.contribution).toFixed(2)}`;
      return el("li", {}, el("span", {}, `${p.columns[0]} × ${p.columns[1]}`), " ", el("strong", { class: up ? "up" : "down" }, value));
    }),
  );
}

function renderScenarios() {
  const section = $("scenarios");
  section.hidden = state.pinned.length === 0;
  if (!state.pinned.length) return;
  const current = state.scorer.score(state.customer);
  const all = [{ name: "Current", customer: state.customer, result: current }, ...state.pinned];
  const first = state.pinned[0].result.probability;
  const changed = formColumns()
    .map((c) => c.name)
    .filter((n) => all.some((s) => s.customer[n] !== state.original[n]));
  const head = ["", ...all.map((s, i) => (i === 0 ? s.name : el("span", {}, `${s.name} `, el("button", { type: "button", class: "link", "aria-label": `Remove ${s.name}`, onclick: () => { state.pinned.splice(i - 1, 1); renderScenarios(); } }, "remove"))))];
  const delta = (p) => {
    const d = p - first;
    return el("span", { class: d > 0 ? "delta-up" : d < 0 ? "delta-down" : "" }, `${d > 0 ? "+" : d < 0 ? "−" : "±"}${(Math.abs(d) * 100).toFixed(1)} pts`);
  };
  const rows = [
    el("tr", {}, el("th", { scope: "row" }, "Churn probability"), all.map((s) => el("td", { class: "num" }, pct(s.result.probability)))),
    el("tr", {}, el("th", { scope: "row" }, `Change vs ${state.pinned[0].name}`), all.map((s) => el("td", { class: "num" }, delta(s.result.probability)))),
    el("tr", {}, el("th", { scope: "row" }, "Risk band"), all.map((s) => el("td", {}, s.result.risk_band))),
    el("tr", {}, el("th", { scope: "row" }, "Decision"), all.map((s) => el("td", {}, s.result.decision.replace("_", " ")))),
    ...changed.map((n) => el("tr", {}, el("th", { scope: "row" }, n), all.map((s) => el("td", {}, s.customer[n] === null ? "(missing)" : fmt(s.customer[n]))))),
  ];
  table($("scenario-table"), head, rows);
}

/* ---------- batch ---------- */

function setupBatch() {
  $("csv-input").addEventListener("change", (e) => e.target.files[0] && loadCsv(e.target.files[0]));
  dropZone($("csv-drop"), (file) => (file.name.endsWith(".churn") ? loadModelFile(file) : loadCsv(file)));
  $("batch-search").addEventListener("input", () => { state.page = 0; renderBatchTable(); });
  $("batch-band").addEventListener("change", () => { state.page = 0; renderBatchTable(); });
  $("download").addEventListener("click", downloadScores);
}

function dropZone(zone, onFile) {
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) onFile(file);
  });
}

async function loadCsv(file) {
  $("batch-status").textContent = `Reading ${file.name}…`;
  const bytes = new Uint8Array(await file.arrayBuffer());
  state.batch = { name: file.name, bytes, answer: null, rows: null, ms: 0 };
  state.page = 0;
  scoreBatch();
}

function scoreBatch() {
  const b = state.batch;
  const t0 = performance.now();
  try {
    b.answer = state.scorer.scoreCsv(b.bytes, 3);
  } catch (e) {
    b.answer = null;
    $("batch-results").hidden = true;
    $("batch-status").textContent = `${b.name} cannot be scored: ${e.message}`;
    return;
  }
  b.ms = performance.now() - t0;
  b.rows = null;
  const s = b.answer.summary;
  $("batch-status").textContent = `Scored ${int(s.scored)} of ${int(s.rows)} rows of ${b.name} in ${Math.max(1, Math.round(b.ms))} ms, in this page.`;
  const card = (value, label) => el("div", { class: "card" }, el("div", { class: "value" }, value), el("div", { class: "label" }, label));
  $("batch-cards").replaceChildren(
    card(int(s.scored), "customers scored"),
    card(int(s.failed), "rows with errors"),
    card(int(s.expected_churners), "expected to churn"),
    card(int(s.contact), `to contact (≥ ${pct(state.info.threshold)})`),
  );
  charts.histogram($("histogram"), b.answer.rows.map((r) => r.probability));
  $("batch-results").hidden = false;
  renderBatchTable();
  renderErrors();
}

function visibleRows() {
  const b = state.batch;
  const q = $("batch-search").value.trim().toLowerCase();
  const band = $("batch-band").value;
  const rows = b.answer.rows.filter((r) => (!band || r.risk_band === band) && (!q || String(r.id ?? r.row).toLowerCase().includes(q)));
  const { key, dir } = state.sort;
  const value = (r) => (key === "id" ? String(r.id ?? "") : r[key]);
  return rows.sort((a, b2) => (value(a) < value(b2) ? -dir : value(a) > value(b2) ? dir : a.row - b2.row));
}

function renderBatchTable() {
  const rows = visibleRows();
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  state.page = Math.min(state.page, pages - 1);
  const shown = rows.slice(state.page * PAGE, (state.page + 1) * PAGE);
  const sortButton = (key, label) => {
    const active = state.sort.key === key;
    return el("button", {
      type: "button", class: "sort", "aria-label": `Sort by ${label}`,
      onclick: () => { state.sort = { key, dir: active ? -state.sort.dir : key === "id" || key === "row" ? 1 : -1 }; renderBatchTable(); },
    }, `${label}${active ? (state.sort.dir > 0 ? " ▲" : " ▼") : ""}`);
  };
  const head = [sortButton("row", "Row"), sortButton("id", "Customer"), sortButton("probability", "Churn probability"), "Risk band", "Decision", "Top drivers", ""];
  const body = shown.map((r) =>
    el("tr", { "data-id": r.id ?? "" },
      el("td", { class: "num" }, r.row),
      el("td", {}, r.id ?? "–"),
      el("td", { class: "num" }, pct(r.probability)),
      el("td", {}, el("span", { class: `band ${r.risk_band}` }, r.risk_band)),
      el("td", {}, r.decision.replace("_", " ")),
      el("td", {}, r.drivers.map((d) => d.column).join(", ") || "–"),
      el("td", {}, el("button", { type: "button", class: "link", onclick: () => openRow(r.row), "aria-label": `Open row ${r.row} in what-if` }, "what-if")),
    ));
  table($("batch-table"), head, body);
  const pager = $("pager");
  pager.replaceChildren(
    el("button", { type: "button", class: "secondary", disabled: state.page === 0, onclick: () => { state.page--; renderBatchTable(); } }, "Previous"),
    el("span", {}, `Page ${state.page + 1} of ${pages} · ${int(rows.length)} rows`),
    el("button", { type: "button", class: "secondary", disabled: state.page >= pages - 1, onclick: () => { state.page++; renderBatchTable(); } }, "Next"),
  );
}

function renderErrors() {
  const errors = state.batch.answer.errors;
  $("batch-errors").hidden = errors.length === 0;
  table($("error-table"), [{ label: "Row", num: true }, { label: "Line", num: true }, "Column", "Problem"],
    errors.map((e) => el("tr", {}, el("td", { class: "num" }, e.row), el("td", { class: "num" }, e.line), el("td", {}, e.field), el("td", {}, e.message))));
}

function downloadScores() {
  const quote = (s) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ["row,id,probability,risk_band,decision,top_drivers"];
  for (const r of state.batch.answer.rows) {
    lines.push([r.row, quote(r.id ?? ""), r.probability, r.risk_band, r.decision, quote(r.drivers.map((d) => `${d.column}:+${d.contribution.toFixed(3)}`).join("; "))].join(","));
  }
  for (const e of state.batch.answer.errors) lines.push([e.row, "", "", "", "", quote(`error: ${e.message}`)].join(","));
  const blob = new Blob([lines.join("\n") + "\n"], { type: "text/csv" });
  const a = el("a", { href: URL.createObjectURL(blob), download: state.batch.name.replace(/\.csv$/i, "") + "-scored.csv" });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** A CSV row's raw values, for the what-if form (the scorer already validated the file). */
function openRow(rowNumber) {
  const b = state.batch;
  if (!b.rows) b.rows = parseCsv(new TextDecoder().decode(b.bytes));
  const [header, ...records] = b.rows;
  const record = records[rowNumber - 1];
  if (!record) return;
  const customer = {};
  for (const c of formColumns()) {
    const i = header.indexOf(c.name);
    const raw = i < 0 ? null : record[i];
    const blank = raw === null || raw.trim() === "" || ["NA", "N/A", "null", "NaN", "None"].includes(raw.trim());
    if (blank) customer[c.name] = null;
    else if (c.role === "numeric") customer[c.name] = Number.isFinite(Number(raw)) ? Number(raw) : raw.trim();
    else customer[c.name] = raw.trim();
  }
  state.original = customer;
  state.customer = { ...customer };
  const id = formColumns().find((c) => c.role === "identifier");
  $("customer-source").textContent = `Starting from row ${rowNumber} of ${b.name}${id && customer[id.name] ? ` (${customer[id.name]})` : ""}.`;
  buildForm();
  rescore();
  selectTab("tab-whatif");
}

/** RFC 4180 CSV with the delimiter the scorer would pick (the most frequent in the first line). */
function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  const delim = [",", ";", "\t", "|"].reduce((best, d) => (firstLine.split(d).length > firstLine.split(best).length ? d : best), ",");
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === delim) { row.push(field); field = ""; }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field); field = "";
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  rows[0] = rows[0]?.map((h) => h.trim()) ?? [];
  return rows;
}

/* ---------- campaign ---------- */

function setupCampaign() {
  for (const id of ["clv", "offer", "accept", "contact", "base", "threshold"]) {
    $(id).addEventListener("input", () => renderCampaign(false));
  }
}

/** Expected profit and counts of contacting everyone at or above each histogram bin. */
function campaignCurve() {
  const h = state.card.oof_histogram;
  const n = state.card.data.rows;
  const base = Number($("base").value) || n;
  const scale = base / n;
  const clv = Number($("clv").value), offer = Number($("offer").value);
  const accept = Number($("accept").value), contact = Number($("contact").value);
  const churners = h.positives.reduce((a, x) => a + x, 0);
  const points = [];
  let tp = 0, fp = 0;
  for (let i = h.bins - 1; i >= 0; i--) {
    tp += h.positives[i];
    fp += h.negatives[i];
    const profit = scale * (tp * (accept * (clv - offer) - contact) - fp * (offer + contact));
    points.push({ threshold: i / h.bins, tp, fp, contacted: scale * (tp + fp), precision: tp + fp ? tp / (tp + fp) : 0, recall: churners ? tp / churners : 0, profit });
  }
  return points.reverse();
}

function renderCampaign(reset) {
  if (!state.card) return;
  if (reset) {
    // Start from the economics the model's threshold was chosen with (older cards have none).
    const e = state.card.economics;
    if (e) {
      $("clv").value = e.clv;
      $("offer").value = e.offer_cost;
      $("accept").value = e.accept_rate;
      $("contact").value = e.contact_cost;
    }
    $("base").value = state.card.data.rows;
    $("threshold").value = (Math.floor(state.info.threshold * 100) / 100).toFixed(2);
  }
  const points = campaignCurve();
  const t = Number($("threshold").value);
  const at = points[Math.min(points.length - 1, Math.round(t * state.card.oof_histogram.bins))];
  const best = points.reduce((a, p) => (p.profit > a.profit ? p : a), points[0]);
  $("threshold-value").textContent = pct(t, 0);
  const card = (value, label) => el("div", { class: "card" }, el("div", { class: "value" }, value), el("div", { class: "label" }, label));
  $("campaign-cards").replaceChildren(
    card(int(at.contacted), "customers contacted"),
    card(pct(at.precision), "of them would churn (precision)"),
    card(pct(at.recall), "of churners reached (recall)"),
    card(charts.money(at.profit), "expected profit"),
    card(`${pct(best.threshold, 0)}`, `best threshold (${charts.money(best.profit)})`),
  );
  charts.profitCurve($("profit-chart"), points.map((p) => p.threshold), points.map((p) => p.profit), { x: best.threshold, y: best.profit }, t);
}

/* ---------- model ---------- */

function setupModelLoading() {
  $("model-input").addEventListener("change", (e) => e.target.files[0] && loadModelFile(e.target.files[0]));
  dropZone($("model-drop"), loadModelFile);
}

async function loadModelFile(file) {
  const status = $("model-status");
  try {
    const scorer = Scorer.fromBytes(new Uint8Array(await file.arrayBuffer()));
    const first = !state.scorer;
    useModel(scorer);
    if (first) { setupWhatIf(); setupBatch(); setupCampaign(); }
    status.textContent = `Now using ${file.name}: “${state.info.name}”, id ${state.info.id}.`;
  } catch (e) {
    status.textContent = `${file.name} was not loaded: ${e.message}`;
  }
}

function renderModel() {
  const i = state.info, c = state.card;
  const fact = (k, v) => [el("dt", {}, k), el("dd", {}, v)];
  $("model-summary").replaceChildren(
    el("h2", {}, `“${i.name}”`),
    el("dl", { class: "facts" },
      fact("Model", `${i.model === "mlp" ? "multilayer perceptron" : "logistic regression"}, ${i.features} encoded features`),
      fact("Running", `model id ${i.id}`),
      fact("Checksum", i.checksum),
      fact("Trained by", `${i.trainer}, seed ${c.seed}`),
      fact("Predicts", `${i.target} = ${i.positive_label}`),
      fact("Trained on", `${c.data.source}: ${int(c.data.rows)} rows, ${pct(c.data.positive_rate)} churned`),
      fact("Decision", `contact at ${pct(i.threshold)} or above (${i.decision_rule.replace("_", " ")})`),
      ...(c.threshold?.profit_per_customer !== undefined
        ? fact("Expected profit", `${c.threshold.profit_per_customer.toFixed(2)} per customer in the base, against ${c.threshold.profit_contacting_all.toFixed(2)} contacting everyone`)
        : []),
      ...(c.calibration
        ? fact("Calibration", c.calibration.method === "none"
          ? "none (raw model probabilities)"
          : `${c.calibration.method}, fitted out of fold: expected calibration error ${c.calibration.ece_before.toFixed(4)} → ${c.calibration.ece_after.toFixed(4)}`)
        : []),
      fact("Risk bands", `medium from ${pct(i.bands.medium)}, high from ${pct(i.bands.high)}`),
    ),
  );
  const metrics = [["ROC AUC", "roc_auc"], ["PR AUC", "pr_auc"], ["Log loss", "log_loss"], ["Brier score", "brier"], ["Precision", "precision"], ["Recall", "recall"], ["F1", "f1"], ["Profit / customer", "profit_per_customer"]].filter(([, key]) => c.cv[key]);
  table($("metrics"), ["Metric", { label: "Mean", num: true }, { label: "± sd", num: true }, `Per fold (${c.cv.folds} folds)`],
    metrics.map(([label, key]) => el("tr", {}, el("th", { scope: "row" }, label), el("td", { class: "num" }, c.cv[key].mean.toFixed(4)), el("td", { class: "num" }, c.cv[key].sd.toFixed(4)), el("td", {}, c.cv[key].folds.map((x) => x.toFixed(3)).join(" ")))));
  table($("columns"), ["Column", "Role", { label: "Missing", num: true }, { label: "Distinct", num: true }, "Why"],
    c.data.columns.map((col) => el("tr", {}, el("th", { scope: "row" }, col.name), el("td", {}, col.role), el("td", { class: "num" }, int(col.missing)), el("td", { class: "num" }, int(col.distinct)), el("td", {}, col.reason))));
}

/* ---------- tabs ---------- */

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab.id));
    tab.addEventListener("keydown", (e) => {
      const next = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!next) return;
      const target = tabs[(i + next + tabs.length) % tabs.length];
      selectTab(target.id);
      target.focus();
    });
  });
}

function selectTab(id) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const on = tab.id === id;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
}

// Charts size themselves to their container; redraw them when the window changes size.
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (!state.scorer) return;
    rescore();
    renderCampaign(false);
    if (state.batch?.answer) charts.histogram($("histogram"), state.batch.answer.rows.map((r) => r.probability));
  }, 150);
});

main();
