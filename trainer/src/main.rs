//! The `churn` command line. See `churn --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The trainer runs whole fits in parallel, one per core. Candle's own threading on matrices
    // this small spends more time synchronising than computing (bank MLP: 21.5 s → 10.8 s), so
    // its kernels run single-threaded unless the user asks otherwise.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: first statement of `main`, before any other thread exists.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    let cli = trainer::cli::args::Cli::parse();
    match trainer::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
