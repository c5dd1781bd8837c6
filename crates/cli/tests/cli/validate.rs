//! `validate` against emulators: admins, a plain user, rejected tokens, unreachable hosts.

use brickport_emulator::EmulatorOptions;

use crate::support::*;

#[test]
fn validate_passes_with_admins_and_fails_with_a_plain_user() {
    let mut sb = Sandbox::new();
    sb.two_workspaces(EmulatorOptions::default());
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("alice@source.example"), "{out:?}");
    assert!(out.stdout.contains("bob@target.example"), "{out:?}");

    let out = sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["source_principal"], "alice@source.example");
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)
    );

    // A plain user on the target: the admin check fails, exit 1, and it says so.
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-user",
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], false);
    let failed: Vec<_> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{doc}");
    assert_eq!(failed[0]["workspace"], "target");
    assert!(
        failed[0]["detail"]
            .as_str()
            .unwrap()
            .contains("carol@target.example")
    );
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-user",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("ERROR") && out.stdout.contains("admin"),
        "{out:?}"
    );
}

#[test]
fn rejected_tokens_and_the_same_workspace_twice_are_errors() {
    let mut sb = Sandbox::new();
    sb.two_workspaces(EmulatorOptions::default());
    sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-bad",
    ])
    .fails_with(&["target workspace", "rejected the credentials"]);
    sb.run(&[
        "validate",
        "--source-profile",
        "dst",
        "--target-profile",
        "dst-user",
    ])
    .fails_with(&["same workspace"]);
    // -q changes nothing about the error line, and --output json does not turn it into JSON.
    let out = sb.run(&[
        "-q",
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-bad",
        "--output",
        "json",
    ]);
    out.fails_with(&["rejected the credentials"]);
    // With --output json the error is on stdout too, as a document.
    assert_eq!(out.json()["ok"], false, "{out:?}");
}

#[test]
fn unreachable_workspaces_are_one_clear_line() {
    let mut sb = Sandbox::new();
    let (src, dst) = sb.two_workspaces(EmulatorOptions::default());
    // A port nobody listens on: bind one, note it, close it.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let tls_to_plain = dst.replace("http://", "https://");
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n\
         [refused]\nhost = http://127.0.0.1:{closed}\ntoken = {TARGET_TOKEN}\n\n\
         [nodns]\nhost = https://brickport-test.invalid\ntoken = {TARGET_TOKEN}\n\n\
         [tls]\nhost = {tls_to_plain}\ntoken = {TARGET_TOKEN}\n\n\
         [cleartext]\nhost = http://example.com\ntoken = {TARGET_TOKEN}\n"
    ));
    let v = |target: &str| {
        sb.run(&[
            "validate",
            "--source-profile",
            "src",
            "--target-profile",
            target,
        ])
    };
    v("refused").fails_with(&["target workspace", "cannot connect", "connection refused"]);
    v("nodns").fails_with(&[
        "target workspace",
        "cannot resolve",
        "brickport-test.invalid",
    ]);
    v("tls").fails_with(&["target workspace", "TLS"]);
    v("cleartext").fails_with(&["target workspace", "plain http"]);
}
