//! The Lambda stack on moto, as a customer's AWS account would run it: both simulators, one
//! deployment (tables, queues, secrets), every function built the way its `main.rs` builds it
//! (one edge per function, as each runs in its own container), and the API Gateway stand-in
//! routing exactly the template's routes. Apps are created, registered and connected only
//! through public surfaces: the admin API, the setup section read back and registered in the
//! simulators (their control APIs play the Salesforce and JING admins), the OAuth consent.

use crate::clock::ShiftClock;
use crate::gateway::{self, Handler, Routes};
use crate::stack::Stack;
use app::settings::AppSettings;
use aws_lambda_events::event::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::event::sqs::SqsBatchResponse;
use domain::AppId;
use edge::Edge;
use fn_error_notifier::handler::NotifierFunction;
use fn_init_backfill::handler::{InitFunction, Limits};
use fn_sf_poller::handler::{Poller, PollerEvent, PollerResponse};
use jing_sim::{JingSim, JingSimConfig};
use serde_json::{Value, json};
use sf_sim::{OutboundConfig, SfSim, SimConfig};
use std::sync::Arc;

/// The writer's event-source mapping `BatchSize` in template.yaml (with a 5 s batching window it
/// hands up to this many queued messages at once); `template_batch_size_is_the_stand_ins` checks.
pub const WRITER_BATCH_SIZE: usize = 100;

pub const CLIENT_ID: &str = "3MVG9FunctionsConsumerKey";
pub const CLIENT_SECRET: &str = "FunctionsConsumerSecret";
pub const ADMIN_TOKEN: &str = "admin-token-7c1d9e4f0a2b6c8d1e3f5a7b9c0d2e4f";
pub const ADMIN_EMAIL: &str = "admin@acme.example";

/// Every function of the stack, each with its own edge.
pub struct Functions {
    pub oauth: Edge,
    pub poller: Arc<Poller>,
    pub webhook: Edge,
    pub admin: Edge,
    pub writer: Edge,
    pub quota: Edge,
    pub notifier: NotifierFunction,
    pub init: InitFunction,
}

pub struct World {
    pub sf: SfSim,
    pub jing: JingSim,
    pub stack: Stack,
    pub clock: Arc<ShiftClock>,
    pub app: AppId,
    pub gateway_url: String,
    pub f: Functions,
    /// The outbound-message definition registered in the simulated org.
    pub outbound: Option<OutboundConfig>,
}

impl World {
    /// The stack up and the app installed and registered, then connected.
    pub async fn connected(max_receives: u32) -> Self {
        let world = Self::new(max_receives).await;
        world.connect().await;
        world
    }

    /// The stack up and the app installed through the admin API and registered in the
    /// simulators (not connected). `max_receives`: the changes queue's redrive count.
    pub async fn new(max_receives: u32) -> Self {
        let mut world = Self::empty(max_receives).await;
        world.install().await;
        world
    }

    /// The stack up, no app.
    pub async fn empty(max_receives: u32) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let gateway_url = format!("http://{}", listener.local_addr().expect("addr"));
        let app = AppId::parse(&crate::stack::unique("app").replace('-', "_")).expect("app id");
        let sf = SfSim::start(SimConfig {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            daily_api_limit: 100_000,
            ..SimConfig::default()
        })
        .await
        .expect("sf sim");
        let jing = JingSim::start(JingSimConfig::default())
            .await
            .expect("jing sim");
        let stack = Stack::new(max_receives, CLIENT_SECRET).await;
        let clock = Arc::new(ShiftClock::default());
        let f = functions(&stack, &gateway_url, &jing.base_url(), clock.clone()).await;
        gateway::serve(listener, routes(&f));
        Self {
            sf,
            jing,
            stack,
            clock,
            app,
            gateway_url,
            f,
            outbound: None,
        }
    }

    /// One admin API call through the gateway: (status, JSON body or `null`).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .request(method, format!("{}/api{path}", self.gateway_url))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("admin API call");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// An admin API call that must succeed.
    pub async fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.api(method, path, body).await;
        assert!(
            (200..300).contains(&status),
            "{path} answered {status}: {answer}"
        );
        answer
    }

    /// Install the app through the admin API, read its setup section and register it in the
    /// simulators as the two admins would.
    pub async fn install(&mut self) {
        let jcfg = self.jing.config();
        self.ok(
            reqwest::Method::POST,
            "/apps",
            Some(json!({
                "id": self.app, "name": "函数测试 Functions",
                "environment": {"kind": "custom", "host": self.sf.base_url()},
                "jing_app_id": jcfg.app_id, "jing_tenant": jcfg.mid,
                "jing_app_secret": jcfg.app_secret, "admin_email": ADMIN_EMAIL,
            })),
        )
        .await;
        self.register().await;
    }

    /// Register the setup section in the simulators: outbound messages for every required
    /// object, delivered when asked; the webhook URL and signing secret.
    pub async fn register(&mut self) {
        let setup = self
            .ok(
                reqwest::Method::GET,
                &format!("/apps/{}/setup", self.app),
                None,
            )
            .await;
        let url = setup["outbound_url"].as_str().expect("outbound_url");
        let mut outbound = OutboundConfig::new(url);
        for def in setup["outbound"].as_array().into_iter().flatten() {
            if def["required"] == true {
                let fields: Vec<&str> = def["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                outbound = outbound.object(def["object"].as_str().expect("object"), &fields);
            }
        }
        outbound.background = false;
        self.sf.set_outbound(Some(outbound.clone()));
        self.outbound = Some(outbound);
        let webhook = setup["webhook_url"].as_str().expect("webhook_url");
        let (base, token) = webhook.rsplit_once('/').expect("token in the webhook URL");
        let secret = setup["webhook_signing_secret"].as_str();
        self.jing
            .set_webhook(&format!("{base}/{{token}}"), token, secret);
    }

    /// The OAuth web-server flow through the gateway: the admin asks for the authorize URL,
    /// the simulator approves and redirects to our callback, which redirects to the page.
    pub async fn connect(&self) {
        let answer = self.consent().await;
        assert!(
            answer.status().is_redirection(),
            "callback answered {}: {}",
            answer.status(),
            answer.text().await.unwrap_or_default()
        );
    }

    /// Authorize and return the callback's answer (the caller judges it).
    pub async fn consent(&self) -> reqwest::Response {
        let started = self
            .ok(
                reqwest::Method::POST,
                &format!("/apps/{}/connect", self.app),
                None,
            )
            .await;
        let url = started["authorize_url"].as_str().expect("authorize_url");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let approve = http.get(url).send().await.expect("authorize");
        let callback = approve
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("redirect to the callback")
            .to_owned();
        http.get(&callback).send().await.expect("callback")
    }

    pub fn clock_now(&self) -> time::OffsetDateTime {
        app::ports::Clock::now(self.clock.as_ref())
    }

    /// The stores, for assertions (a container's view).
    pub fn ports(&self) -> &app::ports::Ports {
        &self.f.writer.ports
    }

    pub async fn settings(&self) -> AppSettings {
        self.ports()
            .settings
            .get(&self.app)
            .await
            .expect("settings")
            .expect("app exists")
    }

    /// The event-source mapping of the writer: receive what is visible (up to its `BatchSize`),
    /// invoke the handler with the SQS event, delete what did not fail. Returns (messages handed
    /// over, the response).
    pub async fn writer_round(&self) -> (usize, SqsBatchResponse) {
        let url = &self.stack.changes.changes;
        let messages = self.stack.receive_batch(url, 30, WRITER_BATCH_SIZE).await;
        let arn = self.stack.queue_arn(url).await;
        let event = crate::events::sqs_event(&arn, &messages);
        let response = fn_writer::handler::handle(&self.f.writer, event, None).await;
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

    /// The event-source mapping of init-backfill: one visible run request (if any) handed to
    /// the function. Returns how many messages were handed over.
    pub async fn init_round(&self, deadline_ms: u64) -> usize {
        let url = &self.stack.init.changes;
        let messages = self.stack.receive(url, 30).await;
        if messages.is_empty() {
            return 0;
        }
        let arn = self.stack.queue_arn(url).await;
        let event = crate::events::sqs_event(&arn, &messages);
        let response = fn_init_backfill::handler::handle(&self.f.init, event, deadline_ms).await;
        let failed: Vec<String> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        self.stack.delete_done(url, &messages, &failed).await;
        messages.len()
    }

    /// The poller's schedule fires once.
    pub async fn scheduled_poll(&self) -> edge::jobs::PollSummary {
        let event = PollerEvent::Schedule(Box::new(crate::events::scheduled_event("poller")));
        match fn_sf_poller::handler::handle(&self.f.poller, event).await {
            PollerResponse::Polled(s) => s,
            other => panic!("the schedule answered {other:?}"),
        }
    }
}

/// Every function built from the template's environment, the way each `main.rs` builds it.
async fn functions(
    stack: &Stack,
    gateway_url: &str,
    jing_base: &str,
    clock: Arc<ShiftClock>,
) -> Functions {
    // As the template: the admin token only for admin-api, the consumer secret only for the
    // functions that call Salesforce OAuth (`oauth`).
    let edge = |admin: bool, oauth: bool| {
        let mut config = stack.config(CLIENT_ID, gateway_url, jing_base, admin);
        if !oauth {
            config.sf_client_secret_id = None;
        }
        let ports = aws::Adapters::with_counter(&stack.sdk, &config.aws, &stack.requests)
            .ports(clock.clone());
        async move {
            kit::build_edge_on(&stack.sdk, &config, ports)
                .await
                .expect("edge")
        }
    };
    Functions {
        oauth: edge(false, true).await,
        poller: Arc::new(Poller::new(edge(false, true).await)),
        webhook: edge(false, false).await,
        admin: edge(true, true).await,
        writer: edge(false, true).await,
        quota: edge(false, false).await,
        notifier: NotifierFunction {
            edge: edge(false, false).await,
            sqs: stack.sqs.clone(),
            dead_letter_queue_url: stack.changes.dead_letters.clone(),
        },
        init: InitFunction {
            edge: edge(false, true).await,
            limits: Limits::default(),
        },
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

/// A route served by a function's own router (as `kit::http::run` serves it).
fn http_function(edge: &Edge) -> Handler {
    let router = Arc::new(edge::router(edge.clone()));
    handler(move |req| {
        let router = router.clone();
        async move { kit::http::serve(&router, req).await }
    })
}

/// The template's routes.
fn routes(f: &Functions) -> Routes {
    let mut r = Routes::default();
    r.add("GET /oauth/callback", http_function(&f.oauth));
    r.add(
        "POST /jing/webhook/{app}/{token}",
        http_function(&f.webhook),
    );
    let p = f.poller.clone();
    r.add(
        "POST /sf/outbound/{app}/{token}",
        handler(move |req| {
            let p = p.clone();
            async move {
                match fn_sf_poller::handler::handle(&p, PollerEvent::Http(Box::new(req))).await {
                    PollerResponse::Http(r) => *r,
                    other => panic!("HTTP event answered {other:?}"),
                }
            }
        }),
    );
    r.add("$default", http_function(&f.admin));
    r
}
