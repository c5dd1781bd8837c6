//! Test servers: an axum app on an ephemeral loopback port, and a raw TCP server that reads
//! a request and then hangs up (or stalls) without answering.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The token every test client uses; the redaction tests look for it in output.
pub const TOKEN: &str = "dapi-TEST-TOKEN-5f3c9a";

/// Serves `router` on 127.0.0.1:0; returns `http://127.0.0.1:port`.
pub async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}")
}

/// Fast options: no throttling, short waits, a 5 s retry budget.
pub fn fast() -> ClientOptions {
    ClientOptions::fast(Duration::from_secs(5))
}

/// A PAT client for `base` with `options`.
pub fn client_with(base: &str, options: ClientOptions) -> WorkspaceClient {
    WorkspaceClient::new(WorkspaceConfig::with_token(base, TOKEN).unwrap(), options).unwrap()
}

/// A PAT client for `base` with [`fast`] options.
pub fn client(base: &str) -> WorkspaceClient {
    client_with(base, fast())
}

/// What the raw server does with request number `n` (0-based).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RawAction {
    /// Read the request, then close the socket without a byte of answer.
    HangUp,
    /// Read the request, then keep the socket open and silent.
    Stall,
    /// Answer 200 `{"ok": true}`.
    Ok,
}

/// A raw HTTP/1.1 server. `plan(n)` decides the fate of the n-th request; every request
/// line (`METHOD /path`) is recorded.
pub async fn raw_server(
    plan: impl Fn(usize) -> RawAction + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let plan = Arc::new(plan);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            let plan = plan.clone();
            tokio::spawn(async move {
                // One request per connection is enough: every answer closes the connection.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let line = head.lines().next().unwrap_or_default();
                let request: Vec<&str> = line.split(' ').take(2).collect();
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(request.join(" "));
                    log.len() - 1
                };
                match plan(n) {
                    RawAction::HangUp => drop(socket),
                    RawAction::Stall => tokio::time::sleep(Duration::from_secs(30)).await,
                    RawAction::Ok => {
                        let body = r#"{"ok":true}"#;
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = socket.write_all(answer.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}
