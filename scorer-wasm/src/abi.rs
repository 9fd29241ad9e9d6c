//! A plain C ABI next to the JavaScript one, in the same module, so that a host without a
//! JavaScript engine (wasmtime in CI and benchmarks) can score through the very `.wasm` file the
//! browser loads.
//!
//! Memory: the host allocates input buffers with `churn_alloc` and frees them with `churn_free`.
//! Each call leaves its result in an output buffer (`churn_output_ptr`/`_len`) and its errors,
//! one line each, in an error buffer (`churn_error_ptr`/`_len`), both valid until the next call.
//! Scores are little-endian `f64` pairs `(probability, logit)`, NaN for an input that failed.
//!
//! Records (`churn_score_records`) are named fields with typed values, so they take the same
//! path as a JSON or JavaScript object:
//!
//! ```text
//! records := u32 count, record*            field := u32 name_len, name, u8 tag, value
//! record  := u32 field_count, field*       tag 0 missing | 1 f64 | 2 u32 len + UTF-8 | 3 u8 bool
//! ```
//!
//! Nothing here traps on bad input: malformed buffers, invalid models and invalid values are
//! negative return codes with a message in the error buffer.

use std::cell::RefCell;

#[cfg(target_feature = "atomics")]
compile_error!("the plain ABI keeps its state in a single-threaded cell; build without `atomics`");

use crate::{Model, Value};

#[derive(Default)]
struct State {
    model: Option<Model>,
    output: Vec<u8>,
    error: String,
}

/// The module's state. `wasm32-unknown-unknown` without the `atomics` feature has one thread, so
/// a plain cell suffices (`thread_local!` would add its lazy-initialisation machinery).
struct Global(RefCell<Option<State>>);

// SAFETY: this module is compiled only for `wasm32-unknown-unknown`, where there are no threads
// unless the `atomics` target feature is on, which the build does not enable.
unsafe impl Sync for Global {}

static STATE: Global = Global(RefCell::new(None));

impl Global {
    fn with_borrow_mut<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        match self.0.try_borrow_mut() {
            Ok(mut slot) => f(slot.get_or_insert_with(State::default)),
            // Only reachable if a call re-entered the ABI while another was running, which a
            // single-threaded host cannot do; answer with an empty state rather than trap.
            Err(_) => f(&mut State::default()),
        }
    }

    fn with_borrow<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        self.with_borrow_mut(|s| f(s))
    }
}

/// Return code: the input buffer does not follow the record format.
const MALFORMED: i32 = -1;
/// Return code: no model is loaded, or the model bytes are invalid.
const NO_MODEL: i32 = -2;
/// Return code: the CSV document or its header cannot be scored.
const BAD_CSV: i32 = -3;

/// Allocates `len` bytes for the host to write into.
#[unsafe(no_mangle)]
pub extern "C" fn churn_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Frees a buffer from [`churn_alloc`].
///
/// # Safety
/// `ptr` and `len` must come from one `churn_alloc(len)` call, freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn churn_free(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        // SAFETY: the caller passes a pointer and capacity from `churn_alloc`.
        drop(unsafe { Vec::from_raw_parts(ptr, 0, len.max(1)) });
    }
}

/// # Safety
/// `ptr` must point to `len` readable bytes (or be null with `len` 0).
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

fn fail(state: &mut State, code: i32, message: String) -> i32 {
    state.error = message;
    code
}

/// Uses the model embedded at build time. Returns 0, or `NO_MODEL` with the reason.
#[unsafe(no_mangle)]
pub extern "C" fn churn_use_embedded() -> i32 {
    STATE.with_borrow_mut(|s| match Model::embedded() {
        Some(Ok(model)) => {
            s.model = Some(model);
            0
        }
        Some(Err(e)) => fail(s, NO_MODEL, e.to_string()),
        None => fail(s, NO_MODEL, "this module was built without an embedded model".into()),
    })
}

/// Loads a model file's bytes. Returns 0, or `NO_MODEL` with the reason.
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn churn_load(ptr: *const u8, len: usize) -> i32 {
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { input(ptr, len) };
    STATE.with_borrow_mut(|s| match Model::from_bytes(bytes) {
        Ok(model) => {
            s.model = Some(model);
            0
        }
        Err(e) => fail(s, NO_MODEL, e.to_string()),
    })
}

/// Writes the loaded model's id into the output buffer. Returns its length or `NO_MODEL`.
#[unsafe(no_mangle)]
pub extern "C" fn churn_model_id() -> i32 {
    STATE.with_borrow_mut(|s| match &s.model {
        Some(m) => {
            let id = m.id().as_bytes().to_vec();
            s.output = id;
            s.output.len() as i32
        }
        None => fail(s, NO_MODEL, "no model loaded".into()),
    })
}

/// Scores records (see the module docs). Returns how many failed (0 = all scored; their
/// messages are in the error buffer), or a negative code.
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn churn_score_records(ptr: *const u8, len: usize) -> i32 {
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { input(ptr, len) };
    STATE.with_borrow_mut(|s| {
        let Some(model) = s.model.take() else {
            return fail(s, NO_MODEL, "no model loaded".into());
        };
        let result = score_records(&model, bytes, &mut s.output, &mut s.error);
        s.model = Some(model);
        match result {
            Ok(failed) => failed,
            Err(message) => fail(s, MALFORMED, message),
        }
    })
}

fn score_records(
    model: &Model,
    bytes: &[u8],
    output: &mut Vec<u8>,
    errors: &mut String,
) -> Result<i32, String> {
    let mut r = Reader { bytes, pos: 0 };
    let count = r.u32()?;
    output.clear();
    errors.clear();
    let mut scorer = model.scorer();
    let mut row = Vec::new();
    let mut failed = 0;
    for i in 0..count {
        let n = r.u32()?;
        let mut fields = Vec::with_capacity(n.min(1024) as usize);
        for _ in 0..n {
            let name = r.text()?;
            let value = match r.u8()? {
                0 => Value::Missing,
                1 => Value::Number(f64::from_le_bytes(r.take(8)?.try_into().map_err(|_| "short number")?)),
                2 => Value::Text(r.text()?),
                3 => Value::Bool(r.u8()? != 0),
                tag => return Err(format!("record {i}: unknown value tag {tag}")),
            };
            fields.push((name, value));
        }
        let scored = model.record(fields, &mut row).and_then(|()| scorer.score(&row));
        let (p, z) = match scored {
            Ok(s) => (s.probability, s.logit),
            Err(e) => {
                failed += 1;
                errors.push_str(&format!("[{i}].{e}\n"));
                (f64::NAN, f64::NAN)
            }
        };
        output.extend_from_slice(&p.to_le_bytes());
        output.extend_from_slice(&z.to_le_bytes());
    }
    if r.pos != bytes.len() {
        return Err(format!("{} bytes after the last record", bytes.len() - r.pos));
    }
    Ok(failed)
}

/// Scores a CSV document (header row, then customers). Returns how many rows failed, or
/// `BAD_CSV` when the document or its header cannot be scored.
///
/// # Safety
/// `ptr` must point to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn churn_score_csv(ptr: *const u8, len: usize) -> i32 {
    // SAFETY: forwarded from the caller.
    let bytes = unsafe { input(ptr, len) };
    STATE.with_borrow_mut(|s| {
        let Some(model) = s.model.as_ref() else {
            return fail(s, NO_MODEL, "no model loaded".into());
        };
        match crate::api::score_csv(model, bytes, 0, usize::MAX) {
            Ok(answer) => {
                let mut output = Vec::with_capacity(16 * answer.summary.rows);
                let mut errors = String::new();
                let (mut rows, mut errs) = (answer.rows.iter().peekable(), answer.errors.iter().peekable());
                for row_no in 1..=answer.summary.rows as u64 {
                    let (p, z) = match (rows.peek(), errs.peek()) {
                        (Some(r), _) if r.row == row_no => {
                            rows.next().map_or((f64::NAN, f64::NAN), |r| (r.probability, r.logit))
                        }
                        (_, Some(e)) if e.row == row_no => {
                            errors.push_str(&format!("row {} (line {}): {}\n", e.row, e.line, e.message));
                            errs.next();
                            (f64::NAN, f64::NAN)
                        }
                        _ => (f64::NAN, f64::NAN),
                    };
                    output.extend_from_slice(&p.to_le_bytes());
                    output.extend_from_slice(&z.to_le_bytes());
                }
                s.output = output;
                s.error = errors;
                answer.summary.failed as i32
            }
            Err(e) => fail(s, BAD_CSV, e.to_string()),
        }
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn churn_output_ptr() -> *const u8 {
    STATE.with_borrow(|s| s.output.as_ptr())
}

#[unsafe(no_mangle)]
pub extern "C" fn churn_output_len() -> usize {
    STATE.with_borrow(|s| s.output.len())
}

#[unsafe(no_mangle)]
pub extern "C" fn churn_error_ptr() -> *const u8 {
    STATE.with_borrow(|s| s.error.as_ptr())
}

#[unsafe(no_mangle)]
pub extern "C" fn churn_error_len() -> usize {
    STATE.with_borrow(|s| s.error.len())
}

/// Bounds-checked reading of the record format.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            format!(
                "the buffer ends at byte {} but {n} more bytes were expected at {}",
                self.bytes.len(),
                self.pos
            )
        })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn text(&mut self) -> Result<&'a str, String> {
        let n = self.u32()? as usize;
        let at = self.pos;
        std::str::from_utf8(self.take(n)?).map_err(|_| format!("text at byte {at} is not UTF-8"))
    }
}
