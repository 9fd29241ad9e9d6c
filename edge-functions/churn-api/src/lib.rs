//! The churn scoring API as a Spin HTTP component (WASI 0.2 `incoming-handler`).
//!
//! [`routes`] is the API, independent of Spin: it builds and is tested natively
//! (`cargo test -p churn-api`). The Spin shell (`spin.rs`, compiled for `wasm32` only) reads the
//! request (refusing bodies over [`routes::MAX_BODY`] without reading them in full), loads the models embedded at build time — the champion, and a challenger when
//! one was embedded — and hands them to [`routes::handle`], which knows the API. See
//! `edge-functions/openapi.yaml` for the contract.
//!
//! The challenger's share of customers comes from the `CHALLENGER_SHARE` environment variable
//! (a number from 0 to 1; `environment` in `spin.toml`, `spin up --env`, or
//! `cargo xtask serve --env`), so it changes without a rebuild. Unset, the challenger scores
//! nobody but is still listed by `/healthz` and `/v1/model`.

pub mod routes;

#[cfg(target_arch = "wasm32")]
mod spin;
