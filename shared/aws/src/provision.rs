//! Create the tables and queues the adapters need, idempotently. The SAM template declares the
//! same resources; this is for the CLI, local development and the tests.

use crate::config::{QueueUrls, Tables};
use crate::dynamo::{BY_PRIORITY_INDEX, BY_TIME_INDEX, PRIO, attr};
use crate::error::{code_of, corrupt, store_error};
use app::ports::StoreResult;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

/// How a table is shaped beyond its `pk`/`sk` key.
struct TableShape<'a> {
    name: &'a str,
    ttl: bool,
    /// Global index `by_time` (gsi1pk, gsi1sk): errors since, sync log newest first.
    by_time_index: bool,
    /// Local index `by_priority` (pk, prio): parked changes in priority order.
    by_priority_index: bool,
}

/// Create every table that does not exist yet (on-demand billing, TTL on `expires_at`).
pub async fn ensure_tables(client: &aws_sdk_dynamodb::Client, tables: &Tables) -> StoreResult<()> {
    let shapes = [
        TableShape {
            name: &tables.bindings,
            ttl: false,
            by_time_index: false,
            by_priority_index: false,
        },
        TableShape {
            name: &tables.state,
            ttl: true,
            by_time_index: false,
            by_priority_index: true,
        },
        TableShape {
            name: &tables.activity,
            ttl: true,
            by_time_index: true,
            by_priority_index: false,
        },
        TableShape {
            name: &tables.apps,
            ttl: false,
            by_time_index: false,
            by_priority_index: false,
        },
    ];
    for shape in shapes {
        ensure_table(client, &shape).await?;
    }
    Ok(())
}

fn key_element(name: &str, kind: KeyType) -> StoreResult<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| corrupt("key", e))
}

fn string_attribute(name: &str) -> StoreResult<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| corrupt("attribute", e))
}

fn by_time_index() -> StoreResult<GlobalSecondaryIndex> {
    GlobalSecondaryIndex::builder()
        .index_name(BY_TIME_INDEX)
        .key_schema(key_element(attr::GSI1_PK, KeyType::Hash)?)
        .key_schema(key_element(attr::GSI1_SK, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .map_err(|e| corrupt("index", e))
}

fn by_priority_index() -> StoreResult<LocalSecondaryIndex> {
    LocalSecondaryIndex::builder()
        .index_name(BY_PRIORITY_INDEX)
        .key_schema(key_element(attr::PK, KeyType::Hash)?)
        .key_schema(key_element(PRIO, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .map_err(|e| corrupt("index", e))
}

async fn ensure_table(
    client: &aws_sdk_dynamodb::Client,
    shape: &TableShape<'_>,
) -> StoreResult<()> {
    match client.describe_table().table_name(shape.name).send().await {
        Ok(_) => return Ok(()),
        Err(e) if code_of(&e) == Some("ResourceNotFoundException") => {}
        Err(e) => return Err(store_error("DescribeTable", e)),
    }
    let mut create = client
        .create_table()
        .table_name(shape.name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key_element(attr::PK, KeyType::Hash)?)
        .key_schema(key_element(attr::SK, KeyType::Range)?)
        .attribute_definitions(string_attribute(attr::PK)?)
        .attribute_definitions(string_attribute(attr::SK)?);
    if shape.by_time_index {
        create = create
            .attribute_definitions(string_attribute(attr::GSI1_PK)?)
            .attribute_definitions(string_attribute(attr::GSI1_SK)?)
            .global_secondary_indexes(by_time_index()?);
    }
    if shape.by_priority_index {
        create = create
            .attribute_definitions(string_attribute(PRIO)?)
            .local_secondary_indexes(by_priority_index()?);
    }
    match create.send().await {
        Ok(_) => {}
        // Another provisioner won the race: the table exists, which is all we want.
        Err(e) if code_of(&e) == Some("ResourceInUseException") => {}
        Err(e) => return Err(store_error("CreateTable", e)),
    }
    wait_active(client, shape.name).await?;
    if shape.ttl {
        enable_ttl(client, shape.name).await?;
    }
    Ok(())
}

/// Tables are ACTIVE at once on moto; on AWS creation takes seconds. Poll with a deadline.
async fn wait_active(client: &aws_sdk_dynamodb::Client, table: &str) -> StoreResult<()> {
    use aws_sdk_dynamodb::types::TableStatus;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let out = client.describe_table().table_name(table).send().await;
        let status = out
            .map_err(|e| store_error("DescribeTable", e))?
            .table
            .and_then(|t| t.table_status);
        if status == Some(TableStatus::Active) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(app::ports::StoreError::Unavailable(format!(
                "table {table} not active after 120 s"
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

async fn enable_ttl(client: &aws_sdk_dynamodb::Client, table: &str) -> StoreResult<()> {
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attr::EXPIRES_AT)
        .enabled(true)
        .build()
        .map_err(|e| corrupt("ttl", e))?;
    match client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        // Already enabled (re-provisioning an existing stack).
        Err(e) if code_of(&e) == Some("ValidationException") => Ok(()),
        Err(e) => Err(store_error("UpdateTimeToLive", e)),
    }
}

/// Everything one deployment needs, named from `prefix` (`{prefix}-bindings`, …,
/// `{prefix}-changes` and `{prefix}-changes-dlq`, secrets under `{prefix}/`): for the CLI and
/// local development against moto. Returns the configuration the adapters take.
pub async fn ensure_stack(
    sdk: &aws_config::SdkConfig,
    prefix: &str,
    ses_sender: &str,
) -> StoreResult<crate::AwsConfig> {
    let tables = Tables::with_prefix(prefix);
    ensure_tables(&aws_sdk_dynamodb::Client::new(sdk), &tables).await?;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let queues = ensure_queues(&sqs, &format!("{prefix}-changes"), DEFAULT_MAX_RECEIVES).await?;
    let init = ensure_queues(&sqs, &format!("{prefix}-init"), 3).await?;
    Ok(crate::AwsConfig {
        tables,
        queues,
        secret_prefix: prefix.to_owned(),
        ses_sender: ses_sender.to_owned(),
        secret_cache_ttl: std::time::Duration::from_secs(300),
        init_queue: Some(init.changes),
    })
}

/// Receives before a message moves to the dead-letter queue.
pub const DEFAULT_MAX_RECEIVES: u32 = 5;

/// Create (or find) the standard changes queue `{name}` and its DLQ `{name}-dlq`, with a
/// redrive policy of `max_receives`. CreateQueue is idempotent for identical attributes.
pub async fn ensure_queues(
    client: &aws_sdk_sqs::Client,
    name: &str,
    max_receives: u32,
) -> StoreResult<QueueUrls> {
    let dlq_name = format!("{name}-dlq");
    let dlq = client
        .create_queue()
        .queue_name(&dlq_name)
        // Dead letters are kept 14 days (the maximum) for inspection and redrive.
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await
        .map_err(|e| store_error("CreateQueue dlq", e))?;
    let dlq_url = dlq
        .queue_url
        .ok_or_else(|| corrupt("CreateQueue", "no queue url"))?;
    let dlq_arn = queue_arn(client, &dlq_url).await?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receives.to_string(),
    });
    let changes = client
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .attributes(QueueAttributeName::VisibilityTimeout, "60")
        .send()
        .await
        .map_err(|e| store_error("CreateQueue", e))?;
    let changes = changes
        .queue_url
        .ok_or_else(|| corrupt("CreateQueue", "no queue url"))?;
    Ok(QueueUrls {
        changes,
        dead_letters: dlq_url,
    })
}

async fn queue_arn(client: &aws_sdk_sqs::Client, url: &str) -> StoreResult<String> {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| store_error("GetQueueAttributes", e))?;
    out.attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| corrupt("GetQueueAttributes", "no QueueArn"))
}
