//! The `sf-sim` binary prints its address first and serves until killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_announces_its_port_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sf-sim"))
        .args([
            "--port",
            "0",
            "--client-id",
            "cid",
            "--client-secret",
            "sec",
            "--daily-limit",
            "7",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("LISTENING ")
        .expect("first line announces the address")
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"));
    let resp = reqwest::Client::new()
        .post(format!("{base}/services/oauth2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_id", "cid"),
            ("client_secret", "sec"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        400,
        "configured client accepted, unknown refresh token refused"
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let resp = reqwest::Client::new()
        .get(format!("{base}/services/data/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();
}
