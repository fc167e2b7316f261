//! Connecting the client to `sf-sim` the way production does: browser authorize with PKCE,
//! code exchange, then an `SfClient` with a recording token sink.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jingsf_salesforce as salesforce;
use salesforce::oauth::{authorize_url, generate_state};
use salesforce::{
    ClientOptions, OAuthClient, Pkce, RefreshOutcome, RetryPolicy, SfAppConfig, SfClient,
    SfEnvironment, TokenSet, TokenSink,
};
use secrecy::{ExposeSecret, SecretString};
use sf_sim::{SfSim, SimConfig};

pub const REDIRECT: &str = "https://connector.example/oauth/callback";

/// Remembers every refresh handed to the caller: (access, refresh, rotated).
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<(String, Option<String>, bool)>>);

#[async_trait]
impl TokenSink for Recorder {
    async fn tokens_refreshed(&self, o: &RefreshOutcome) -> Result<(), salesforce::SfError> {
        let rt = o
            .tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned());
        let at = o.tokens.access_token.expose_secret().to_owned();
        self.0.lock().unwrap().push((at, rt, o.rotated));
        Ok(())
    }
}

pub fn app(cfg: &SimConfig) -> SfAppConfig {
    SfAppConfig::new(
        &cfg.client_id,
        SecretString::from(cfg.client_secret.clone()),
        REDIRECT,
    )
}

pub fn env(sim: &SfSim) -> SfEnvironment {
    SfEnvironment::Custom(sim.base_url().to_owned())
}

pub fn oauth(sim: &SfSim, cfg: &SimConfig) -> OAuthClient {
    OAuthClient::new(reqwest::Client::new(), &env(sim), app(cfg))
}

/// Follow the authorize redirect like a browser would and return (code, state) from it.
pub async fn authorize(sim: &SfSim, cfg: &SimConfig, pkce: &Pkce) -> (String, String) {
    let state = generate_state();
    let url = authorize_url(
        &env(sim),
        &app(cfg),
        &state,
        &pkce.challenge,
        &["api", "id", "refresh_token"],
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 302, "authorize must redirect");
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let back = url::Url::parse(&location).unwrap();
    assert!(location.starts_with(REDIRECT));
    let pairs: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], state, "state is echoed back");
    (pairs["code"].clone(), state)
}

/// Run the whole authorization and return the tokens.
pub async fn authorized_tokens(sim: &SfSim, cfg: &SimConfig) -> TokenSet {
    let pkce = Pkce::generate();
    let (code, _) = authorize(sim, cfg, &pkce).await;
    oauth(sim, cfg)
        .exchange_code(&code, &pkce.verifier)
        .await
        .unwrap()
}

pub fn fast() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            request_timeout: Duration::from_secs(20),
        },
        ..ClientOptions::default()
    }
}

pub struct Connected {
    pub sim: SfSim,
    pub cfg: SimConfig,
    pub client: SfClient,
    pub tokens: TokenSet,
    pub sink: Arc<Recorder>,
}

pub async fn connect_with(cfg: SimConfig, options: ClientOptions) -> Connected {
    let sim = SfSim::start(cfg.clone()).await.unwrap();
    let tokens = authorized_tokens(&sim, &cfg).await;
    let sink = Arc::new(Recorder::default());
    let client = SfClient::builder(oauth(&sim, &cfg), tokens.clone())
        .options(options)
        .token_sink(sink.clone())
        .build();
    Connected {
        sim,
        cfg,
        client,
        tokens,
        sink,
    }
}

pub async fn connect() -> Connected {
    connect_with(SimConfig::default(), fast()).await
}

pub fn lead(last: &str, company: &str) -> salesforce::Fields {
    let mut f = salesforce::Fields::new();
    f.insert("LastName".into(), serde_json::json!(last));
    f.insert("Company".into(), serde_json::json!(company));
    f
}
