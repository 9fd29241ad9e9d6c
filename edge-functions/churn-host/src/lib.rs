//! Runs the Spin application's HTTP components in-process with wasmtime and wasmtime-wasi-http,
//! routing requests as `spin.toml` says, for users without Spin (`cargo xtask serve`) and for the
//! end-to-end tests.
//!
//! [`App::from_manifest`] reads `spin.toml`: every `[[trigger.http]]` route and the `source` and
//! `environment` of its component. Each request gets a fresh instance of the matching component
//! (as in Spin: the components keep no state between requests), from a pre-linked [`ProxyPre`],
//! with the component's environment variables — those of `spin.toml`, overridden by
//! [`App::with_env`] as `spin up --env KEY=VALUE` does.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let app = std::sync::Arc::new(churn_host::App::from_manifest("spin.toml".as_ref())?);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! app.serve(listener).await
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Body;
use serde::Deserialize;
use tokio::net::TcpListener;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The parts of `spin.toml` the host needs.
#[derive(Debug, Deserialize)]
struct Manifest {
    trigger: Triggers,
    component: std::collections::BTreeMap<String, ComponentEntry>,
}

#[derive(Debug, Deserialize)]
struct Triggers {
    http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
struct HttpTrigger {
    route: String,
    component: String,
}

#[derive(Debug, Deserialize)]
struct ComponentEntry {
    source: String,
    #[serde(default)]
    environment: std::collections::BTreeMap<String, String>,
}

/// A route of the app and the component that answers it.
struct Route {
    /// `/healthz` (exact) or `/v1/...` (this prefix and everything under it).
    pattern: String,
    component: String,
    pre: ProxyPre<Host>,
    /// The component's environment variables.
    env: Vec<(String, String)>,
}

impl Route {
    /// Whether the route matches `path`, and how specifically (longer is more specific).
    fn matches(&self, path: &str) -> Option<usize> {
        match self.pattern.strip_suffix("/...") {
            Some(prefix)
                if path == prefix || path.starts_with(&format!("{prefix}/")) || prefix.is_empty() =>
            {
                Some(prefix.len())
            }
            Some(_) => None,
            None => (path == self.pattern).then_some(usize::MAX),
        }
    }
}

/// The per-request state of a component instance.
struct Host {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: NoOutbound,
}

/// The app's components make no outbound requests (`allowed_outbound_hosts = []` in
/// spin.toml); the hooks' defaults refuse them, as Spin would.
struct NoOutbound;

impl wasmtime_wasi_http::WasiHttpHooks for NoOutbound {
    fn send_request(
        &mut self,
        _request: hyper::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn std::future::Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn std::future::Future<
                Output = Result<
                    (
                        hyper::Response<wasmtime_wasi_http::WasiBody>,
                        Box<dyn std::future::Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// Instances come from a pool of pre-reserved slots, as in Spin: a fresh instance per request
/// then costs no `mmap`/`munmap` (which was a quarter of the server's time without the pool),
/// and the first megabytes of each slot stay resident and are reset with `memset` rather than
/// returned to the kernel and faulted back in (another fifth).
fn engine_config() -> Config {
    let mut pool = PoolingAllocationConfig::default();
    // Enough slots for hundreds of concurrent requests; each component instance here needs one
    // core instance and one memory of a few hundred KB.
    pool.total_component_instances(1000).total_core_instances(1000).total_memories(1000).total_tables(1000);
    pool.max_memory_size(64 << 20);
    pool.linear_memory_keep_resident(2 << 20).table_keep_resident(64 << 10);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    // `CHURN_PERFMAP=1 cargo xtask serve` writes /tmp/perf-PID.map, so that `perf report` names
    // the guest's functions (build the components with `CARGO_PROFILE_EDGE_STRIP=false`).
    if std::env::var_os("CHURN_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    config
}

/// The Spin application, ready to answer requests.
pub struct App {
    routes: Vec<Route>,
}

impl App {
    /// Loads `spin.toml` and compiles the components it names (paths relative to the manifest).
    pub fn from_manifest(manifest: &Path) -> Result<App> {
        let text =
            std::fs::read_to_string(manifest).with_context(|| format!("reading {}", manifest.display()))?;
        let parsed: Manifest =
            toml::from_str(&text).with_context(|| format!("parsing {}", manifest.display()))?;
        let base = manifest.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let engine = Engine::new(&engine_config())?;
        let mut linker: Linker<Host> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;

        let mut compiled: Vec<(String, ProxyPre<Host>)> = Vec::new();
        let mut routes = Vec::new();
        for trigger in parsed.trigger.http {
            let pre = match compiled.iter().find(|(name, _)| *name == trigger.component) {
                Some((_, pre)) => pre.clone(),
                None => {
                    let entry = parsed.component.get(&trigger.component).with_context(|| {
                        format!(
                            "route {} names component \"{}\", which spin.toml does not define",
                            trigger.route, trigger.component
                        )
                    })?;
                    let source = base.join(&entry.source);
                    if !source.exists() {
                        bail!("{} does not exist: run `cargo xtask build-edge` first", source.display());
                    }
                    let component = Component::from_file(&engine, &source)
                        .map_err(|e| anyhow::anyhow!("compiling {}: {e:#}", source.display()))?;
                    let pre = ProxyPre::new(linker.instantiate_pre(&component)?)?;
                    compiled.push((trigger.component.clone(), pre.clone()));
                    pre
                }
            };
            let env = parsed
                .component
                .get(&trigger.component)
                .map(|c| c.environment.clone().into_iter().collect())
                .unwrap_or_default();
            routes.push(Route { pattern: trigger.route, component: trigger.component, pre, env });
        }
        Ok(App { routes })
    }

    /// Sets an environment variable for every component, over what `spin.toml` says (as
    /// `spin up --env KEY=VALUE` does).
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        for route in &mut self.routes {
            route.env.retain(|(k, _)| k != key);
            route.env.push((key.to_string(), value.to_string()));
        }
        self
    }

    /// The component that answers `path`: an exact route, else the longest matching prefix.
    pub fn component_for(&self, path: &str) -> Option<&str> {
        self.route(path).map(|r| r.component.as_str())
    }

    fn route(&self, path: &str) -> Option<&Route> {
        self.routes
            .iter()
            .filter_map(|r| r.matches(path).map(|score| (score, r)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, r)| r)
    }

    /// Answers one request with a fresh instance of the routed component.
    pub async fn handle<B>(&self, req: hyper::Request<B>) -> Result<hyper::Response<HyperOutgoingBody>>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let Some(route) = self.route(req.uri().path()) else {
            let body = http_body_util::Full::new(Bytes::from_static(b"no route\n"))
                .map_err(|e| match e {})
                .boxed_unsync();
            return Ok(hyper::Response::builder().status(404).body(body)?);
        };
        let mut store = Store::new(
            route.pre.engine(),
            Host {
                table: ResourceTable::new(),
                wasi: WasiCtx::builder().inherit_stderr().envs(&route.env).build(),
                http: WasiHttpCtx::new(),
                hooks: NoOutbound,
            },
        );
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let req = store.data_mut().http().new_incoming_request(Scheme::Http, req)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let pre = route.pre.clone();
        // The component runs in its own task so it can keep streaming the body after it has
        // sent the status and headers.
        let task = tokio::task::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy.wasi_http_incoming_handler().call_handle(store, req, out).await
        });
        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => {
                let cause = match task.await {
                    Ok(Ok(())) => anyhow::anyhow!("the component returned without sending a response"),
                    Ok(Err(e)) => anyhow::Error::from(e),
                    Err(e) => e.into(),
                };
                Err(cause.context(format!("component \"{}\" failed", route.component)))
            }
        }
    }

    /// Serves HTTP/1.1 on `listener` until the process ends.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> Result<()> {
        loop {
            let (client, _) = listener.accept().await?;
            let app = self.clone();
            tokio::task::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let app = app.clone();
                        async move {
                            match app.handle(req).await {
                                Ok(response) => Ok::<_, std::convert::Infallible>(response),
                                Err(e) => {
                                    eprintln!("error: {e:#}");
                                    let body = http_body_util::Full::new(Bytes::from(format!("{{\"error\":{{\"status\":500,\"code\":\"host_error\",\"message\":{:?}}}}}", format!("{e:#}"))))
                                    .map_err(|e| match e {})
                                    .boxed_unsync();
                                    Ok(hyper::Response::builder()
                                        .status(500)
                                        .header("content-type", "application/json")
                                        .body(body)
                                        .unwrap_or_else(|_| {
                                            hyper::Response::new(HyperOutgoingBody::default())
                                        }))
                                }
                            }
                        }
                    },
                );
                let served = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(client), service)
                    .await;
                // A client hanging up mid-request is its business, not an error of the server.
                if let Err(e) = served
                    && !e.is_incomplete_message()
                    && !e.is_canceled()
                {
                    eprintln!("connection error: {e}");
                }
            });
        }
    }
}
