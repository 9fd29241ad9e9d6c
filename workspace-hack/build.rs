// A build script, so that cargo unifies the build-dependencies this crate lists too.
fn main() {}
