//! Embeds every file under `dashboard/` (including the browser module in `dashboard/pkg/`) with
//! its content type and an ETag, as a table the component serves from.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// FNV-1a: a content hash for ETags (not for security).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else if !path.to_string_lossy().ends_with(".d.ts") {
            files.push(path);
        }
    }
}

fn main() {
    // Read at run time: a build script compiled in another checkout that shares the target
    // directory can be reused here, and `env!` would point it at that checkout's dashboard.
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    let dashboard = Path::new(&manifest_dir).join("../../dashboard");
    let dashboard = dashboard.canonicalize().unwrap_or(dashboard);
    println!("cargo:rerun-if-changed={}", dashboard.display());
    let mut files = Vec::new();
    walk(&dashboard, &mut files);
    files.sort();
    // An app without its page or its scorer would deploy fine and fail in every browser: a
    // release build (what `cargo xtask build-edge` and `spin build` make) refuses. A debug build
    // (clippy on a fresh checkout) goes on with what is there.
    for needed in ["index.html", "pkg/scorer_wasm_bg.wasm", "pkg/scorer_wasm.js"] {
        if !files.contains(&dashboard.join(needed)) {
            let message = format!(
                "dashboard/{needed} is missing: build with `cargo xtask build-edge`, which builds the browser \
                 module first"
            );
            if std::env::var("PROFILE").as_deref() == Ok("release") {
                panic!("{message}");
            }
            println!("cargo:warning={message}");
        }
    }
    let mut table = String::from("pub static FILES: &[Asset] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let bytes = std::fs::read(file).expect("read a dashboard file");
        let route = format!(
            "/{}",
            file.strip_prefix(&dashboard).expect("under dashboard/").to_string_lossy().replace('\\', "/")
        );
        writeln!(
            table,
            "    Asset {{ path: {route:?}, content_type: {:?}, etag: \"\\\"{:016x}\\\"\", bytes: include_bytes!({:?}) }},",
            content_type(file),
            fnv(&bytes),
            file.display().to_string()
        )
        .expect("write to a String");
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("assets.rs");
    std::fs::write(out, table).expect("write the asset table");
}
