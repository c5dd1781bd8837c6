//! Workspace resolution: profile/env precedence, config file location, and the errors a
//! user meets (missing host, host without credentials, unknown profile, malformed file,
//! plain http to a remote host).

use std::collections::HashMap;
use std::path::PathBuf;

use brickport_api::{
    ClientOptions, Credentials, ResolveRequest, Secret, WorkspaceClient, WorkspaceConfig,
    resolve_workspace,
};

const CFG: &str = "\
[DEFAULT]
host = https://default.cloud.databricks.com
token = dapi-default-token

[prod]
host = prod.cloud.databricks.com/
token = dapi-prod-token

[sp]
host = https://sp.cloud.databricks.com
client_id = abc
client_secret = sp-secret

[nohost]
token = dapi-x
";

fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("databrickscfg");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn token_of(c: &WorkspaceConfig) -> &str {
    match &c.credentials {
        Credentials::Pat(t) => t.expose(),
        other => panic!("expected a PAT, got {other:?}"),
    }
}

#[test]
fn explicit_profile_beats_env() {
    let (_d, path) = file(CFG);
    let c = resolve_workspace(ResolveRequest {
        profile: Some("prod".into()),
        env: env(&[
            ("DATABRICKS_CONFIG_FILE", path.to_str().unwrap()),
            ("DATABRICKS_HOST", "https://env.cloud.databricks.com"),
            ("DATABRICKS_TOKEN", "dapi-env"),
        ]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.host, "https://prod.cloud.databricks.com");
    assert_eq!(token_of(&c), "dapi-prod-token");
    assert_eq!(c.profile.as_deref(), Some("prod"));
}

#[test]
fn env_beats_default_profile() {
    let (_d, path) = file(CFG);
    let c = resolve_workspace(ResolveRequest {
        env: env(&[
            ("DATABRICKS_CONFIG_FILE", path.to_str().unwrap()),
            ("DATABRICKS_HOST", "env.cloud.databricks.com"),
            ("DATABRICKS_TOKEN", "dapi-env"),
        ]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.host, "https://env.cloud.databricks.com");
    assert_eq!(token_of(&c), "dapi-env");
}

#[test]
fn explicit_host_and_token_beat_env() {
    let c = resolve_workspace(ResolveRequest {
        host: Some("https://explicit.example.com".into()),
        token: Some(Secret::new("dapi-explicit")),
        env: env(&[
            ("DATABRICKS_HOST", "https://env.example.com"),
            ("DATABRICKS_TOKEN", "dapi-env"),
        ]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (c.host.as_str(), token_of(&c)),
        ("https://explicit.example.com", "dapi-explicit")
    );
    // An explicit token goes with the environment's host.
    let c = resolve_workspace(ResolveRequest {
        token: Some(Secret::new("dapi-explicit")),
        env: env(&[("DATABRICKS_HOST", "https://env.example.com")]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (c.host.as_str(), token_of(&c)),
        ("https://env.example.com", "dapi-explicit")
    );
    // But the environment's token is not paired with an explicit host.
    let err = resolve_workspace(ResolveRequest {
        host: Some("https://explicit.example.com".into()),
        env: env(&[("DATABRICKS_TOKEN", "dapi-env")]),
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("has no credentials"), "{err}");
}

#[test]
fn default_profile_and_named_profile_from_env() {
    let (_d, path) = file(CFG);
    let p = path.to_str().unwrap();
    let c = resolve_workspace(ResolveRequest {
        env: env(&[("DATABRICKS_CONFIG_FILE", p)]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.host, "https://default.cloud.databricks.com");
    let c = resolve_workspace(ResolveRequest {
        env: env(&[
            ("DATABRICKS_CONFIG_FILE", p),
            ("DATABRICKS_CONFIG_PROFILE", "sp"),
        ]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        c.credentials,
        Credentials::OAuthM2m {
            client_id: "abc".into(),
            client_secret: Secret::new("sp-secret")
        }
    );
    // ~/.databrickscfg through HOME.
    let home = path.parent().unwrap();
    std::fs::copy(&path, home.join(".databrickscfg")).unwrap();
    let c = resolve_workspace(ResolveRequest {
        env: env(&[("HOME", home.to_str().unwrap())]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.host, "https://default.cloud.databricks.com");
}

#[test]
fn env_token_is_never_paired_with_a_profile_host() {
    let (_d, path) = file("[DEFAULT]\nhost = https://a.example.com\n");
    let err = resolve_workspace(ResolveRequest {
        env: env(&[
            ("DATABRICKS_CONFIG_FILE", path.to_str().unwrap()),
            ("DATABRICKS_TOKEN", "dapi-env"),
        ]),
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("has no credentials"), "{err}");
}

#[test]
fn oauth_from_env() {
    let c = resolve_workspace(ResolveRequest {
        env: env(&[
            ("DATABRICKS_HOST", "https://x.example.com"),
            ("DATABRICKS_CLIENT_ID", "id-1"),
            ("DATABRICKS_CLIENT_SECRET", "s-1"),
        ]),
        ..Default::default()
    })
    .unwrap();
    assert!(
        matches!(c.credentials, Credentials::OAuthM2m { ref client_id, .. } if client_id == "id-1")
    );
    let err = resolve_workspace(ResolveRequest {
        env: env(&[
            ("DATABRICKS_HOST", "https://x.example.com"),
            ("DATABRICKS_CLIENT_ID", "id-1"),
        ]),
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("without its client secret"),
        "{err}"
    );
}

#[test]
fn missing_host_and_missing_credentials() {
    let err = resolve_workspace(ResolveRequest {
        env: env(&[]),
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().starts_with("no workspace host"), "{err}");
    let err = resolve_workspace(ResolveRequest {
        env: env(&[("DATABRICKS_HOST", "https://x.example.com")]),
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains(
            "https://x.example.com (from environment (DATABRICKS_HOST)) has no credentials"
        ),
        "{err}"
    );
}

#[test]
fn unknown_profile_lists_existing_ones() {
    let (_d, path) = file(CFG);
    let err = resolve_workspace(ResolveRequest {
        profile: Some("staging".into()),
        config_file: Some(path.clone()),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "profile `staging` is not in {} (profiles there: DEFAULT, prod, sp, nohost)",
            path.display()
        )
    );
    let err = resolve_workspace(ResolveRequest {
        profile: Some("nohost".into()),
        config_file: Some(path.clone()),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("has no `host`"), "{err}");
}

#[test]
fn malformed_file_names_file_and_line() {
    let (_d, path) = file("[DEFAULT]\nhost = https://a.example.com\n[broken\ntoken = x\n");
    let err = resolve_workspace(ResolveRequest {
        env: env(&[("DATABRICKS_CONFIG_FILE", path.to_str().unwrap())]),
        ..Default::default()
    })
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("cannot parse {} at line ", path.display())),
        "{text}"
    );
}

#[test]
fn malformed_file_is_explained_in_plain_words() {
    // A section header without its `]`: the line, no parser debug output.
    let (_d, path) = file("[DEFAULT]\nhost = https://a.example.com\n\n[prod\nhost = x\n");
    let err = resolve_workspace(ResolveRequest {
        profile: Some("prod".into()),
        config_file: Some(path.clone()),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(&format!("cannot parse {} at line 4:", path.display())),
        "{err}"
    );
    assert!(err.contains("no closing `]`"), "{err}");
    assert!(!err.contains("Some(") && !err.contains("EOF"), "{err}");

    // A stray line before the first section is that line's problem, not "profile not found"
    // (and its text, which may be a token, is not echoed).
    let (_d, path) = file("dapi-stray-line\n[src]\nhost = https://a.example.com\ntoken = t\n");
    let err = resolve_workspace(ResolveRequest {
        profile: Some("src".into()),
        config_file: Some(path.clone()),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(&format!("cannot parse {} at line 1:", path.display())),
        "{err}"
    );
    assert!(err.contains("before the first [section]"), "{err}");
    assert!(!err.contains("dapi-stray-line"), "{err}");

    // Comments, blank lines, `key: value` and keys before any section are fine.
    let (_d, path) = file("; c\n# c\nx = 1\n\n[src]\nhost: https://a.example.com\ntoken = t\n");
    let c = resolve_workspace(ResolveRequest {
        profile: Some("src".into()),
        config_file: Some(path),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.host, "https://a.example.com");
}

#[test]
fn missing_credentials_are_asked_for_where_the_host_came_from() {
    // A profile: the profile is named, the DATABRICKS_* variables are not.
    let (_d, path) = file("[bare]\nhost = https://a.example.com\n");
    let err = resolve_workspace(ResolveRequest {
        profile: Some("bare".into()),
        config_file: Some(path.clone()),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("to the profile bare in"), "{err}");
    assert!(!err.contains("DATABRICKS_"), "{err}");

    // An explicit host whose caller says where it came from: its words are used.
    let err = resolve_workspace(ResolveRequest {
        host: Some("https://b.example.com".into()),
        host_origin: Some("BRICKPORT_SOURCE_HOST".into()),
        credentials_origin: Some("BRICKPORT_SOURCE_TOKEN / _CLIENT_ID / _CLIENT_SECRET".into()),
        credentials_fix: Some("set BRICKPORT_SOURCE_TOKEN".into()),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "the workspace host https://b.example.com (from BRICKPORT_SOURCE_HOST) has no \
         credentials: set BRICKPORT_SOURCE_TOKEN"
    );
    let err = resolve_workspace(ResolveRequest {
        host: Some("https://b.example.com".into()),
        client_id: Some("id".into()),
        credentials_origin: Some("BRICKPORT_SOURCE_TOKEN / _CLIENT_ID / _CLIENT_SECRET".into()),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("BRICKPORT_SOURCE_TOKEN / _CLIENT_ID"),
        "{err}"
    );
    // And the resolved workspace says where its host came from.
    let c = resolve_workspace(ResolveRequest {
        host: Some("https://b.example.com".into()),
        token: Some(Secret::new("t")),
        host_origin: Some("BRICKPORT_SOURCE_HOST".into()),
        env: env(&[]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(c.source, "BRICKPORT_SOURCE_HOST");
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err = resolve_workspace(ResolveRequest {
        env: env(&[
            ("DATABRICKS_HOST", "http://workspace.example.com"),
            ("DATABRICKS_TOKEN", "dapi-x"),
        ]),
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("refusing plain http"), "{err}");
    // Even a hand-built config is checked by the client.
    let config = WorkspaceConfig {
        host: "http://10.0.0.1:8080".into(),
        credentials: Credentials::Pat(Secret::new("dapi-x")),
        profile: None,
        source: "test".into(),
    };
    let err = WorkspaceClient::new(config, ClientOptions::default()).unwrap_err();
    assert!(err.to_string().contains("refusing plain http"), "{err}");
    // Loopback is fine.
    assert!(WorkspaceConfig::with_token("http://127.0.0.1:9/", "t").is_ok());
}
