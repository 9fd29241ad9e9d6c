// The JavaScript API of the browser module, run in Node against the files the page loads
// (dashboard/pkg). Run by `cargo test` (tests/it/js_api.rs), or directly: node --test tests/js/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { initSync, Scorer } from "../../dashboard/pkg/scorer_wasm.js";

const root = new URL("../../", import.meta.url);
const read = (path) => readFileSync(new URL(path, root));
initSync({ module: read("dashboard/pkg/scorer_wasm_bg.wasm") });

const golden = JSON.parse(read("tests/golden/golden.json"));
const model = (file) => Scorer.fromBytes(read(`tests/golden/${file}`));
const telco = model("telco-logistic.churn");
const typical = golden.models.find((m) => m.name === "telco-logistic").cases[0].customer;

/** Asserts that `fn` throws an Error with this code, field and message. */
function throwsWith(fn, code, field, message) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, "an Error");
    assert.deepEqual({ code: e.code, field: e.field, message: e.message }, { code, field, message });
    return true;
  });
}

test("every golden vector scores exactly as the native scorer", () => {
  let checked = 0;
  for (const m of golden.models) {
    const scorer = model(m.file);
    assert.equal(scorer.info().id, m.id);
    for (const c of m.cases) {
      const s = scorer.score(c.customer);
      assert.equal(s.probability, c.probability, `${m.name}: ${c.name}`);
      assert.equal(s.logit, c.logit, `${m.name}: ${c.name}`);
      assert.equal(s.risk_band, c.risk_band);
      assert.equal(s.decision, c.decision);
      assert.deepEqual(s.warnings.map((w) => `${w.field}: ${w.code}`), c.warnings);
      if (c.explanation) {
        const e = scorer.explain(c.customer);
        assert.equal(e.base_logit, c.explanation.base_logit);
        for (const { column, contribution } of e.contributions) {
          assert.equal(contribution, c.explanation.contributions[column], `${c.name}: ${column}`);
        }
        assert.deepEqual(e.interactions, c.explanation.interactions, `${c.name}: interactions`);
      }
      checked++;
    }
  }
  assert.equal(checked, 512);
});

test("the embedded model is the one recorded beside the module", () => {
  const recorded = JSON.parse(read("dashboard/pkg/model.json"));
  const scorer = Scorer.embedded();
  assert.equal(scorer.info().id, recorded.id);
  assert.equal(scorer.info().checksum, recorded.checksum);
});

test("info, schema and card describe the model", () => {
  const info = telco.info();
  assert.equal(info.model, "logistic");
  assert.equal(info.target, "Churn");
  assert.equal(info.positive_label, "Yes");
  assert.ok(info.threshold > 0 && info.threshold < 1);
  const schema = telco.schema();
  const col = (name) => schema.columns.find((c) => c.name === name);
  assert.equal(schema.columns.length, 20);
  assert.deepEqual(col("Contract").categories, ["Month-to-month", "One year", "Two year"]);
  assert.equal(col("Contract").typical, "Month-to-month");
  assert.deepEqual([col("tenure").role, col("tenure").min, col("tenure").max, col("tenure").integer], ["numeric", 0, 72, true]);
  assert.equal(col("customerID").role, "identifier");
  assert.equal(col("TotalCharges").missing_in_training, true);
  const card = telco.card();
  assert.equal(card.data.rows, 7043);
  assert.ok(card.cv.roc_auc.mean > 0.84);
  assert.equal(card.oof_histogram.bins, 100);
});

test("explanations add up to the logit", () => {
  for (const file of ["telco-logistic.churn", "telco-mlp.churn", "bank-mlp.churn", "synth-ensemble.churn"]) {
    const scorer = model(file);
    const m = golden.models.find((g) => g.file === file);
    for (const c of m.cases) {
      const e = scorer.explain(c.customer);
      const sum = e.base_logit + e.contributions.reduce((a, x) => a + x.contribution, 0);
      assert.ok(Math.abs(sum - e.logit) <= 1e-9 * Math.max(1, Math.abs(e.logit)), `${file} ${c.name}`);
    }
  }
});

test("what-if: a two-year contract lowers a month-to-month customer's risk", () => {
  assert.equal(typical.Contract, "Month-to-month");
  const w = telco.whatIf(typical, { Contract: "Two year" });
  assert.ok(w.after.probability < w.before.probability);
  assert.equal(w.delta_probability, w.after.probability - w.before.probability);
  const contract = w.contributions.find((c) => c.column === "Contract");
  assert.ok(contract.delta < 0);
  for (const c of w.contributions.filter((c) => c.column !== "Contract")) assert.equal(c.delta, 0);
  assert.equal(w.before.probability, telco.score(typical).probability);
});

test("many customers: an array, columns and a CSV agree with one at a time", () => {
  const cases = golden.models.find((m) => m.name === "telco-logistic").cases.slice(0, 20);
  const customers = cases.map((c) => c.customer);
  const one = customers.map((c) => telco.score(c).probability);
  assert.deepEqual(telco.scoreMany(customers).map((s) => s.probability), one);
  const columns = {};
  for (const name of Object.keys(typical)) columns[name] = customers.map((c) => c[name] ?? null);
  assert.deepEqual(Array.from(telco.scoreColumns(columns)), one);
  // Numbers may also come as typed arrays.
  const complete = customers.filter((c) => typeof c.tenure === "number");
  const typed = {};
  for (const name of Object.keys(typical)) typed[name] = complete.map((c) => c[name] ?? null);
  typed.tenure = Float64Array.from(complete.map((c) => c.tenure));
  assert.deepEqual(Array.from(telco.scoreColumns(typed)), complete.map((c) => telco.score(c).probability));
  const csv = readFileSync(process.env.CHURN_TELCO_CSV);
  const scored = telco.scoreCsv(csv, 3);
  assert.deepEqual(scored.summary.rows, Number(process.env.EXPECT_CSV_ROWS));
  assert.equal(scored.errors.length, 0);
  assert.equal(scored.rows[0].id, process.env.EXPECT_FIRST_ID);
  assert.ok(scored.rows[0].drivers.length <= 3);
  assert.ok(scored.rows.every((r) => r.drivers.every((d, i, a) => d.contribution > 0 && (i === 0 || a[i - 1].contribution >= d.contribution))));
});

test("bad input is an Error naming the field, never a trap", () => {
  throwsWith(() => telco.score({ tenure: "abc" }), "expected_number", "tenure", 'tenure: expected a number, got "abc"');
  throwsWith(() => telco.score({ tenur: 3 }), "unknown_field", "tenur", 'tenur: unknown field; did you mean "tenure"?');
  throwsWith(() => telco.score({ MonthlyCharges: NaN }), "not_finite", "MonthlyCharges",
    "MonthlyCharges: expected a finite number, got NaN (send null for a missing value)");
  throwsWith(() => telco.score({ tenure: { months: 3 } }), "not_scalar", "tenure", "tenure: expected a single value, got an object");
  throwsWith(() => telco.score([1, 2]), "expected_object", "", ": expected an object with one field per column, got an array");
  throwsWith(() => telco.score("tenure=3"), "expected_object", "", ': expected an object with one field per column, got "tenure=3"');
  throwsWith(() => telco.scoreMany([]), "empty_batch", "", ": expected at least one customer");
  throwsWith(() => telco.scoreMany({}), "expected_array", "", ": expected an array of customers, got an object");
  throwsWith(() => telco.scoreMany([typical, { ...typical, Partner: "maybe" }]), "expected_boolean", "[1].Partner",
    '[1].Partner: expected Yes or No (or true/false), got "maybe"');
  throwsWith(() => telco.scoreColumns({ tenure: [1, 2], Contract: ["Two year"] }), "ragged_columns", "Contract",
    "Contract: has 1 values, but the first column has 2");
  throwsWith(() => telco.whatIf(typical, { Contrct: "Two year" }), "unknown_field", "changes.Contrct",
    'changes.Contrct: unknown field; did you mean "Contract"?');
  throwsWith(() => telco.scoreCsv(new TextEncoder().encode("tenure\n1\n")), "missing_column", "gender",
    "header: gender: the model needs this column, but it is not in the input");
  const corrupt = read("tests/golden/telco-logistic.churn");
  corrupt[100] ^= 1;
  assert.throws(() => Scorer.fromBytes(corrupt), (e) => e.code === "invalid_model" && e.message.startsWith("model file is corrupt"));
  throwsWith(() => Scorer.fromBytes(new Uint8Array([1, 2, 3])), "invalid_model", "",
    "not a churn model: the file does not start with the churn model signature");
  // After all of that, the module still works.
  assert.equal(telco.score(typical).probability, golden.models[0].cases[0].probability);
});

test("rows of a CSV that do not fit are listed with their reason", () => {
  const header = Object.keys(typical).join(",");
  const row = Object.values(typical).map((v) => v ?? "").join(",");
  const bad = row.split(",");
  const tenure = Object.keys(typical).indexOf("tenure");
  bad[tenure] = "twelve";
  const text = `${header}\n${row}\n${bad.join(",")}\n${row}\n`;
  const scored = telco.scoreCsv(new TextEncoder().encode(text));
  assert.deepEqual(scored.summary, { rows: 3, scored: 2, failed: 1, expected_churners: scored.summary.expected_churners, contact: scored.summary.contact });
  assert.deepEqual(scored.errors, [{ row: 2, line: 3, field: "tenure", code: "expected_number", message: 'tenure: expected a number, got "twelve"' }]);
});
