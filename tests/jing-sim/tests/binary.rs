//! The `jing-sim` binary: announces its address, serves the API and the `/_sim/` control
//! endpoints, and delivers webhooks on its own.

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use serde_json::{Value as Json, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::mpsc;

const APP: &str = "202305171108447827375161344";
const SECRET: &str = "c32501b33424473daebb9d43ccc37c57";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn hook_receiver() -> (String, mpsc::UnboundedReceiver<Bytes>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let router = Router::new().route(
        "/hook/{token}",
        post(move |body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, rx)
}

async fn call(http: &reqwest::Client, url: &str, body: Json) -> Json {
    http.post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_binary_serves_the_api_and_delivers_webhooks_by_itself() {
    let (hook_url, mut hooks) = hook_receiver().await;
    let child = Command::new(env!("CARGO_BIN_EXE_jing-sim"))
        .args(["--port", "0", "--app-id", APP, "--app-secret", SECRET])
        .args([
            "--webhook-url",
            &hook_url,
            "--webhook-token",
            "tok123",
            "--deliver-every-ms",
            "50",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("LISTENING ")
        .expect("first line announces the address")
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let http = reqwest::Client::new();

    let env = call(
        &http,
        &format!("{base}/v1/oauth2/token"),
        json!({"app_id": APP, "app_secret": SECRET}),
    )
    .await;
    assert_eq!(env["code"], 0);
    let env = call(
        &http,
        &format!("{base}/_sim/employees"),
        json!({"name": "张伟", "mobile": "13800000001"}),
    )
    .await;
    let owner = env["data"]["employee_id"].as_str().unwrap().to_owned();
    let env = call(
        &http,
        &format!("{base}/_sim/human/create"),
        json!({"object": "lead", "fields": {"name": "张三", "owner": owner}}),
    )
    .await;
    assert_eq!(env["code"], 0, "{env}");
    let env = call(
        &http,
        &format!("{base}/_sim/human/create"),
        json!({"object": "lead", "fields": {"title": "x"}}),
    )
    .await;
    assert_eq!(env["code"], jing::contract::codes::REQUIRED_FIELD_MISSING);

    let body = tokio::time::timeout(Duration::from_secs(10), hooks.recv())
        .await
        .expect("a webhook within 10 s")
        .unwrap();
    let event: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["event_category"], "object_v2");
    assert_eq!(event["extra_data"]["mapping_data"]["name"], json!(["张三"]));
    assert_eq!(event["extra_data"]["owner"], json!(owner));
    let calls: Json = http
        .get(format!("{base}/_sim/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls["data"]["token"], 1);
}
