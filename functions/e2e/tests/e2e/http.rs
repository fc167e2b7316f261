//! Rejections on the HTTP routes: the status and reason the sender sees, and nothing queued.

use fn_e2e::world::{ADMIN_TOKEN, World};

async fn queue_is_empty(w: &World) -> bool {
    w.stack
        .receive(&w.stack.changes.changes, 0)
        .await
        .is_empty()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_rejections_answer_with_their_status_and_queue_nothing() {
    let w = World::connected(5).await;
    let setup = w
        .ok(
            reqwest::Method::GET,
            &format!("/apps/{}/setup", w.app),
            None,
        )
        .await;
    let url = setup["webhook_url"]
        .as_str()
        .expect("webhook_url")
        .to_owned();
    let token = url.rsplit('/').next().expect("token").to_owned();
    let http = reqwest::Client::new();
    let body = r#"{"event":"lead.updated","mid":"x","data":{}}"#;
    let wrong_token = http
        .post(format!(
            "{}/jing/webhook/{}/not-the-token",
            w.gateway_url, w.app
        ))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(wrong_token.status(), 401);
    let wrong_token_body = wrong_token.text().await.unwrap_or_default();
    let unknown_app = http
        .post(format!("{}/jing/webhook/nobody/{token}", w.gateway_url))
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(unknown_app.status(), 401);
    assert_eq!(
        unknown_app.text().await.unwrap_or_default(),
        wrong_token_body,
        "an unknown app and a wrong token get the same answer"
    );
    let unsigned = http
        .post(&url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("post");
    let status = unsigned.status().as_u16();
    let reason = unsigned.text().await.unwrap_or_default();
    assert!(
        (400..500).contains(&status),
        "an unsigned webhook is refused: {status} {reason}"
    );
    assert!(!reason.is_empty(), "the rejection says why");
    assert!(queue_is_empty(&w).await, "nothing enqueued on rejection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_messages_that_are_malformed_or_from_another_org_are_refused() {
    let w = World::connected(5).await;
    let http = reqwest::Client::new();
    let url = w.outbound.as_ref().expect("registered").url.clone();
    let malformed = http
        .post(&url)
        .header("content-type", "text/xml; charset=utf-8")
        .body("<soapenv:Envelope><broken")
        .send()
        .await
        .expect("post");
    assert_eq!(malformed.status(), 400);
    let fault = malformed.text().await.unwrap_or_default();
    assert!(
        fault.contains("<soapenv:Fault>") && fault.contains("soapenv:Client"),
        "{fault}"
    );
    let other_org = OTHER_ORG_MESSAGE.replace("{ORG}", "00D000000000XYZ");
    let refused = http
        .post(&url)
        .header("content-type", "text/xml; charset=utf-8")
        .body(other_org)
        .send()
        .await
        .expect("post");
    let status = refused.status();
    let body = refused.text().await.unwrap_or_default();
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("<Ack>true</Ack>"));
    assert!(queue_is_empty(&w).await, "nothing enqueued on refusal");
}

const OTHER_ORG_MESSAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{ORG}</OrganizationId>
   <ActionId>04k000000000001</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/00D000000000XYZ</EnterpriseUrl>
   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/00D000000000XYZ</PartnerUrl>
   <Notification>
    <Id>04l000000000001</Id>
    <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>00Q000000000001</sf:Id>
     <sf:LastName>Other</sf:LastName>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_needs_the_admin_token_and_the_callback_a_valid_state() {
    let w = World::new(5).await;
    let http = reqwest::Client::new();
    let connect = format!("{}/api/apps/{}/connect", w.gateway_url, w.app);
    let no_token = http.post(&connect).send().await.expect("post");
    assert_eq!(no_token.status(), 401);
    let wrong = http
        .post(&connect)
        .bearer_auth(format!("{ADMIN_TOKEN}x"))
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 401);
    let forged = http
        .get(format!(
            "{}/oauth/callback?code=abc&state={}.forged",
            w.gateway_url, w.app
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(forged.status(), 400);
    let nobody = http
        .get(format!(
            "{}/oauth/callback?code=abc&state=nosuchapp.x",
            w.gateway_url
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(nobody.status(), 400, "an unknown app is a bad state");
    let denied = http
        .get(format!(
            "{}/oauth/callback?error=access_denied",
            w.gateway_url
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(denied.status(), 400);
    assert!(w.settings().await.authorized.is_none(), "nothing connected");
}
