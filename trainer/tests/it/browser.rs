//! Opening a written page in Chromium (Debian's, driven by playwright-core as in the dashboard
//! tests): no console errors, no requests beyond the file, and a screenshot under
//! `target/tmp/screenshots/`.

use std::path::Path;

/// Opens `page` in headless Chromium; panics with the problems if it is not clean.
pub fn opens_cleanly(page: &Path, name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let shot = screenshots.join(format!("{name}.png"));
    let out = std::process::Command::new("node")
        .arg(root.join("tests/js/open-page.mjs"))
        .arg(page)
        .arg(&shot)
        .current_dir(&root)
        .output()
        .expect("node is installed (see the README's setup)");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{} in Chromium:\n{log}", page.display());
    assert!(shot.exists(), "no screenshot of {name}");
}
