//! A connected app: both simulators, one moto deployment, every function built the way its
//! `main.rs` builds it (one `Kit` per function, as each runs in its own container), the API
//! Gateway stand-in in front of the HTTP functions, and the OAuth connect done through it.

use crate::clock::ShiftClock;
use crate::gateway::{self, Handler, Routes};
use crate::stack::Stack;
use app::ports::{SecretKind, SettingsStore, TokenVault};
use app::settings::{AppSettings, Environment};
use aws_lambda_events::event::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::event::sqs::SqsBatchResponse;
use domain::AppId;
use fn_error_notifier::handler::NotifierFunction;
use fn_init_backfill::continuation::ContinuationQueue;
use fn_init_backfill::handler::{InitFunction, Limits};
use fn_oauth_callback::handler::OAuthFunction;
use jing_sim::{JingSim, JingSimConfig};
use kit::Kit;
use secrecy::SecretString;
use sf_sim::{OutboundConfig, SfSim, SimConfig};
use std::sync::Arc;

pub const CLIENT_ID: &str = "3MVG9FunctionsConsumerKey";
pub const CLIENT_SECRET: &str = "FunctionsConsumerSecret";
pub const ADMIN_TOKEN: &str = "admin-token-7c1d9e";
pub const WEBHOOK_TOKEN: &str = "wh-token-5b8e2f";
pub const WEBHOOK_SECRET: &str = "wh-signing-secret";
pub const ADMIN_EMAIL: &str = "admin@acme.example";

pub struct World {
    pub sf: SfSim,
    pub jing: JingSim,
    pub stack: Stack,
    pub clock: Arc<ShiftClock>,
    pub app: AppId,
    pub gateway_url: String,
    pub oauth: Arc<OAuthFunction>,
    pub poller: Arc<Kit>,
    pub webhook: Arc<Kit>,
    pub writer: Kit,
    pub quota: Kit,
    pub notifier: NotifierFunction,
    pub init: InitFunction,
}

fn lead_outbound_fields() -> Vec<String> {
    let spec = domain::ObjectSpec::of(domain::ObjectKind::Lead);
    let mut f: Vec<String> = spec.defaults.iter().map(|d| d.sf.name.to_owned()).collect();
    f.extend(
        ["LastModifiedById", "SystemModstamp", "IsConverted"]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    f
}

impl World {
    /// Everything up and the app connected. `max_receives`: the changes queue's redrive count.
    pub async fn connected(max_receives: u32) -> Self {
        let world = Self::new(max_receives).await;
        world.connect().await;
        world
    }

    pub async fn new(max_receives: u32) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let gateway_url = format!("http://{}", listener.local_addr().expect("addr"));
        let app = AppId::parse(&crate::stack::unique("app").replace('-', "_")).expect("app id");
        let mut outbound = OutboundConfig::new(format!("{gateway_url}/sf/outbound/{app}"));
        outbound.objects = vec![("Lead".into(), lead_outbound_fields())];
        outbound.background = false;
        let sf = SfSim::start(SimConfig {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            outbound: Some(outbound),
            daily_api_limit: 100_000,
            ..SimConfig::default()
        })
        .await
        .expect("sf sim");
        let jing = JingSim::start(JingSimConfig::default())
            .await
            .expect("jing sim");
        jing.set_webhook(
            &format!("{gateway_url}/jing/webhook/{app}/{{token}}"),
            WEBHOOK_TOKEN,
            Some(WEBHOOK_SECRET),
        );
        let stack = Stack::new(max_receives, CLIENT_SECRET).await;
        let config = stack.config(
            CLIENT_ID,
            &format!("{gateway_url}/oauth/callback"),
            &jing.base_url(),
        );
        let clock = Arc::new(ShiftClock::default());
        let kit = || async {
            Kit::build(&stack.sdk, &config, clock.clone())
                .await
                .expect("kit")
        };
        let oauth = Arc::new(OAuthFunction {
            kit: kit().await,
            admin_token: SecretString::from(ADMIN_TOKEN.to_owned()),
        });
        let poller = Arc::new(kit().await);
        let webhook = Arc::new(kit().await);
        let init = InitFunction {
            kit: kit().await,
            continuation: ContinuationQueue {
                client: stack.sqs.clone(),
                url: stack.init.changes.clone(),
            },
            limits: Limits::default(),
        };
        let (writer, quota) = (kit().await, kit().await);
        let notifier = NotifierFunction {
            kit: kit().await,
            sqs: stack.sqs.clone(),
            dead_letter_queue_url: stack.changes.dead_letters.clone(),
        };
        gateway::serve(listener, routes(&oauth, &poller, &webhook));
        let world = Self {
            sf,
            jing,
            stack,
            clock,
            app,
            gateway_url,
            oauth,
            poller,
            webhook,
            writer,
            quota,
            notifier,
            init,
        };
        world.register_app().await;
        world
    }

    async fn register_app(&self) {
        let jcfg = self.jing.config();
        let mut settings = AppSettings::new(
            self.app.clone(),
            "函数测试 Functions",
            Environment::Custom(self.sf.base_url().to_string()),
            &jcfg.app_id,
            &jcfg.mid,
        );
        settings.revision = 1;
        settings.admin_email = Some(ADMIN_EMAIL.into());
        let a = &self.writer.adapters;
        a.settings.put(&settings).await.expect("settings");
        for (kind, value) in [
            (SecretKind::JingAppSecret, jcfg.app_secret.as_str()),
            (SecretKind::WebhookToken, WEBHOOK_TOKEN),
            (SecretKind::WebhookSigningSecret, WEBHOOK_SECRET),
        ] {
            a.vault
                .put(&self.app, kind, &SecretString::from(value.to_owned()))
                .await
                .expect("vault");
        }
    }

    /// The OAuth web-server flow through the gateway: the admin asks for the authorize URL, the
    /// simulator approves and redirects to our callback.
    pub async fn connect(&self) {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let started: serde_json::Value = http
            .post(format!("{}/apps/{}/connect", self.gateway_url, self.app))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("connect")
            .json()
            .await
            .expect("connect answer is JSON");
        let url = started["authorize_url"].as_str().expect("authorize_url");
        let approve = http.get(url).send().await.expect("authorize");
        let callback = approve
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("redirect to the callback")
            .to_owned();
        let answer = http.get(&callback).send().await.expect("callback");
        let status = answer.status();
        let body = answer.text().await.unwrap_or_default();
        assert_eq!(status, 200, "callback answered {body}");
    }

    pub fn clock_now(&self) -> time::OffsetDateTime {
        app::ports::Clock::now(self.clock.as_ref())
    }

    pub async fn settings(&self) -> AppSettings {
        self.writer
            .settings(&self.app)
            .await
            .expect("settings")
            .expect("app exists")
    }

    pub async fn put_settings(&self, settings: &AppSettings) {
        self.writer
            .adapters
            .settings
            .put(settings)
            .await
            .expect("settings");
    }

    /// The event-source mapping of the writer: receive what is visible, invoke the handler with
    /// the SQS event, delete what did not fail. Returns (messages handed over, the response).
    pub async fn writer_round(&self) -> (usize, SqsBatchResponse) {
        let url = &self.stack.changes.changes;
        let messages = self.stack.receive(url, 30).await;
        let arn = self.stack.queue_arn(url).await;
        let event = crate::events::sqs_event(&arn, &messages);
        let response = fn_writer::handler::handle(&self.writer, event).await;
        let failed: Vec<String> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        self.stack.delete_done(url, &messages, &failed).await;
        (messages.len(), response)
    }

    /// Writer rounds until the queue hands over nothing (bounded).
    pub async fn drain(&self) -> usize {
        let mut total = 0;
        for _ in 0..50 {
            let (n, _) = self.writer_round().await;
            if n == 0 {
                return total;
            }
            total += n;
        }
        panic!("the changes queue did not drain in 50 rounds");
    }
}

fn handler<F, Fut>(f: F) -> Handler
where
    F: Fn(ApiGatewayV2httpRequest) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = aws_lambda_events::event::apigw::ApiGatewayV2httpResponse>
        + Send
        + 'static,
{
    Arc::new(move |req| Box::pin(f(req)))
}

fn routes(oauth: &Arc<OAuthFunction>, poller: &Arc<Kit>, webhook: &Arc<Kit>) -> Routes {
    let mut r = Routes::default();
    for key in ["POST /apps/{app}/connect", "GET /oauth/callback"] {
        let f = oauth.clone();
        r.add(
            key,
            handler(move |req| {
                let f = f.clone();
                async move { fn_oauth_callback::handler::handle(&f, req).await }
            }),
        );
    }
    let p = poller.clone();
    r.add(
        "POST /sf/outbound/{app}",
        handler(move |req| {
            let p = p.clone();
            async move {
                match fn_sf_poller::handler::handle(
                    &p,
                    fn_sf_poller::handler::PollerEvent::Http(Box::new(req)),
                )
                .await
                {
                    fn_sf_poller::handler::PollerResponse::Http(r) => *r,
                    other => panic!("HTTP event answered {other:?}"),
                }
            }
        }),
    );
    let w = webhook.clone();
    r.add(
        "POST /jing/webhook/{app}/{token}",
        handler(move |req| {
            let w = w.clone();
            async move { fn_jing_webhook::handler::handle(&w, req).await }
        }),
    );
    r
}
