//! The commands: each parsed command line turned into calls of the layers below, and its
//! answer printed (JSON with `--json`, else the human summary) with its exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::args::{self as cli, Cli, Command};
use crate::error::{Error, Result};
use crate::input::{data, synth};
use crate::monitor::{compare, drift, evaluate, predict};
use crate::ops::{registry, retrain};
use crate::report::{page as report, summary as output};
use crate::training::train::StreamOptions;
use crate::training::{stream, train};

/// Runs a parsed command line; `Ok` carries the exit code (0, or 1 for a finding).
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Train(args) => train_command(*args),
        Command::Predict(args) => predict_command(&args),
        Command::Validate(args) => validate_command(&args),
        Command::Drift(args) => {
            let model = predict::load_model(&args.model)?;
            let table = data::read_table(&args.data, args.format)?;
            let report = drift::drift(&model, &table)?;
            show(args.json, &report, |r| output::drift_summary(r, &table.file_name()))?;
            Ok(exit(report.retrain_recommended))
        }
        Command::Evaluate(args) => {
            let model = predict::load_model(&args.model)?;
            let table = data::read_table(&args.data, args.format)?;
            let report = evaluate::evaluate(&model, &table)?;
            show(args.json, &report, |r| output::evaluate_summary(r, &table.file_name()))?;
            Ok(exit(report.verdict != "ok"))
        }
        Command::Compare(args) => compare_command(&args),
        Command::Report(args) => {
            let model = predict::load_model(&args.model)?;
            let table = args.data.as_ref().map(|d| data::read_table(d, args.format)).transpose()?;
            let html = report::render(&model, table.as_ref())?;
            write_file(&args.out, html.as_bytes())?;
            eprintln!("Wrote {}", args.out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Retrain(args) => retrain_command(&args),
        Command::Registry(command) => registry_command(command),
        Command::Synth(args) => synth_command(&args),
    }
}

fn compare_command(args: &cli::CompareArgs) -> Result<ExitCode> {
    let options = args.options()?;
    let load = |reference: &str| predict::load_model(&model_file(args.registry.as_deref(), reference)?);
    let (a, b) = (load(&args.models[0])?, load(&args.models[1])?);
    let table = data::read_table(&args.data, args.format)?;
    let comparison = compare::compare(&a, &b, &table, &options)?;
    show(args.json, &comparison, |c| output::compare_summary(c, &table.file_name()))?;
    Ok(exit(comparison.verdict != compare::Preference::NoSignificantDifference))
}

/// One retraining cycle; its decision is written beside the challenger, as JSON and as a page.
fn retrain_command(args: &cli::RetrainArgs) -> Result<ExitCode> {
    let options = args.options()?;
    let progress = progress_bar(args.json);
    let decision = retrain::retrain(&args.registry, &args.data, args.format, &options, &progress)?;
    progress.finish_and_clear();
    let folder = Path::new(&decision.folder);
    let text = serde_json::to_string_pretty(&decision).map_err(|e| Error::Training(e.to_string()))?;
    write_file(&folder.join("decision.json"), format!("{text}\n").as_bytes())?;
    write_file(&folder.join("decision.html"), crate::report::decision::render(&decision).as_bytes())?;
    if args.json {
        println!("{text}");
    } else {
        print!("{}", output::retrain_summary(&decision));
    }
    Ok(exit(decision.outcome == retrain::Outcome::Refused))
}

fn validate_command(args: &cli::ValidateArgs) -> Result<ExitCode> {
    let (table, infer, log) = match (&args.data, args.event_log.log_options()) {
        (_, Some(log)) => {
            let built = crate::training::events::snapshot_rows(&log, &args.snapshots.options())?;
            let summary = built.summary();
            let mut infer = args.infer_options();
            infer.target = built.target;
            infer.positive = Some("Yes".into());
            infer.ids.push(built.log.id_column);
            infer.drops.extend(built.drops);
            (built.table, infer, Some(summary))
        }
        (Some(data), None) => (data::read_table(data, args.format)?, args.infer_options(), None),
        (None, None) => return Err(Error::Usage("give --data or --events".into())),
    };
    let (mut report, _) = crate::prepare::examine(&table, &infer)?;
    let Some(log) = log else {
        show(args.json, &report, output::validate_summary)?;
        return Ok(exit(report.blocking));
    };
    report.ids_repeat_by_design();
    let both = crate::training::events::EventValidation { events: log, snapshot_rows: report };
    show(args.json, &both, |v| {
        output::event_validate_summary(&v.events) + &output::validate_summary(&v.snapshot_rows)
    })?;
    Ok(exit(both.snapshot_rows.blocking))
}

fn predict_command(args: &cli::PredictArgs) -> Result<ExitCode> {
    let model = model_file(args.registry.as_deref(), &args.model)?;
    let summary = match (&args.data, args.event_log.log_options()) {
        (_, Some(log)) => {
            if args.shard.is_some() {
                return Err(Error::Usage(
                    "--shard splits a customer table; an event log is scored whole".into(),
                ));
            }
            predict::predict_events(&model, &log, args.as_of, &args.out)?
        }
        (Some(data), None) => predict::predict(&model, data, args.format, args.shard, &args.out)?,
        (None, None) => return Err(Error::Usage("give --data or --events".into())),
    };
    show(args.json, &summary, |r| output::predict_summary(r, &args.out.display().to_string()))?;
    Ok(exit(summary.failed > 0))
}

fn synth_command(args: &cli::SynthArgs) -> Result<ExitCode> {
    if args.events {
        let summary = crate::input::synth_events::write(&args.out, args.format, args.rows, args.seed)?;
        show(args.json, &summary, |s| {
            format!(
                "Wrote {} customers and {} events to {}: {} snapshot rows, {:.1}% churned within 30 days; the \
                 true churn probability given the files ranks them with ROC AUC {:.4}, the best any model can \
                 do on these rows (an oracle that sees the hidden engagement state: {:.4})\n",
                s.customers,
                s.events,
                args.out.display(),
                s.snapshot_rows,
                100.0 * s.churn_rate,
                s.true_probability_roc_auc,
                s.hidden_state_roc_auc
            )
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let drift = synth::Drift::new(args.concept_drift, args.covariate_shift)?;
    let summary = synth::write(&args.out, args.format, args.rows, args.seed, drift, args.with_truth)?;
    show(args.json, &summary, |s| {
        format!(
            "Wrote {} synthetic customers to {}: {:.1}% churned; the true churn probability \
             ranks them with ROC AUC {:.4}, the best any model can do on these rows\n",
            s.rows,
            args.out.display(),
            100.0 * s.churn_rate,
            s.true_probability_roc_auc
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

fn exit(finding: bool) -> ExitCode {
    if finding { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Prints a command's report: as JSON with `--json`, otherwise the human summary.
fn show<T: serde::Serialize>(json: bool, report: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
    if json {
        print_json(report)
    } else {
        print!("{}", human(report));
        Ok(())
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Training(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn train_command(args: cli::TrainArgs) -> Result<ExitCode> {
    let json = args.json;
    let (data, format, out) = (args.data.clone(), args.format, args.out.clone());
    let (register, no_report) = (args.register.clone(), args.no_report);
    let events = args
        .event_log
        .log_options()
        .map(|log| crate::training::events::EventTraining { log, snapshots: args.snapshots.options() });
    let mut opts = args.into_options()?;
    let progress = progress_bar(json);
    let (trained, table) = match (events, data) {
        (Some(events), _) => {
            if opts.stream.is_some() {
                return Err(Error::Usage(
                    "--stream reads a customer table; an event log is read whole".into(),
                ));
            }
            let trained = crate::training::events::train_events(&events, &opts, &progress)?;
            (trained.trained, trained.table)
        }
        (None, Some(data)) => {
            stream_when_too_big(&mut opts, &data, format)?;
            fit(&opts, &data, format, &progress, json)?
        }
        (None, None) => return Err(Error::Usage("give --data and --target, or --events".into())),
    };
    progress.set_message("writing the report");
    let written = trained.write(&out)?;
    let report_path = out.join("report.html");
    if !no_report {
        write_file(&report_path, report::render(&trained.model, Some(&table))?.as_bytes())?;
    }
    progress.finish_and_clear();
    let registered = match &register {
        Some(dir) => {
            let added = registry::Update::open(dir)?.add(&written.model)?;
            Some((dir.clone(), added.entry.id, added.champion))
        }
        None => None,
    };
    if json {
        println!("{}", written.card_text);
        return Ok(ExitCode::SUCCESS);
    }
    let (model, card) = (written.model.display().to_string(), written.card.display().to_string());
    print!("{}", output::train_summary(&table, &trained, &model, &card, written.bytes));
    if !no_report {
        println!("Report: {}", report_path.display());
    }
    if let Some((dir, id, champion)) = registered {
        let first = if champion { " as champion (the registry's first model)" } else { "" };
        println!("Registered {id} in {}{first}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Without `--stream`, a Parquet file that would not fit in memory is streamed anyway, and the
/// user is told so.
fn stream_when_too_big(
    opts: &mut train::TrainOptions,
    data: &Path,
    format: Option<data::Format>,
) -> Result<()> {
    let parquet =
        format.map_or_else(|| data::Format::from_path(data).ok(), Some) == Some(data::Format::Parquet);
    if opts.stream.is_none()
        && parquet
        && let Some(reason) = stream::too_big_for_memory(data, stream::memory_limit_mb(opts.memory_mb)?)?
    {
        let options = StreamOptions::defaults(opts.memory_mb);
        eprintln!(
            "note: {reason}; training with --stream --memory {} instead (pass --stream to choose the \
             budget and the epochs yourself)",
            options.memory_mb
        );
        opts.stream = Some(options);
    }
    Ok(())
}

/// The model trained in memory or streamed, and the table (or the streamed sample) it was
/// checked on.
fn fit(
    opts: &train::TrainOptions,
    data: &Path,
    format: Option<data::Format>,
    progress: &ProgressBar,
    json: bool,
) -> Result<(train::Trained, data::Table)> {
    let Some(stream) = &opts.stream else {
        let mut table = data::read_table(data, format)?;
        return Ok((train::train(&mut table, opts, progress)?, table));
    };
    if format.is_some_and(|f| f != data::Format::Parquet) {
        return Err(Error::Usage(
            "--stream reads Parquet only; drop --format or train without --stream".into(),
        ));
    }
    let on_epoch = |e: &train::EpochTiming| {
        if !json {
            progress.suspend(|| {
                eprintln!(
                    "epoch {}: {} rows in {:.1} s ({:.0} rows/s), training loss {:.5}",
                    e.epoch, e.rows, e.seconds, e.rows_per_second, e.loss
                )
            });
        }
    };
    stream::train(data, opts, stream, progress, &on_epoch)
}

fn registry_command(command: cli::RegistryCommand) -> Result<ExitCode> {
    use cli::RegistryCommand as R;
    match command {
        R::List { dir, json } => {
            let reg = registry::Registry::open_existing(&dir)?;
            if json {
                print_json(&reg.index)?;
            } else {
                print!("{}", output::registry_list(&reg));
            }
        }
        R::Show { dir, model, json } => {
            let reg = registry::Registry::open_existing(&dir)?;
            let entry = reg.resolve(&model)?;
            let loaded = predict::load_model(&reg.model_path(entry))?;
            if json {
                // Checked as a card, shown as the file has it.
                let unreadable = |e: String| Error::data(&reg.model_path(entry), e);
                crate::model::card::ModelCard::of(&loaded).map_err(|e| unreadable(e.to_string()))?;
                // The card passes through as the file has it, its fields in their order.
                let card: Box<serde_json::value::RawValue> =
                    serde_json::from_str(loaded.card_json()).map_err(|e| unreadable(e.to_string()))?;
                #[derive(serde::Serialize)]
                struct Shown<'a> {
                    entry: &'a registry::Entry,
                    aliases: Vec<&'static str>,
                    file: PathBuf,
                    card: Box<serde_json::value::RawValue>,
                }
                let shown =
                    Shown { entry, aliases: reg.aliases(&entry.id), file: reg.model_path(entry), card };
                print_json(&shown)?;
            } else {
                print!("{}", output::registry_show(&reg, entry, &loaded));
            }
        }
        R::Add { dir, file } => {
            let added = registry::Update::open(&dir)?.add(&file)?;
            let entry = &added.entry;
            println!(
                "{} {} ({} {}) in {}{}",
                if added.new { "Added" } else { "Already stored:" },
                entry.id,
                entry.kind,
                entry.name,
                dir.display(),
                if added.champion { " as champion (the registry's first model)" } else { "" }
            );
        }
        R::Promote { dir, model, alias } => {
            let mut reg = registry::Update::open_existing(&dir)?;
            let event = reg.promote(&model, alias)?;
            println!("{}", output::registry_event(&event));
        }
        R::Rollback { dir } => {
            let mut reg = registry::Update::open_existing(&dir)?;
            let event = reg.rollback()?;
            println!("{}", output::registry_event(&event));
        }
        R::Path { dir, model } => {
            let reg = registry::Registry::open_existing(&dir)?;
            println!("{}", reg.model_path(reg.resolve(&model)?).display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The file of a model named on the command line: the path itself, or with a registry, the
/// file of the model it resolves (an id, a unique prefix, `champion` or `challenger`).
fn model_file(registry: Option<&Path>, reference: &str) -> Result<PathBuf> {
    match registry {
        Some(dir) => {
            let reg = registry::Registry::open_existing(dir)?;
            Ok(reg.model_path(reg.resolve(reference)?))
        }
        None => Ok(PathBuf::from(reference)),
    }
}

/// Writes a file, creating its folder if needed.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// A progress bar on stderr; hidden for `--json` and when stderr is not a terminal.
fn progress_bar(hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
