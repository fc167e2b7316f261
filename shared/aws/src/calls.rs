//! Counting AWS API calls per operation (every HTTP attempt, retries included), to measure what
//! an applied change costs and to log it per invocation. One interceptor serves every SDK crate:
//! they all re-export the same `Intercept` trait.

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Shared counters, cheap to clone; attach with [`crate::Adapters::with_counter`].
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    calls: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl CallCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls per operation (`DynamoDB.GetItem`, `SQS.SendMessageBatch`, `SESv2 POST /v2/email/outbound-emails`).
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.lock().clone()
    }

    pub fn total(&self) -> u64 {
        self.lock().values().sum()
    }

    pub fn reset(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// `X-Amz-Target: DynamoDB_20120810.GetItem` → `DynamoDB.GetItem`; REST APIs → method and path.
fn operation(request: &aws_sdk_dynamodb::config::http::HttpRequest) -> String {
    match request.headers().get("x-amz-target") {
        Some(target) => {
            let (service, op) = target.split_once('.').unwrap_or(("", target));
            let service = service.split('_').next().unwrap_or(service);
            let service = if service == "AmazonSQS" {
                "SQS"
            } else {
                service
            };
            format!("{service}.{op}")
        }
        None => {
            let path = request.uri().split('?').next().unwrap_or_default();
            let path = path
                .split("://")
                .nth(1)
                .and_then(|p| p.find('/').map(|i| &p[i..]))
                .unwrap_or(path);
            format!("{} {path}", request.method())
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = operation(context.request());
        *self.lock().entry(op).or_insert(0) += 1;
        Ok(())
    }
}
