//! The dashboard's static files as a Spin HTTP component: everything under `dashboard/`,
//! embedded at build time, served with ETags and a Content-Security-Policy that keeps the page
//! to its own origin (the page scores in the browser; it never needs another host).

use spin_sdk::http::{Method, Request, Response};

/// One embedded file.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub etag: &'static str,
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Only its own origin; `wasm-unsafe-eval` lets the page compile the scorer module.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                   img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

#[spin_sdk::http_component]
fn handle(req: Request) -> Response {
    if !matches!(req.method(), Method::Get | Method::Head) {
        return Response::builder()
            .status(405)
            .header("allow", "GET, HEAD")
            .body("method not allowed\n")
            .build();
    }
    let path = match req.path() {
        "" | "/" => "/index.html",
        p => p,
    };
    let Some(asset) = FILES.iter().find(|a| a.path == path) else {
        return Response::builder()
            .status(404)
            .header("content-type", "text/plain; charset=utf-8")
            .body(format!("no file {path}\n"))
            .build();
    };
    let mut builder = Response::builder();
    builder
        .header("etag", asset.etag)
        .header("cache-control", "no-cache")
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", CSP);
    let fresh = req
        .header("if-none-match")
        .and_then(|v| v.as_str())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag || t.trim() == "*"));
    if fresh {
        return builder.status(304).build();
    }
    builder.status(200).header("content-type", asset.content_type);
    if *req.method() == Method::Head {
        builder.header("content-length", asset.bytes.len().to_string()).build()
    } else {
        builder.body(bytes::Bytes::from_static(asset.bytes)).build()
    }
}
