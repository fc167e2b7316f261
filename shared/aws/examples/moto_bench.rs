//! Throughput of moto for the calls the adapters make, and standard vs FIFO queues.
//! `infra/moto.sh start && eval "$(infra/moto.sh env)" && cargo run -p jingsf-aws --example moto_bench`

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};
use jingsf_aws::{Tables, provision};
use std::time::Instant;

const N: usize = 300;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sdk = jingsf_aws::sdk_config().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let suffix = std::process::id();
    let tables = Tables::with_prefix(&format!("bench-{suffix}"));
    provision::ensure_tables(&dynamo, &tables).await?;
    let started = Instant::now();
    for i in 0..N {
        put(&dynamo, &tables.state, i).await?;
    }
    report("DynamoDB PutItem, sequential", N, started);
    let started = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (dynamo, table) = (dynamo.clone(), tables.state.clone());
            tokio::spawn(async move {
                for i in 0..N / 8 {
                    put(&dynamo, &table, N + t * N + i)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    report("DynamoDB PutItem, 8 tasks", N / 8 * 8, started);
    let standard = sqs
        .create_queue()
        .queue_name(format!("bench-{suffix}"))
        .send()
        .await?;
    queue_round_trip(&sqs, standard.queue_url().unwrap_or_default(), false).await?;
    let fifo = sqs
        .create_queue()
        .queue_name(format!("bench-{suffix}.fifo"))
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .send()
        .await?;
    queue_round_trip(&sqs, fifo.queue_url().unwrap_or_default(), true).await?;
    Ok(())
}

async fn put(
    dynamo: &aws_sdk_dynamodb::Client,
    table: &str,
    i: usize,
) -> Result<(), aws_sdk_dynamodb::Error> {
    dynamo
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S("bench#cursor".into()))
        .item("sk", AttributeValue::S(format!("k{i}")))
        .item("value", AttributeValue::S("{}".into()))
        .send()
        .await?;
    Ok(())
}

/// Send N messages 10 per batch, then receive 10 + delete 10 until drained.
async fn queue_round_trip(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    fifo: bool,
) -> Result<(), aws_sdk_sqs::Error> {
    let kind = if fifo { "FIFO" } else { "standard" };
    let started = Instant::now();
    for batch in 0..N / 10 {
        let entries = (0..10).map(|i| {
            let n = batch * 10 + i;
            let entry = SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(format!("{{\"n\":{n}}}"));
            let entry = if fifo {
                entry
                    .message_group_id(format!("record-{n}"))
                    .message_deduplication_id(n.to_string())
            } else {
                entry
            };
            entry.build().expect("id and body are set")
        });
        sqs.send_message_batch()
            .queue_url(url)
            .set_entries(Some(entries.collect()))
            .send()
            .await?;
    }
    report(
        &format!("SQS {kind} SendMessageBatch(10), messages"),
        N,
        started,
    );
    let started = Instant::now();
    let mut drained = 0;
    while drained < N {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        let entries = messages.iter().enumerate().map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .build()
                .expect("id and handle are set")
        });
        sqs.delete_message_batch()
            .queue_url(url)
            .set_entries(Some(entries.collect()))
            .send()
            .await?;
        drained += messages.len();
    }
    report(
        &format!("SQS {kind} receive(10) + DeleteMessageBatch, messages"),
        drained,
        started,
    );
    Ok(())
}

fn report(what: &str, n: usize, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    println!("{what}: {n} in {secs:.2} s = {:.0}/s", n as f64 / secs);
}
