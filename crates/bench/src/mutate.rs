//! Changes 1% of the source's notebooks and jobs, through the source's own API (so their
//! modification times move as a user's edit would move them).

use anyhow::Result;
use base64::Engine;
use brickport_emulator::RunningEmulator;
use serde_json::{Value, json};

/// How many objects were changed.
pub struct Changed {
    pub notebooks: usize,
    pub jobs: usize,
}

pub async fn change_one_percent(source: &RunningEmulator) -> Result<Changed> {
    // The harness's own edits must not be throttled or counted as brickport's.
    source.set_rate_limits_enabled(false);
    let result = change(source).await;
    source.set_rate_limits_enabled(true);
    result
}

async fn change(source: &RunningEmulator) -> Result<Changed> {
    // Read the notebook paths straight from the emulator's state: walking the tree over HTTP
    // at scale:100000 would take minutes of harness time.
    let notebooks: Vec<(String, String)> = source
        .emulator()
        .lock()
        .workspace
        .objects
        .iter()
        .filter(|(_, o)| o.object_type == "NOTEBOOK")
        .map(|(p, o)| {
            (
                p.clone(),
                o.language.clone().unwrap_or_else(|| "PYTHON".into()),
            )
        })
        .collect();
    let http = Http::new(source.url());
    let step = 100;
    let mut n_nb = 0;
    for (path, lang) in notebooks.iter().step_by(step) {
        let content = base64::engine::general_purpose::STANDARD
            .encode(format!("print('changed by brickport-bench: {path}')\n"));
        http.post(
            "/api/2.0/workspace/import",
            json!({"path": path, "language": lang, "format": "SOURCE", "overwrite": true, "content": content}),
        )
        .await?;
        n_nb += 1;
    }
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut q = "/api/2.2/jobs/list?limit=100".to_string();
        if let Some(t) = &token {
            q.push_str(&format!("&page_token={t}"));
        }
        let page = http.get(&q).await?;
        for j in page
            .get("jobs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = j.get("job_id").and_then(Value::as_i64) {
                ids.push(id);
            }
        }
        token = page
            .get("next_page_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut n_jobs = 0;
    for id in ids.iter().step_by(step) {
        http.post(
            "/api/2.2/jobs/update",
            json!({"job_id": id, "new_settings": {"description": "changed by brickport-bench"}}),
        )
        .await?;
        n_jobs += 1;
    }
    Ok(Changed {
        notebooks: n_nb,
        jobs: n_jobs,
    })
}

/// JSON over HTTP to the source emulator, with the source's token.
struct Http {
    base: String,
    client: reqwest::Client,
}

impl Http {
    fn new(base: &str) -> Self {
        Http {
            base: base.trim_end_matches('/').to_string(),
            client: reqwest::Client::new(),
        }
    }
    async fn get(&self, path: &str) -> Result<Value> {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }
    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.send(self.client.post(format!("{}{path}", self.base)).json(&body))
            .await
    }
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        let resp = req.bearer_auth(crate::SOURCE_TOKEN).send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            anyhow::bail!("source emulator answered {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}
