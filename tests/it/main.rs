//! End-to-end tests of the built artifacts.

mod browser; // the dashboard in Chromium via Playwright: what-if, batch, campaign, model, phone, a11y
mod http; // the Spin components in-process: every route, golden vectors over HTTP, bad requests
mod js_api; // the browser module's JavaScript API, in Node: golden vectors, every method, bad input
mod openapi; // edge-functions/openapi.yaml: every documented example gets the documented answer
mod robustness; // seeded random damage to models, CSV, fields and bodies: same verdict native, wasm, HTTP
mod split; // champion and challenger: the traffic split by customer id, on every route
mod web_module; // the browser module under wasmtime: golden vectors and bad input through the plain ABI
