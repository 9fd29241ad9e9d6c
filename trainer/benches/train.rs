//! End-to-end training time on the Telco file: read, infer, 5-fold CV, final fit, parity.
//!
//! `cargo bench -p trainer`.

use std::path::{Path, PathBuf};

use clap::Parser;
use criterion::{Criterion, criterion_group, criterion_main};
use indicatif::ProgressBar;
use trainer::cli::args::{Cli, Command};

fn telco() -> PathBuf {
    let dir = std::env::var_os("CHURN_REFERENCE_DATA").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|a| a.join("shared/data"))
            .find(|d| d.is_dir())
            .expect("shared/data beside the workspace")
    });
    dir.join("WA_Fn-UseC_-Telco-Customer-Churn.csv")
}

fn train(c: &mut Criterion) {
    // As the `churn` binary does: whole fits in parallel, candle kernels single-threaded.
    // SAFETY: set before criterion or candle start any thread.
    unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    let data = telco();
    let mut group = c.benchmark_group("train end to end");
    group.sample_size(10);
    for model in ["logistic", "mlp"] {
        let cli = Cli::parse_from([
            "churn",
            "train",
            "--data",
            data.to_str().expect("utf-8 path"),
            "--target",
            "Churn",
            "--model",
            model,
            "--out",
            "unused",
        ]);
        let Command::Train(args) = cli.command else { unreachable!("parsed a train command") };
        let opts = args.into_options().expect("valid options");
        group.bench_function(format!("Telco {model} (7043 rows, 5 folds)"), |b| {
            b.iter(|| {
                let mut table = trainer::input::data::read_table(&data, None).expect("reads");
                trainer::training::train::train(&mut table, &opts, &ProgressBar::hidden()).expect("trains")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, train);
criterion_main!(benches);
