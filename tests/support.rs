//! Shared machinery of the end-to-end tests: where the built artifacts are, the golden vectors,
//! and [`WebModule`], which runs the browser module's plain ABI under wasmtime.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value as Json};
use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, TypedFunc};

/// The workspace root.
pub fn root() -> PathBuf {
    // `cargo test` says where the package is at run time; see xtask's `root`.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The browser module, exactly the file the page loads.
pub fn web_module_path() -> PathBuf {
    root().join("dashboard/pkg/scorer_wasm_bg.wasm")
}

/// `tests/golden/golden.json`.
pub fn golden() -> Json {
    let path = root().join("tests/golden/golden.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("golden.json is JSON")
}

/// One model's entry of `golden.json`, by name (`telco-logistic`): its id, file and cases.
pub fn golden_entry(name: &str) -> Json {
    let all = golden();
    let models = all["models"].as_array().expect("golden.json lists models");
    models.iter().find(|m| m["name"] == name).unwrap_or_else(|| panic!("golden.json has no {name}")).clone()
}

/// The golden cases of one model, by name: customer, probability, logit, band, warnings.
pub fn golden_cases(name: &str) -> Vec<Json> {
    golden_entry(name)["cases"].as_array().expect("a golden model has cases").clone()
}

/// The bytes of a committed golden model.
pub fn golden_model(file: &str) -> Vec<u8> {
    let path = root().join("tests/golden").join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A reference dataset (`../shared/data` or `$CHURN_REFERENCE_DATA`), if it is there. The tests
/// need none (they use [`telco_shaped_csv`]); the scoring benchmark uses the Telco file.
pub fn reference_if_present(file: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("CHURN_REFERENCE_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => root().ancestors().map(|a| a.join("shared/data")).find(|d| d.is_dir())?,
    };
    Some(dir.join(file)).filter(|p| p.is_file())
}

/// Rows of [`telco_shaped_csv`]'s full document: as many as the Telco export has.
pub const TELCO_SHAPED_ROWS: usize = 7043;

/// A customer table shaped like the Telco export, which the project writes itself so that the
/// end-to-end tests need no external file: row `i` is golden customer `i mod 104` of the
/// `telco-logistic` model, with the identifier [`telco_shaped_id`]`(i)`, so its probability is
/// that case's golden one. It has the export's quirks: CRLF line ends, quoted text fields, a
/// missing `TotalCharges` written as a single space (as in the export), other missing cells
/// blank, and the `Churn` column the model predicts, which scoring passes over.
pub fn telco_shaped_csv(rows: usize) -> Vec<u8> {
    let model = scorer_wasm::Model::from_bytes(&golden_model("telco-logistic.churn"))
        .expect("the golden Telco model loads");
    let names: Vec<&str> = model.columns().iter().map(|c| c.name.as_str()).collect();
    let target = &model.target().name;
    let mut doc = format!("{},{target}\r\n", names.join(","));
    for i in 0..rows {
        let case = telco_shaped_case(i);
        let customer = &case["customer"];
        let mut cells: Vec<String> = names
            .iter()
            .map(|&name| match (&customer[name], name) {
                (_, "customerID") => format!("\"{}\"", telco_shaped_id(i)),
                (Json::Null, "TotalCharges") => " ".to_string(),
                (Json::Null, _) => String::new(),
                (Json::String(s), _) => format!("\"{s}\""),
                (other, _) => other.to_string(),
            })
            .collect();
        let churned = case["probability"].as_f64().is_some_and(|p| p >= 0.5);
        cells.push(if churned { "Yes" } else { "No" }.to_string());
        doc += &(cells.join(",") + "\r\n");
    }
    doc.into_bytes()
}

/// The identifier of row `i` of [`telco_shaped_csv`].
pub fn telco_shaped_id(i: usize) -> String {
    format!("TS-{i:05}")
}

/// The golden case behind row `i` of [`telco_shaped_csv`].
pub fn telco_shaped_case(i: usize) -> Json {
    static CASES: OnceLock<Vec<Json>> = OnceLock::new();
    let cases = CASES.get_or_init(|| golden_cases("telco-logistic"));
    cases[i % cases.len()].clone()
}

/// Writes [`telco_shaped_csv`] of [`TELCO_SHAPED_ROWS`] rows to `telco-shaped.csv` in a folder
/// of this process's own, once, and returns its path.
pub fn telco_shaped_file() -> PathBuf {
    static WRITTEN: OnceLock<PathBuf> = OnceLock::new();
    WRITTEN
        .get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("churn-tests-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("create the fixture folder");
            let path = dir.join("telco-shaped.csv");
            std::fs::write(&path, telco_shaped_csv(TELCO_SHAPED_ROWS)).expect("write the fixture");
            path
        })
        .clone()
}

/// One engine per test binary: compiling is the expensive part, instances are cheap.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// A field of a record in the plain ABI's format.
#[derive(Clone, Debug)]
pub enum Field {
    Missing,
    Number(f64),
    Text(String),
    Bool(bool),
}

impl Field {
    /// A JSON scalar as a record field (objects and arrays are not scalars: `None`).
    pub fn from_json(v: &Json) -> Option<Field> {
        Some(match v {
            Json::Null => Field::Missing,
            Json::Bool(b) => Field::Bool(*b),
            Json::Number(n) => Field::Number(n.as_f64()?),
            Json::String(s) => Field::Text(s.clone()),
            _ => return None,
        })
    }
}

/// Encodes records for `churn_score_records` (see `scorer-wasm/src/abi.rs`).
pub fn encode_records(records: &[Vec<(String, Field)>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    for record in records {
        out.extend_from_slice(&(record.len() as u32).to_le_bytes());
        for (name, field) in record {
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            match field {
                Field::Missing => out.push(0),
                Field::Number(x) => {
                    out.push(1);
                    out.extend_from_slice(&x.to_le_bytes());
                }
                Field::Text(s) => {
                    out.push(2);
                    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    out.extend_from_slice(s.as_bytes());
                }
                Field::Bool(b) => {
                    out.push(3);
                    out.push(u8::from(*b));
                }
            }
        }
    }
    out
}

/// A JSON customer as a record.
pub fn record_of(customer: &Map<String, Json>) -> Vec<(String, Field)> {
    customer
        .iter()
        .map(|(k, v)| (k.clone(), Field::from_json(v).expect("golden customers hold scalars")))
        .collect()
}

/// What a scoring call through the plain ABI returned.
#[derive(Debug)]
pub struct Scores {
    /// `(probability, logit)` per input; NaN for inputs that failed.
    pub scores: Vec<(f64, f64)>,
    /// The return code: how many inputs failed, or negative for a failed call.
    pub code: i32,
    /// The error buffer, one line per failure.
    pub errors: String,
}

/// The browser module instantiated under wasmtime, driven through its plain ABI. The
/// wasm-bindgen imports (the JavaScript glue) are stubbed with default values: the ABI never
/// calls them.
pub struct WebModule {
    store: Store<()>,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    free: TypedFunc<(u32, u32), ()>,
    instance: Instance,
}

impl WebModule {
    pub fn compile(path: &Path) -> Result<Module> {
        if !path.exists() {
            bail!("{} does not exist: run `cargo xtask build-wasm` first", path.display());
        }
        Module::from_file(engine(), path).map_err(|e| anyhow::anyhow!("compiling {}: {e:#}", path.display()))
    }

    /// A fresh instance of the browser module (`dashboard/pkg/`), compiled once per test binary.
    pub fn browser() -> WebModule {
        static COMPILED: OnceLock<Module> = OnceLock::new();
        let compiled = COMPILED
            .get_or_init(|| WebModule::compile(&web_module_path()).expect("the browser module compiles"));
        WebModule::instantiate(compiled).expect("the browser module instantiates")
    }

    pub fn instantiate(module: &Module) -> Result<WebModule> {
        let mut store = Store::new(engine(), ());
        let mut linker: Linker<()> = Linker::new(engine());
        linker.define_unknown_imports_as_default_values(&mut store, module)?;
        let instance = linker.instantiate(&mut store, module)?;
        let memory = instance.get_memory(&mut store, "memory").context("the module exports its memory")?;
        let alloc = instance.get_typed_func(&mut store, "churn_alloc")?;
        let free = instance.get_typed_func(&mut store, "churn_free")?;
        Ok(WebModule { store, memory, alloc, free, instance })
    }

    fn call0(&mut self, name: &str) -> Result<i32> {
        let f: TypedFunc<(), i32> = self.instance.get_typed_func(&mut self.store, name)?;
        Ok(f.call(&mut self.store, ())?)
    }

    /// Copies `bytes` into the module, calls `name(ptr, len)`, frees the buffer.
    fn call_with(&mut self, name: &str, bytes: &[u8]) -> Result<i32> {
        let len = bytes.len() as u32;
        let ptr = self.alloc.call(&mut self.store, len)?;
        self.memory.write(&mut self.store, ptr as usize, bytes)?;
        let f: TypedFunc<(u32, u32), i32> = self.instance.get_typed_func(&mut self.store, name)?;
        let code = f.call(&mut self.store, (ptr, len))?;
        self.free.call(&mut self.store, (ptr, len))?;
        Ok(code)
    }

    fn buffer(&mut self, ptr: &str, len: &str) -> Result<Vec<u8>> {
        let p: TypedFunc<(), u32> = self.instance.get_typed_func(&mut self.store, ptr)?;
        let l: TypedFunc<(), u32> = self.instance.get_typed_func(&mut self.store, len)?;
        let (p, l) = (p.call(&mut self.store, ())?, l.call(&mut self.store, ())?);
        let mut out = vec![0; l as usize];
        self.memory.read(&self.store, p as usize, &mut out)?;
        Ok(out)
    }

    pub fn output(&mut self) -> Result<Vec<u8>> {
        self.buffer("churn_output_ptr", "churn_output_len")
    }

    pub fn errors(&mut self) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.buffer("churn_error_ptr", "churn_error_len")?).into_owned())
    }

    /// Loads the embedded model; the error message on failure.
    pub fn use_embedded(&mut self) -> Result<std::result::Result<(), String>> {
        let code = self.call0("churn_use_embedded")?;
        Ok(if code == 0 { Ok(()) } else { Err(self.errors()?) })
    }

    /// Loads a model file's bytes; the error message on failure.
    pub fn load(&mut self, bytes: &[u8]) -> Result<std::result::Result<(), String>> {
        let code = self.call_with("churn_load", bytes)?;
        Ok(if code == 0 { Ok(()) } else { Err(self.errors()?) })
    }

    pub fn model_id(&mut self) -> Result<String> {
        let n = self.call0("churn_model_id")?;
        if n < 0 {
            bail!("no model: {}", self.errors()?);
        }
        Ok(String::from_utf8(self.output()?)?)
    }

    fn scores(&mut self, code: i32) -> Result<Scores> {
        let out = if code >= 0 { self.output()? } else { Vec::new() };
        let scores = out
            .chunks_exact(16)
            .map(|c| {
                let p = f64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
                let z = f64::from_le_bytes(c[8..].try_into().expect("8 bytes"));
                (p, z)
            })
            .collect();
        Ok(Scores { scores, code, errors: self.errors()? })
    }

    /// Scores records in the plain ABI's format.
    pub fn score_records(&mut self, records: &[u8]) -> Result<Scores> {
        let code = self.call_with("churn_score_records", records)?;
        self.scores(code)
    }

    /// Scores a CSV document.
    pub fn score_csv(&mut self, csv: &[u8]) -> Result<Scores> {
        let code = self.call_with("churn_score_csv", csv)?;
        self.scores(code)
    }
}

/// The Spin app of `spin.toml`, hosted in-process: one per test binary.
pub fn app() -> &'static churn_host::App {
    static APP: OnceLock<churn_host::App> = OnceLock::new();
    APP.get_or_init(|| {
        churn_host::App::from_manifest(&root().join("spin.toml"))
            .expect("the components load: run `cargo xtask build-edge` first (cargo xtask test does)")
    })
}

/// A response, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// `(status, error.code)` of an error answer.
    pub fn error(&self) -> (u16, String) {
        (self.status, self.json()["error"]["code"].as_str().unwrap_or("").to_string())
    }
}

/// The API component built with a challenger (`cargo xtask test` builds it: the Telco MLP golden
/// model beside the Telco logistic one) under `CHALLENGER_SHARE = share`, routed as `spin.toml`
/// routes the API.
pub fn split_app(share: &str) -> churn_host::App {
    let component = root().join("edge-functions/build/split/churn_api.wasm");
    let manifest = std::env::temp_dir().join(format!("churn-split-{}-{share}.toml", std::process::id()));
    let text = format!(
        "spin_manifest_version = 2\n\
         [application]\nname = \"churn-split\"\n\
         [[trigger.http]]\nroute = \"/v1/...\"\ncomponent = \"api\"\n\
         [[trigger.http]]\nroute = \"/healthz\"\ncomponent = \"api\"\n\
         [component.api]\nsource = {:?}\n",
        component.display().to_string()
    );
    std::fs::write(&manifest, text).expect("write the split app's manifest");
    let app = churn_host::App::from_manifest(&manifest);
    let _ = std::fs::remove_file(&manifest);
    app.expect("the split API component loads: `cargo xtask test` builds it")
        .with_env("CHALLENGER_SHARE", share)
}

/// Sends a request through the app in-process and reads the whole response.
pub fn send(method: &str, path: &str, headers: &[(&str, &str)], body: impl Into<bytes::Bytes>) -> Reply {
    send_to(app(), method, path, headers, body)
}

/// Sends a request through `app` in-process and reads the whole response.
pub fn send_to(
    app: &churn_host::App,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<bytes::Bytes>,
) -> Reply {
    use http_body_util::BodyExt;
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().expect("a tokio runtime"));
    let mut req = hyper::Request::builder().method(method).uri(format!("http://localhost{path}"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = req.body(http_body_util::Full::new(body.into())).expect("a valid request");
    runtime.block_on(async {
        let response = app.handle(req).await.expect("the host answers");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the body can be read").to_bytes().to_vec();
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        Reply { status: parts.status.as_u16(), headers, body }
    })
}

/// POSTs a JSON value.
pub fn post_json(path: &str, body: &Json) -> Reply {
    send("POST", path, &[("content-type", "application/json")], serde_json::to_vec(body).expect("JSON"))
}
