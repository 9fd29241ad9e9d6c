//! `churn train --stream`: training on customer tables larger than memory.
//!
//! The file is never read whole. Rows come from polars' Parquet reader with a slice, which decodes
//! only the row groups the slice touches, a few whole row groups at a time (Parquet decodes a row group whole, so reads are
//! aligned to them) and are encoded in chunks. `--memory` sizes everything held at once — the
//! sample, one read, one chunk — so peak memory follows the flag, not the file; a file whose row
//! groups alone exceed the budget is refused with the fix.
//!
//! 1. **Sampling pass.** Each row goes, by a hash of its row number and the seed, to the holdout
//!    (`--holdout`, a tenth by default) or to training. A uniform sample of the training rows is
//!    kept in memory; the target is read on every row, which must hold one of two values.
//! 2. The sample goes through the same data checks, type inference and encoder fitting as
//!    in-memory training, so the pipeline never sees a held-out row.
//! 3. **Epochs.** Each epoch reads the row groups and their chunks in a fresh seeded order, shuffles each chunk's
//!    training rows, encodes them with the scorer's pipeline and takes Adam steps on mini-batches.
//!    The objective is the in-memory one (mean log-loss + α/(2n)·‖W‖², n the training rows); the
//!    learning rate falls along a cosine to a twentieth of its start.
//! 4. **Evaluation pass.** The held-out rows are scored. Dealt into `--folds` stratified parts they
//!    play the role cross-validation folds play in memory: metrics with their spread, a
//!    cross-fitted Platt map, the decision threshold. The spread is then the holdout's sampling
//!    error alone (there is one model, not K).
//! 5. The baseline, the drift reference and the parity check come from the sample.

use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use indicatif::ProgressBar;
use polars::prelude::{DataFrame, FileMetadataRef, ParquetReader, PolarsError, SerReader};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use scorer_wasm::Value;

use crate::error::{Error, Result};
use crate::input::data::{ColumnBuilder, ColumnData, Format, Table};
use crate::model::card::{SearchReport, StreamReport};
use crate::model::nn::{self, Net};
use crate::prepare::fit::{encode_design, fit_pipeline};
use crate::prepare::infer::{Plan, target_key};
use crate::stats::folds;
use crate::training::recipe::Recipe;
use crate::training::search;
use crate::training::train::{
    self, EpochTiming, Evaluation, FinalFit, FoldResult, StreamOptions, TrainOptions, Trained,
};

/// Passes over the data by default: on millions of rows the loss settles within two.
pub const DEFAULT_EPOCHS: usize = 3;

/// What training a table in memory may cost per cell (the stored cell, its share of the sparse
/// design matrices of the two fits that run at once, the profiles). Measured with the default
/// recipe: 10⁶ synthetic rows of 19 columns peak at 0.99 GB, 44 bytes a cell besides the program;
/// the rest is a margin for tables whose categories encode wider.
const IN_MEMORY_BYTES_PER_CELL: u64 = 60;
/// What the program needs besides the data.
const PROGRAM_BYTES: u64 = 150 << 20;
/// Share of the memory the kernel reports available that in-memory training may plan to use.
const AVAILABLE_SHARE: f64 = 0.8;

/// Why a Parquet file should be streamed rather than read whole: `Some(reason)` when training it
/// in memory would need more than `limit_mb` (by default 80 % of the memory available now; see
/// [`memory_limit_mb`]).
pub fn too_big_for_memory(path: &Path, limit_mb: u64) -> Result<Option<String>> {
    let fail = |e: PolarsError| Error::data(path, format!("cannot read Parquet: {e}"));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = ParquetReader::new(file);
    let rows = reader.num_rows().map_err(fail)? as u64;
    let columns = reader.schema().map_err(fail)?.len() as u64;
    let need_mb = (rows * columns * IN_MEMORY_BYTES_PER_CELL + PROGRAM_BYTES) >> 20;
    Ok((need_mb > limit_mb).then(|| {
        format!(
            "{} has {rows} rows of {columns} columns: training it in memory needs about {need_mb} MB, \
             more than the {limit_mb} MB it may use",
            path.display()
        )
    }))
}

/// The memory in MB that in-memory training may use: the budget (`--memory`), or less when
/// `CHURN_MEMORY_LIMIT_MB` is set lower, or when 80 % of what the kernel reports available
/// (`MemAvailable`) is less.
pub fn memory_limit_mb(budget_mb: u64) -> Result<u64> {
    if let Ok(text) = std::env::var("CHURN_MEMORY_LIMIT_MB") {
        let limit: u64 = text.trim().parse().map_err(|_| {
            Error::Usage(format!("CHURN_MEMORY_LIMIT_MB must be a whole number of MB, got \"{text}\""))
        })?;
        return Ok(limit.min(budget_mb));
    }
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|meminfo| {
        meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| ((kb / 1024) as f64 * AVAILABLE_SHARE) as u64)
    });
    Ok(available.map_or(budget_mb, |a| a.min(budget_mb)))
}
/// Adam steps the default number of epochs makes at least (up to [`MAX_DEFAULT_EPOCHS`]): on a
/// hundred thousand rows three passes are under three hundred steps, too few to converge.
pub const MIN_STEPS: u64 = 1_000;
const MAX_DEFAULT_EPOCHS: u64 = 100;
/// At most this many training rows are sampled for type inference and encoder fitting: quantile
/// knots and frequent levels are settled long before, and the parity check scores them all.
const MAX_SAMPLE_ROWS: u64 = 200_000;
/// Share of the memory budget for the sample (raw cells, its design matrix, its forward pass).
const SAMPLE_SHARE: f64 = 0.35;
/// Share of the memory budget for one chunk (polars' decoded columns, values, design matrix);
/// up to three are alive at once in an epoch (being trained on, queued, being encoded).
const CHUNK_SHARE: f64 = 0.05;
/// Share of the memory budget one read may decode (whole row groups, as polars holds them).
const UNIT_SHARE: f64 = 0.3;
const MIN_CHUNK_ROWS: u64 = 1_000;
const MAX_CHUNK_ROWS: u64 = 1_000_000;

/// Trains on a Parquet file read in chunks; `on_epoch` hears about each epoch as it ends.
/// Returns the model and the in-memory sample (for the report).
pub fn train(
    path: &Path,
    opts: &TrainOptions,
    stream: &StreamOptions,
    progress: &ProgressBar,
    on_epoch: &dyn Fn(&EpochTiming),
) -> Result<(Trained, Table)> {
    let started = Instant::now();
    let source = Source::open(path)?;
    let sizes = Sizes::of(&source, opts, stream)?;
    let split = Split::new(opts.seed, stream.holdout, sizes.sample_cap, source.rows);
    progress.set_length(source.rows * 2);

    // 1. The sampling pass; 2. checks, types and encoders on the sample.
    let target = source.column(&opts.columns.target)?;
    let sampled = sample_pass(&source, &sizes, &split, target, progress)?;
    let sample = &sampled.sample;
    let (validation, plan) = train::check_and_plan(sample, opts)?;
    let positive = plan.target.positive.clone();
    let all: Vec<usize> = (0..sample.rows()).collect();
    let (recipe, search) = sample_recipe(sample, &plan, opts, source.rows, progress)?;
    let pipeline = if recipe.pairs.pairs == 0 {
        fit_pipeline(sample, &plan, &all, &recipe.encoding)?
    } else {
        // The interaction terms come from the sample, as in memory: an additive fit, the pair
        // search on its residuals; only the pipeline is kept, the streamed fit is the model.
        progress.set_message("finding interaction terms on the sample");
        crate::training::recipe::fit(sample, &plan, &all, &recipe, opts.seed)?.pipeline
    };
    let schedule = Schedule::of(&sampled.training_per_chunk, stream);
    progress.set_length(source.rows * (schedule.epochs as u64 + 2));
    let encoder = ChunkEncoder { pipeline: &pipeline, plan: &plan, target, positive: &positive, path };
    let reading = Reading { source: &source, encoder: &encoder, split: &split, chunk_rows: sizes.chunk_rows };

    // 3. Epochs.
    let training_rows: u64 = sampled.training_per_chunk.iter().sum();
    let d = pipeline.width();
    let net = crate::training::recipe::build_net(&recipe, d, opts.seed)?;
    let penalty = recipe.fit.l2 / (2.0 * training_rows.max(1) as f64);
    let learning_rate = stream.learning_rate(recipe.model);
    let fitting = Fitting { net: net.as_ref(), d, penalty, schedule: &schedule, stream, learning_rate };
    let epochs = epochs(&fitting, &reading, opts.seed, progress, on_epoch)?;

    // 4. The evaluation pass over the held-out rows.
    progress.set_message("scoring the held-out rows");
    let (holdout_y, holdout_z) = score_holdout(&reading, net.as_ref(), d, progress)?;
    let parts = holdout_parts(&holdout_y, &holdout_z, opts, stream)?;

    // 5. The sample: baseline, drift reference, parity.
    progress.set_message("checking parity");
    let x = encode_design(&pipeline, sample, &plan, &all)?;
    let logits = nn::design_logits(net.as_ref(), &x)?;
    let (rows, positives) = sampled.targets.totals(&plan, &source)?;
    let mut data = train::data_summary(sample, &plan, &validation);
    data.rows = rows;
    data.positives = positives;
    data.positive_rate = positives as f64 / rows as f64;
    let report = StreamReport {
        rows,
        training_rows,
        holdout_rows: holdout_y.len() as u64,
        sample_rows: sample.rows() as u64,
        chunk_rows: sizes.chunk_rows,
        epoch_loss: epochs.iter().map(|e| e.loss).collect(),
        ..settings(stream, learning_rate)
    };
    let evaluation =
        Evaluation { labels: &holdout_y, folds: parts, folds_reason: None, streaming: Some(report), search };
    let baseline = x.column_means();
    let fit = FinalFit { pipeline: pipeline.clone(), baseline, net, logits, recipe };
    let mut trained = train::assemble(sample, &plan, data, evaluation, fit, opts, started)?;
    trained.epochs = epochs;
    Ok((trained, sampled.sample))
}

/// The recipe to stream: the one the flags give, or with `--model auto` the candidate a
/// cross-validation on the sample prefers (on a stratified part of it, sized as in-memory searches
/// size theirs; see [`search::selection_sample`]). The sample holds training rows only, so the
/// choice never sees a held-out row. `rows` is the file's, which with its columns decides whether
/// an MLP is tried.
fn sample_recipe(
    sample: &Table,
    plan: &Plan,
    opts: &TrainOptions,
    rows: u64,
    progress: &ProgressBar,
) -> Result<(Recipe, Option<SearchReport>)> {
    let cells = rows as usize * plan.inputs();
    let candidates = search::candidates(&opts.recipe(), opts.search, &opts.families, cells, opts.seed);
    if candidates.len() == 1 {
        return Ok((opts.recipe(), None));
    }
    progress.set_message(format!("choosing among {} recipes on the sample", candidates.len()));
    let scope = vec![(0..sample.rows()).collect::<Vec<usize>>()];
    let scores = search::score(sample, plan, None, &scope, &candidates, opts.seed, &ProgressBar::hidden())?;
    let chosen = search::best(&scores[0]);
    let report = search::report(opts.search, &candidates, &scores, &[chosen]);
    Ok((candidates[chosen].clone(), Some(report)))
}

/// Adam over `schedule.epochs` passes of the training rows, each epoch's timing.
fn epochs(
    fitting: &Fitting<'_>,
    reading: &Reading<'_>,
    seed: u64,
    progress: &ProgressBar,
    on_epoch: &dyn Fn(&EpochTiming),
) -> Result<Vec<EpochTiming>> {
    let params = ParamsAdamW { lr: fitting.learning_rate, weight_decay: 0.0, ..ParamsAdamW::default() };
    let mut adam = AdamW::new(fitting.net.vars().to_vec(), params)?;
    let mut step = 0u64;
    let total = fitting.schedule.epochs;
    let mut epochs = Vec::with_capacity(total);
    for epoch in 0..total {
        progress.set_message(format!("epoch {}/{total}", epoch + 1));
        let timing = run_epoch(fitting, reading, &mut adam, &mut step, epoch, seed, progress)?;
        on_epoch(&timing);
        epochs.push(timing);
    }
    Ok(epochs)
}

/// The card's record of the streaming flags (the counts are filled in by the caller).
fn settings(stream: &StreamOptions, learning_rate: f64) -> StreamReport {
    StreamReport {
        memory_mb: stream.memory_mb,
        batch_size: stream.batch_size as u32,
        learning_rate,
        ..StreamReport::default()
    }
}

/// What `--memory` allows: rows per chunk, and the most rows the sample may keep.
struct Sizes {
    budget: f64,
    chunk_rows: u64,
    sample_cap: u64,
}

impl Sizes {
    fn of(source: &Source, opts: &TrainOptions, stream: &StreamOptions) -> Result<Sizes> {
        let columns = source.names.len() as u64;
        let budget = stream.memory_mb as f64 * 1e6;
        // Bytes per row, generously: a raw cell is 24 bytes plus its text; an encoded row is at
        // most `bins + 2` features per column, held as the design matrix and once more in candle.
        let encoded_row = 8 * columns * (opts.encoding.bins as u64 + 2);
        let sample_row = columns * 64 + 3 * encoded_row;
        let chunk_row = columns * 96 + 2 * encoded_row;
        let chunk_rows = ((budget * CHUNK_SHARE) as u64 / chunk_row).clamp(MIN_CHUNK_ROWS, MAX_CHUNK_ROWS);
        let sample_cap = ((budget * SAMPLE_SHARE) as u64 / sample_row).min(MAX_SAMPLE_ROWS);
        if sample_cap < 1_000 {
            return Err(Error::Usage(format!(
                "--memory {} MB is too small for {columns} columns: it leaves room for a sample of only \
                 {sample_cap} rows; give at least {} MB",
                stream.memory_mb,
                (1_000 * sample_row) as f64 / SAMPLE_SHARE / 1e6
            )));
        }
        Ok(Sizes { budget, chunk_rows, sample_cap })
    }
}

/// What the sampling pass found: the sample, the target's counts, training rows per chunk.
struct Sampled {
    sample: Table,
    targets: TargetCounts,
    training_per_chunk: Vec<u64>,
}

/// Reads every row once: counts the target, and keeps the sampled training rows.
fn sample_pass(
    source: &Source,
    sizes: &Sizes,
    split: &Split,
    target: usize,
    progress: &ProgressBar,
) -> Result<Sampled> {
    progress.set_message("sampling");
    let mut sample: Vec<ColumnBuilder> = source.names.iter().map(|_| ColumnBuilder::new()).collect();
    let mut targets = TargetCounts::default();
    let mut training_per_chunk = Vec::new();
    let mut checked_unit_size = false;
    visit(source, sizes.chunk_rows, None, |offset, frame| {
        if !checked_unit_size {
            check_unit_size(source, sizes.chunk_rows, frame, sizes.budget)?;
            checked_unit_size = true;
        }
        let data = chunk_columns(frame, source)?;
        let values: Vec<Vec<Value<'_>>> = data.iter().map(ColumnData::values).collect();
        let mut training = 0u64;
        for r in 0..frame.height() {
            let row = offset + r as u64;
            targets.add(values[target][r], row, source)?;
            if let Part::Training { sampled } = split.of(row) {
                training += 1;
                if sampled {
                    for ((column, v), name) in sample.iter_mut().zip(&values).zip(&source.names) {
                        column
                            .push(v[r])
                            .map_err(|e| Error::data(&source.path, format!("column \"{name}\": {e}")))?;
                    }
                }
            }
        }
        training_per_chunk.push(training);
        progress.inc(frame.height() as u64);
        Ok(())
    })?;
    let sample = Table {
        path: source.path.clone(),
        format: Format::Parquet,
        names: source.names.clone(),
        columns: sample.into_iter().map(ColumnBuilder::finish).collect(),
        lines: Vec::new(),
        first_row: 0,
    };
    if sample.rows() == 0 {
        return Err(Error::data(
            &source.path,
            "no training rows: the file has no data rows, or --holdout left none",
        ));
    }
    Ok(Sampled { sample, targets, training_per_chunk })
}

/// How many epochs, and the Adam steps they take.
struct Schedule {
    epochs: usize,
    total_steps: u64,
}

impl Schedule {
    fn of(training_per_chunk: &[u64], stream: &StreamOptions) -> Schedule {
        let steps_per_epoch: u64 =
            training_per_chunk.iter().map(|&n| n.div_ceil(stream.batch_size as u64)).sum();
        let epochs = stream.epochs.unwrap_or_else(|| {
            MIN_STEPS.div_ceil(steps_per_epoch.max(1)).clamp(DEFAULT_EPOCHS as u64, MAX_DEFAULT_EPOCHS)
                as usize
        });
        Schedule { epochs, total_steps: steps_per_epoch * epochs as u64 }
    }
}

/// What the Adam steps work on.
struct Fitting<'a> {
    net: &'a (dyn Net + Send + Sync),
    d: usize,
    penalty: f64,
    schedule: &'a Schedule,
    stream: &'a StreamOptions,
    /// Adam's initial step size, for the family trained.
    learning_rate: f64,
}

/// Where the rows come from, and how they are encoded.
struct Reading<'a> {
    source: &'a Source,
    encoder: &'a ChunkEncoder<'a>,
    split: &'a Split,
    chunk_rows: u64,
}

/// One pass over the training rows. Reading and encoding (a thread of its own) overlap with the
/// Adam steps (this thread): the reader stays at most one encoded chunk ahead. The order of
/// chunks and rows is the reader's alone, so the model is the same as if one thread did both.
fn run_epoch(
    fitting: &Fitting<'_>,
    reading: &Reading<'_>,
    adam: &mut AdamW,
    step: &mut u64,
    epoch: usize,
    seed: u64,
    progress: &ProgressBar,
) -> Result<EpochTiming> {
    let (d, stream) = (fitting.d, fitting.stream);
    let epoch_started = Instant::now();
    let mut order_rng = ChaCha8Rng::seed_from_u64(seed ^ (0x5eed_0000 + epoch as u64));
    let mut row_rng = ChaCha8Rng::seed_from_u64(seed ^ (0x0005_eed0_0000 + epoch as u64));
    let (mut loss_sum, mut batches, mut seen) = (0.0, 0u64, 0u64);
    let mut xb = Vec::with_capacity(stream.batch_size * d);
    let mut yb = Vec::with_capacity(stream.batch_size);
    let (chunks, inbox) = std::sync::mpsc::sync_channel::<Result<Encoded>>(1);
    std::thread::scope(|scope| -> Result<()> {
        let Reading { source, encoder, split, chunk_rows } = *reading;
        let (order_rng, row_rng) = (&mut order_rng, &mut row_rng);
        scope.spawn(move || {
            let read = visit(source, chunk_rows, Some(order_rng), |offset, frame| {
                let (x, y) = encoder.encode(frame, source, offset, |row| split.of(row) != Part::Holdout)?;
                let mut order: Vec<usize> = (0..y.len()).collect();
                order.shuffle(row_rng);
                progress.inc(frame.height() as u64);
                // The trainer hung up: it stopped on an error of its own, which it reports.
                chunks.send(Ok(Encoded { x, y, order })).map_err(|_| Error::Training("stopped".into()))
            });
            if let Err(e) = read {
                let _ = chunks.send(Err(e));
            }
        });
        for chunk in inbox {
            let Encoded { x, y, order } = chunk?;
            for batch in order.chunks(stream.batch_size) {
                xb.clear();
                yb.clear();
                for &r in batch {
                    xb.extend_from_slice(&x[r * d..(r + 1) * d]);
                    yb.push(y[r]);
                }
                let progress_share = *step as f64 / fitting.schedule.total_steps.max(1) as f64;
                adam.set_learning_rate(cosine(fitting.learning_rate, progress_share));
                let loss = step_loss(fitting.net, &xb, &yb, d, fitting.penalty)?;
                loss_sum += loss.to_scalar::<f64>()?;
                adam.backward_step(&loss)?;
                batches += 1;
                *step += 1;
            }
            seen += y.len() as u64;
        }
        Ok(())
    })?;
    let loss = loss_sum / batches.max(1) as f64;
    if !loss.is_finite() {
        return Err(Error::Training(format!(
            "the training loss diverged in epoch {}; lower --learning-rate (now {})",
            epoch + 1,
            fitting.learning_rate
        )));
    }
    let seconds = epoch_started.elapsed().as_secs_f64();
    Ok(EpochTiming {
        epoch: epoch as u32 + 1,
        rows: seen,
        seconds,
        rows_per_second: seen as f64 / seconds.max(1e-9),
        loss,
    })
}

/// The held-out rows' labels and logits.
fn score_holdout(
    reading: &Reading<'_>,
    net: &(dyn Net + Send + Sync),
    d: usize,
    progress: &ProgressBar,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (mut holdout_y, mut holdout_z) = (Vec::new(), Vec::new());
    visit(reading.source, reading.chunk_rows, None, |offset, frame| {
        let (x, y) = reading
            .encoder
            .encode(frame, reading.source, offset, |row| reading.split.of(row) == Part::Holdout)?;
        if !y.is_empty() {
            holdout_z.extend(nn::predict_logits(net, &x, d)?);
            holdout_y.extend(y);
        }
        progress.inc(frame.height() as u64);
        Ok(())
    })?;
    Ok((holdout_y, holdout_z))
}

/// The held-out rows dealt into `--folds` stratified parts, which play the role of folds.
fn holdout_parts(
    y: &[f64],
    z: &[f64],
    opts: &TrainOptions,
    stream: &StreamOptions,
) -> Result<Vec<FoldResult>> {
    let positives = y.iter().filter(|&&y| y == 1.0).count();
    let parts = opts.folds.parts();
    if positives < parts || y.len() - positives < parts {
        return Err(Error::Usage(format!(
            "the holdout has {} rows, {positives} of them churners: too few to evaluate in {parts} \
             parts; raise --holdout (now {})",
            y.len(),
            stream.holdout
        )));
    }
    let assignment = folds::stratified(y, parts, opts.seed)?;
    Ok((0..parts)
        .map(|k| {
            let test: Vec<usize> = (0..y.len()).filter(|&i| assignment[i] == k).collect();
            let logits = test.iter().map(|&i| z[i]).collect();
            FoldResult { test, logits }
        })
        .collect())
}

/// Stops when one read (whole row groups) would take more than [`UNIT_SHARE`] of the budget.
fn check_unit_size(source: &Source, chunk_rows: u64, first: &DataFrame, budget: f64) -> Result<()> {
    let largest = reads(&source.groups, chunk_rows).iter().map(|u| u.1).max().unwrap_or(0);
    let per_row = first.estimated_size() as f64 / first.height().max(1) as f64;
    let need = per_row * largest as f64;
    if need > budget * UNIT_SHARE {
        return Err(Error::data(
            &source.path,
            format!(
                "has row groups of up to {largest} rows, about {:.0} MB decoded, which is more than \
                 --memory {:.0} MB allows for one read; give more --memory, or rewrite the file with \
                 smaller row groups (e.g. 100,000 rows: polars' row_group_size, pyarrow's \
                 row_group_size, Spark's parquet.block.size)",
                need / 1e6,
                budget / 1e6
            ),
        ));
    }
    Ok(())
}

/// The step size after `progress` (0 to 1) of all steps: a cosine from `start` to `start / 20`.
fn cosine(start: f64, progress: f64) -> f64 {
    let floor = start / 20.0;
    floor + (start - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress.clamp(0.0, 1.0)).cos())
}

/// The mini-batch objective: the one the in-memory fit minimises.
fn step_loss(net: &(dyn Net + Send + Sync), x: &[f64], y: &[f64], d: usize, penalty: f64) -> Result<Tensor> {
    let dev = Device::Cpu;
    let xt = Tensor::from_slice(x, (y.len(), d), &dev)?;
    let yt = Tensor::from_slice(y, y.len(), &dev)?;
    Ok(nn::objective(net, &xt, &yt, penalty)?)
}

/// Where a row goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Holdout,
    Training { sampled: bool },
}

/// The row-to-part assignment: a pure function of the seed and the row number, so every pass
/// agrees without storing it, whatever the chunk size.
struct Split {
    seed: u64,
    holdout: f64,
    sample_share: f64,
}

impl Split {
    fn new(seed: u64, holdout: f64, sample_cap: u64, rows: u64) -> Split {
        let training = (rows as f64 * (1.0 - holdout)).max(1.0);
        Split { seed, holdout, sample_share: (sample_cap as f64 / training).min(1.0) }
    }

    fn of(&self, row: u64) -> Part {
        if uniform(self.seed, 1, row) < self.holdout {
            Part::Holdout
        } else {
            Part::Training { sampled: uniform(self.seed, 2, row) < self.sample_share }
        }
    }
}

/// A uniform number in [0, 1) from (seed, stream, row), by SplitMix64.
fn uniform(seed: u64, stream: u64, row: u64) -> f64 {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (mix(mix(seed ^ stream.rotate_left(32)) ^ row) >> 11) as f64 / (1u64 << 53) as f64
}

/// The Parquet file: its length, column names and row groups, and rows of it on demand.
struct Source {
    path: PathBuf,
    /// The file's footer, read once.
    metadata: FileMetadataRef,
    rows: u64,
    names: Vec<String>,
    /// Rows of each row group.
    groups: Vec<u64>,
}

impl Source {
    fn open(path: &Path) -> Result<Source> {
        let format = Format::from_path(path).unwrap_or(Format::Parquet);
        if format != Format::Parquet {
            return Err(Error::Usage(format!(
                "--stream reads Parquet, whose row groups can be read one at a time; {} is {format}. \
                 Write the table as Parquet (pandas: to_parquet, polars: write_parquet, DuckDB: COPY … \
                 TO 'customers.parquet'), or train without --stream",
                path.display()
            )));
        }
        let fail = |e: PolarsError| Error::data(path, format!("cannot read Parquet: {e}"));
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = ParquetReader::new(file);
        let rows = reader.num_rows().map_err(fail)? as u64;
        let names: Vec<String> = reader.schema().map_err(fail)?.iter_names().map(|n| n.to_string()).collect();
        let metadata = reader.get_metadata().map_err(fail)?.clone();
        let groups: Vec<u64> = metadata.row_groups.iter().map(|g| g.num_rows() as u64).collect();
        if names.is_empty() {
            return Err(Error::data(path, "the file is empty: it has no columns"));
        }
        if rows == 0 {
            return Err(Error::data(path, "the file has columns but no data rows"));
        }
        Ok(Source { path: path.to_owned(), metadata, rows, names, groups })
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.names.iter().position(|n| n == name).ok_or_else(|| {
            Error::data(
                &self.path,
                format!("has no column \"{name}\" for the target; its columns are {}", self.names.join(", ")),
            )
        })
    }

    /// Rows `offset .. offset + len`, decoding only the row groups they are in.
    fn read(&self, offset: u64, len: u64) -> Result<DataFrame> {
        let fail = |e: PolarsError| {
            Error::data(&self.path, format!("cannot read rows {}–{}: {e}", offset + 1, offset + len))
        };
        let file = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let mut reader = ParquetReader::new(file).with_slice(Some((offset as usize, len as usize)));
        reader.set_metadata(self.metadata.clone());
        let frame = reader.finish().map_err(fail)?;
        if frame.height() as u64 != len || frame.width() != self.names.len() {
            return Err(Error::data(
                &self.path,
                format!(
                    "rows {}–{} came back as {} rows of {} columns; was the file changed while training?",
                    offset + 1,
                    offset + len,
                    frame.height(),
                    frame.width()
                ),
            ));
        }
        Ok(frame)
    }
}

/// Consecutive row groups merged into reads of at most `chunk_rows` rows, as (first row, rows);
/// a row group larger than that is a read of its own. Parquet decodes a row group whole, so a
/// read that started or ended inside one would decode it again for the next read.
fn reads(groups: &[u64], chunk_rows: u64) -> Vec<(u64, u64)> {
    let mut reads: Vec<(u64, u64)> = Vec::new();
    let mut offset = 0u64;
    for &n in groups.iter().filter(|&&n| n > 0) {
        match reads.last_mut() {
            Some((_, len)) if *len + n <= chunk_rows => *len += n,
            _ => reads.push((offset, n)),
        }
        offset += n;
    }
    reads
}

/// Reads the file unit by unit and hands `f` slices of at most `chunk_rows` rows with the row
/// number of their first row. With `order`, units and the slices within each come shuffled.
fn visit(
    source: &Source,
    chunk_rows: u64,
    mut order: Option<&mut ChaCha8Rng>,
    mut f: impl FnMut(u64, &DataFrame) -> Result<()>,
) -> Result<()> {
    let mut units = reads(&source.groups, chunk_rows);
    if let Some(rng) = order.as_deref_mut() {
        units.shuffle(rng);
    }
    for (offset, len) in units {
        let frame = source.read(offset, len)?;
        let mut starts: Vec<u64> = (0..len.div_ceil(chunk_rows)).map(|i| i * chunk_rows).collect();
        if let Some(rng) = order.as_deref_mut() {
            starts.shuffle(rng);
        }
        for start in starts {
            let n = chunk_rows.min(len - start);
            f(offset + start, &frame.slice(start as i64, n as usize))?;
        }
    }
    Ok(())
}

fn chunk_columns(frame: &DataFrame, source: &Source) -> Result<Vec<ColumnData>> {
    frame
        .columns()
        .iter()
        .map(|c| {
            ColumnData::of(c.as_materialized_series())
                .map_err(|e| Error::data(&source.path, format!("column \"{}\": {e}", c.name())))
        })
        .collect()
}

/// Counts of the target's values over the whole file (at most two).
#[derive(Default)]
struct TargetCounts {
    counts: Vec<(String, u64)>,
}

impl TargetCounts {
    fn add(&mut self, v: Value<'_>, row: u64, source: &Source) -> Result<()> {
        let Some(key) = target_key(v) else {
            return Err(Error::data(
                &source.path,
                format!("row {}: the target is missing; fill it in or remove the row", row + 1),
            ));
        };
        match self.counts.iter().position(|(k, _)| *k == key) {
            Some(i) => self.counts[i].1 += 1,
            None if self.counts.len() < 2 => self.counts.push((key.into_owned(), 1)),
            None => {
                return Err(Error::data(
                    &source.path,
                    format!(
                        "row {}: the target has a third value, \"{key}\", after \"{}\" and \"{}\"; churn \
                         prediction needs exactly two",
                        row + 1,
                        self.counts[0].0,
                        self.counts[1].0
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Rows and positives (rows with the plan's churn value).
    fn totals(&self, plan: &Plan, source: &Source) -> Result<(u64, u64)> {
        let rows = self.counts.iter().map(|(_, n)| n).sum();
        if let Some((other, _)) =
            self.counts.iter().find(|(k, _)| *k != plan.target.positive && *k != plan.target.negative)
        {
            return Err(Error::data(
                &source.path,
                format!(
                    "the target has the value \"{other}\" outside the sample, which had \"{}\" and \"{}\"",
                    plan.target.positive, plan.target.negative
                ),
            ));
        }
        let positives = self.counts.iter().find(|(k, _)| *k == plan.target.positive).map_or(0, |(_, n)| *n);
        Ok((rows, positives))
    }
}

/// A chunk's training rows, encoded, and the shuffled order to take them in.
struct Encoded {
    x: Vec<f64>,
    y: Vec<f64>,
    order: Vec<usize>,
}

/// Encodes the rows of a chunk that a predicate picks into a design matrix and labels.
struct ChunkEncoder<'a> {
    pipeline: &'a scorer_wasm::Pipeline,
    plan: &'a Plan,
    target: usize,
    positive: &'a str,
    path: &'a Path,
}

impl ChunkEncoder<'_> {
    fn encode(
        &self,
        frame: &DataFrame,
        source: &Source,
        offset: u64,
        keep: impl Fn(u64) -> bool,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let data = chunk_columns(frame, source)?;
        let values: Vec<Vec<Value<'_>>> = data.iter().map(ColumnData::values).collect();
        let d = self.pipeline.width();
        let (mut x, mut y) = (Vec::new(), Vec::new());
        let mut row_values = Vec::with_capacity(self.plan.columns.len());
        let mut warnings = Vec::new();
        for (r, &label) in values[self.target].iter().enumerate() {
            let row = offset + r as u64;
            if !keep(row) {
                continue;
            }
            row_values.clear();
            row_values.extend(self.plan.columns.iter().map(|c| values[c.index][r]));
            let start = x.len();
            x.resize(start + d, 0.0);
            warnings.clear();
            self.pipeline
                .encode(&row_values, &mut x[start..], &mut warnings)
                .map_err(|e| Error::data(self.path, format!("row {}: {e}", row + 1)))?;
            y.push(if target_key(label).as_deref() == Some(self.positive) { 1.0 } else { 0.0 });
        }
        Ok((x, y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_a_function_of_seed_and_row() {
        let split = Split::new(42, 0.1, 1_000, 100_000);
        let parts: Vec<Part> = (0..100_000).map(|r| split.of(r)).collect();
        let again: Vec<Part> = (0..100_000).map(|r| Split::new(42, 0.1, 1_000, 100_000).of(r)).collect();
        assert_eq!(parts, again);
        let holdout = parts.iter().filter(|p| **p == Part::Holdout).count();
        let sampled = parts.iter().filter(|p| **p == Part::Training { sampled: true }).count();
        assert_eq!((holdout, sampled), (10_045, 968));
        let other_seed =
            (0..100_000).filter(|&r| Split::new(43, 0.1, 1_000, 100_000).of(r) != parts[r as usize]);
        assert_eq!(other_seed.count(), 19_738);
    }

    #[test]
    fn reads_take_whole_row_groups() {
        assert_eq!(
            reads(&[500, 500, 300, 2000, 0, 100], 1000),
            [(0, 1000), (1000, 300), (1300, 2000), (3300, 100)]
        );
        assert_eq!(reads(&[500, 500, 300], u64::MAX), [(0, 1300)]);
    }

    #[test]
    fn the_step_size_falls_along_a_cosine_to_a_twentieth() {
        assert_eq!(cosine(0.01, 0.0), 0.01);
        assert_eq!(cosine(0.01, 0.5), 0.005_249_999_999_999_999_5);
        assert_eq!(cosine(0.01, 1.0), 0.0005);
    }
}
