//! The full demo's output at debug level (`jingsf demo --exit` with `JINGSF_LOG=debug`, stdout
//! and stderr) holds none of the phone numbers and e-mail addresses it planted (as typed, as
//! digits, lower- and upper-case) and none of the app's secrets (Salesforce tokens, JING app
//! secret, push URL tokens, webhook signing secret).

use app::ports::{SecretKind, SettingsStore, TokenVault};
use jingsf::demo::Sizes;
use jingsf::demo::seed::records;
use secrecy::ExposeSecret;
use std::process::Command;

/// `needle` in `hay` not glued to more digits (an 11-digit mobile inside a longer number is
/// not that mobile).
fn occurs(hay: &str, needle: &str) -> bool {
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    let numeric = |c: char| c.is_ascii_digit();
    hay.match_indices(needle).any(|(i, _)| {
        let glued_before = needle.starts_with(numeric) && digit(hay[..i].chars().next_back());
        let glued_after =
            needle.ends_with(numeric) && digit(hay[i + needle.len()..].chars().next());
        !glued_before && !glued_after
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_demo_logs_no_contact_and_no_secret() {
    let dir = std::env::temp_dir().join(format!("jingsf-demo-logs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_jingsf"))
        .args(["demo", "--exit", "--data-dir"])
        .arg(&dir)
        .env("JINGSF_LOG", "debug")
        .env("NO_COLOR", "1")
        .output()
        .expect("jingsf demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the demo failed: {stderr}");
    let lines = stderr.lines().count();
    assert!(
        stderr.contains("DEBUG"),
        "debug logs were captured ({lines} lines)"
    );
    let output = format!("{stdout}\n{stderr}");

    // The sizes `jingsf demo` uses by default (cli/src/main.rs).
    let sizes = Sizes {
        users: 100,
        sf_accounts: 800,
        sf_leads: 2000,
        jing_accounts: 500,
        jing_leads: 1500,
    };
    let mut needles: Vec<String> = Vec::new();
    for c in records(sizes).contacts() {
        if let Some(digits) = domain::identity::normalize_mobile(&c) {
            needles.push(digits);
        }
        if c.contains('@') {
            needles.push(c.to_lowercase());
            needles.push(c.to_uppercase());
        }
        needles.push(c);
    }
    needles.sort();
    needles.dedup();
    let contacts = needles.len();

    // Every secret of the demo's app, read from its store after the run.
    let store = local::LocalStore::open(dir.join("jingsf-demo.db")).expect("the demo's store");
    let apps = SettingsStore::list(&store).await.expect("apps");
    let mut secrets = 0;
    for settings in &apps {
        for kind in [
            SecretKind::SfAccessToken,
            SecretKind::SfRefreshToken,
            SecretKind::JingAppSecret,
            SecretKind::WebhookToken,
            SecretKind::WebhookSigningSecret,
            SecretKind::OutboundToken,
        ] {
            if let Some(v) = TokenVault::get(&store, &settings.app, kind).await.unwrap() {
                let v = v.expose_secret();
                if v.len() >= 8 {
                    needles.push(v.to_owned());
                    secrets += 1;
                }
            }
        }
    }
    assert!(secrets >= 5, "the app's secrets were found ({secrets})");
    let leaked: Vec<&String> = needles.iter().filter(|n| occurs(&output, n)).collect();
    println!(
        "demo output: {} bytes, {lines} log lines; {contacts} planted contacts and {secrets} secrets searched; {} found",
        output.len(),
        leaked.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(leaked.is_empty(), "found in the demo's output: {leaked:?}");
}

#[test]
fn the_search_finds_what_it_must() {
    assert!(occurs("phone 13800001234 here", "13800001234"));
    assert!(!occurs("t=1138000012345", "13800001234"));
    assert!(occurs("a user0@x.cn.", "user0@x.cn"));
    let contacts = records(Sizes {
        users: 10,
        sf_accounts: 3,
        sf_leads: 5,
        jing_accounts: 2,
        jing_leads: 4,
    })
    .contacts();
    assert!(contacts.iter().any(|c| c.contains('@')));
    assert!(contacts.iter().any(|c| c.starts_with("021-")));
    assert!(contacts.len() >= 10 * 2 + 3 + 5 * 2 + 4 * 2);
}
