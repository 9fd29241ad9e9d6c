//! Nothing to use: this crate's dependencies turn on, in every build of the workspace's native
//! crates, the union of the features they need (see its `Cargo.toml`).
