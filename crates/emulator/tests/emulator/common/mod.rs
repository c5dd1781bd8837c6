//! The tests' one support module: start an emulator, call it with a plain reqwest client
//! and a token; [`Emu::walk`] reads a whole workspace through testkit's independent walk (the
//! one the engine and cli tests use).

use std::time::Duration;

use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator, SeedSpec, TokenSpec};
use brickport_testkit::{Walk, Workspace};
use serde_json::Value;

pub const ADMIN: &str = "admin-token";
pub const USER: &str = "user-token";

/// Options with an admin token and a non-admin token, no rate limits.
pub fn options() -> EmulatorOptions {
    EmulatorOptions {
        tokens: vec![
            TokenSpec::parse(&format!("{ADMIN}:admin@example.com:admin")).unwrap(),
            TokenSpec::parse(&format!("{USER}:bob@example.com:nonadmin")).unwrap(),
        ],
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    }
}

pub async fn start() -> Emu {
    start_with(options()).await
}

pub async fn start_with(opts: EmulatorOptions) -> Emu {
    let running = brickport_emulator::start(opts).await.unwrap();
    Emu {
        http: reqwest::Client::new(),
        running,
        token: ADMIN.to_string(),
    }
}

/// An emulator holding `seed`, without the tokens of [`options`] (any token is the admin, and
/// no principal is added to the seeded identities).
pub async fn start_seeded(seed: SeedSpec) -> Emu {
    start_with(EmulatorOptions {
        seed,
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    })
    .await
}

pub struct Emu {
    pub http: reqwest::Client,
    pub running: RunningEmulator,
    pub token: String,
}

impl Emu {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running.url(), path)
    }
    /// The emulator as testkit reads a workspace, with this client's token.
    pub fn workspace(&self) -> Workspace {
        Workspace::new(self.running.url(), &self.token)
    }
    /// Every object of the workspace, read over HTTP by testkit's walk.
    pub async fn walk(&self) -> Walk {
        Walk::of(&self.workspace())
            .await
            .expect("walk the workspace")
    }
    pub fn as_user(&self, token: &str) -> Emu2<'_> {
        Emu2 {
            emu: self,
            token: token.to_string(),
        }
    }
    /// Sends and returns (status, JSON body or Null).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        call(&self.http, &self.url(path), &self.token, method, body).await
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call("POST", path, Some(body)).await
    }
    /// Sends with another token.
    pub async fn call_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        call(&self.http, &self.url(path), token, method, body).await
    }
    /// GET that must succeed; returns the body.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (s, b) = self.get(path).await;
        assert_eq!(s, 200, "GET {path}: {b}");
        b
    }
    /// POST that must succeed; returns the body.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let (s, b) = self.post(path, body).await;
        assert_eq!(s, 200, "POST {path}: {b}");
        b
    }
    pub async fn stats(&self) -> Value {
        self.get("/_emulator/stats").await.1
    }
    pub async fn cluster_state(&self, id: &str) -> String {
        let b = self
            .get_ok(&format!("/api/2.1/clusters/get?cluster_id={id}"))
            .await;
        b["state"].as_str().unwrap().to_string()
    }
    pub async fn warehouse(&self, id: &str) -> Value {
        self.get(&format!("/api/2.0/sql/warehouses/{id}")).await.1
    }
    /// Polls until the cluster reaches `want` (the start delay is short in these tests).
    pub async fn wait_cluster(&self, id: &str, want: &str) {
        for _ in 0..200 {
            if self.cluster_state(id).await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("cluster {id} never reached {want}");
    }
}

pub struct Emu2<'a> {
    emu: &'a Emu,
    token: String,
}

impl Emu2<'_> {
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        call(
            &self.emu.http,
            &self.emu.url(path),
            &self.token,
            method,
            body,
        )
        .await
    }
}

pub async fn call(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    method: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http
        .request(method.parse().unwrap(), url)
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, json)
}
