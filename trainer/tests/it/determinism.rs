//! The same data, flags and seed give a byte-identical model file; another seed does not.

use crate::churn;

fn train(data: &str, seed: &str, out: &std::path::Path) -> Vec<u8> {
    let out_s = out.display().to_string();
    let (code, _, stderr) = churn(&[
        "train", "--data", data, "--target", "churned", "--model", "mlp", "--seed", seed, "--out", &out_s,
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::read(out.join("model.churn")).unwrap()
}

#[test]
fn same_seed_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("synth.csv").display().to_string();
    assert_eq!(churn(&["synth", "--rows", "1500", "--seed", "3", "--out", &data]).0, 0);
    let a = train(&data, "7", &dir.path().join("a"));
    let b = train(&data, "7", &dir.path().join("b"));
    let c = train(&data, "8", &dir.path().join("c"));
    assert!(a == b, "two runs with seed 7 wrote different model files");
    assert!(a != c, "seeds 7 and 8 wrote the same model file");
}
