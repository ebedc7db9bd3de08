//! Webhooks and their delivery log.

use djcrm_domain::ports::WebhookRepository;
use djcrm_domain::{
    Delivery, DeliveryId, DomainError, EventFilter, EventType, OrgId, Page, PageRequest, Webhook,
    WebhookId, WebhookUrl,
};

use crate::engine::{ReadRow, Sql, SqlDatabase};
use crate::error::{corrupt, storage};
use crate::reads::push_page;
use crate::transaction::SqlUnitOfWork;
use crate::{Dialect, SqlStore};

const WEBHOOK_COLUMNS: &str = "id, organization_id, url, events, secret, active, \
     disabled_reason, failures, created_by, created_at, updated_at";

const DELIVERY_COLUMNS: &str = "id, organization_id, webhook_id, event_id, event_type, status, \
     latency_ms, response_excerpt, delivered, attempted_at";

/// The stored form of an event filter: `*`, or the type names comma separated.
fn events_column(events: &EventFilter) -> String {
    events.names().join(",")
}

fn webhook(row: &impl ReadRow) -> Result<Webhook, DomainError> {
    let col = || storage("reading a webhook");
    let names: Vec<String> = row
        .text("events")
        .map_err(col())?
        .split(',')
        .map(str::to_owned)
        .collect();
    Ok(Webhook {
        id: row.uuid("id").map_err(col())?.into(),
        org_id: row.uuid("organization_id").map_err(col())?.into(),
        url: WebhookUrl::parse(&row.text("url").map_err(col())?)
            .map_err(|e| corrupt("webhook URL", e))?,
        events: EventFilter::parse(&names).map_err(|e| corrupt("webhook events", e))?,
        secret: row.text("secret").map_err(col())?,
        active: row.flag("active").map_err(col())?,
        disabled_reason: row.opt_text("disabled_reason").map_err(col())?,
        failures: u32::try_from(row.int("failures").map_err(col())?).unwrap_or(u32::MAX),
        created_by: row.opt_uuid("created_by").map_err(col())?.map(Into::into),
        created_at: row.time("created_at").map_err(col())?,
        updated_at: row.time("updated_at").map_err(col())?,
    })
}

fn delivery(row: &impl ReadRow) -> Result<Delivery, DomainError> {
    let col = || storage("reading a delivery");
    let event_type: EventType = row
        .text("event_type")
        .map_err(col())?
        .parse()
        .map_err(|e| corrupt("delivery event type", e))?;
    Ok(Delivery {
        id: row.uuid("id").map_err(col())?.into(),
        org_id: row.uuid("organization_id").map_err(col())?.into(),
        webhook_id: row.uuid("webhook_id").map_err(col())?.into(),
        event_id: row.uuid("event_id").map_err(col())?.into(),
        event_type,
        status: row
            .opt_int("status")
            .map_err(col())?
            .and_then(|s| u16::try_from(s).ok()),
        latency_ms: u64::try_from(row.int("latency_ms").map_err(col())?).unwrap_or(0),
        response_excerpt: row.text("response_excerpt").map_err(col())?,
        delivered: row.flag("delivered").map_err(col())?,
        attempted_at: row.time("attempted_at").map_err(col())?,
    })
}

impl<D: Dialect> WebhookRepository for SqlStore<D> {
    async fn get(&self, org: OrgId, id: WebhookId) -> Result<Webhook, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(WEBHOOK_COLUMNS)
            .push(" FROM webhooks WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading a webhook")
            .await?
            .ok_or(DomainError::not_found("webhook"))
            .and_then(|row| webhook(&row))
    }

    async fn list(&self, org: OrgId) -> Result<Vec<Webhook>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(WEBHOOK_COLUMNS)
            .push(" FROM webhooks WHERE organization_id = ")
            .push_bind(org)
            .push(" ORDER BY id");
        let rows = self.fetch_all(sql, "listing webhooks").await?;
        rows.iter().map(webhook).collect()
    }

    async fn deliveries(
        &self,
        org: OrgId,
        id: WebhookId,
        page: PageRequest,
    ) -> Result<Page<Delivery>, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(DELIVERY_COLUMNS)
            .push(" FROM webhook_deliveries WHERE organization_id = ")
            .push_bind(org)
            .push(" AND webhook_id = ")
            .push_bind(id);
        push_page(
            &mut sql,
            "id",
            "organization_id DESC, webhook_id DESC, id DESC",
            page,
        );
        let rows = self.fetch_all(sql, "listing deliveries").await?;
        let deliveries = rows.iter().map(delivery).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetched(deliveries, page.limit, |d| {
            d.id.as_uuid()
        }))
    }

    async fn delivery(
        &self,
        org: OrgId,
        webhook: WebhookId,
        id: DeliveryId,
    ) -> Result<Delivery, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(DELIVERY_COLUMNS)
            .push(" FROM webhook_deliveries WHERE organization_id = ")
            .push_bind(org)
            .push(" AND webhook_id = ")
            .push_bind(webhook)
            .push(" AND id = ")
            .push_bind(id);
        self.fetch_optional(sql, "reading a delivery")
            .await?
            .ok_or(DomainError::not_found("delivery"))
            .and_then(|row| delivery(&row))
    }

    async fn record_delivery(&self, delivery: &Delivery) -> Result<u32, DomainError> {
        let context = "recording a delivery";
        let mut conn = self.writer.acquire().await.map_err(storage(context))?;
        let insert = Sql::new(
            "INSERT INTO webhook_deliveries (id, organization_id, webhook_id, event_id, \
             event_type, status, latency_ms, response_excerpt, delivered, attempted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(delivery.id)
        .bind(delivery.org_id)
        .bind(delivery.webhook_id)
        .bind(delivery.event_id)
        .bind(delivery.event_type.as_str())
        .bind(delivery.status.map(i64::from))
        .bind(i64::try_from(delivery.latency_ms).unwrap_or(i64::MAX))
        .bind(delivery.response_excerpt.as_str())
        .bind(delivery.delivered)
        .bind(delivery.attempted_at);
        D::Db::execute(&mut conn, insert)
            .await
            .map_err(storage(context))?;
        let count = Sql::new(
            "UPDATE webhooks SET failures = CASE WHEN $1 THEN 0 ELSE failures + 1 END \
             WHERE organization_id = $2 AND id = $3 RETURNING failures",
        )
        .bind(delivery.delivered)
        .bind(delivery.org_id)
        .bind(delivery.webhook_id);
        let row = D::Db::fetch_optional(&mut conn, count)
            .await
            .map_err(storage(context))?;
        let failures = match row {
            Some(row) => row.int("failures").map_err(storage(context))?,
            None => 0,
        };
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }
}

/// The writes of webhooks, called by the unit of work's trait methods.
impl<D: Dialect> SqlUnitOfWork<D> {
    pub(crate) async fn insert_webhook_row(
        &mut self,
        webhook: &Webhook,
    ) -> Result<(), DomainError> {
        let sql = Sql::new(
            "INSERT INTO webhooks (id, organization_id, url, events, secret, active, \
             disabled_reason, failures, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(webhook.id)
        .bind(webhook.org_id)
        .bind(webhook.url.as_str())
        .bind(events_column(&webhook.events))
        .bind(webhook.secret.as_str())
        .bind(webhook.active)
        .bind(webhook.disabled_reason.clone())
        .bind(i64::from(webhook.failures))
        .bind(webhook.created_by)
        .bind(webhook.created_at)
        .bind(webhook.updated_at);
        D::Db::execute(self.conn().await?, sql)
            .await
            .map_err(storage("storing a webhook"))
    }

    pub(crate) async fn locked_webhook(
        &mut self,
        org: OrgId,
        id: WebhookId,
    ) -> Result<Webhook, DomainError> {
        let mut sql = Sql::new("SELECT ");
        sql.push(WEBHOOK_COLUMNS)
            .push(" FROM webhooks WHERE organization_id = ")
            .push_bind(org)
            .push(" AND id = ")
            .push_bind(id)
            .push(D::LOCK_ROWS);
        D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(storage("locking a webhook"))?
            .ok_or(DomainError::not_found("webhook"))
            .and_then(|row| webhook(&row))
    }

    pub(crate) async fn save_webhook_row(&mut self, webhook: &Webhook) -> Result<(), DomainError> {
        let sql = Sql::new(
            "UPDATE webhooks SET url = $1, events = $2, active = $3, disabled_reason = $4, \
             failures = $5, updated_at = $6 WHERE organization_id = $7 AND id = $8 RETURNING id",
        )
        .bind(webhook.url.as_str())
        .bind(events_column(&webhook.events))
        .bind(webhook.active)
        .bind(webhook.disabled_reason.clone())
        .bind(i64::from(webhook.failures))
        .bind(webhook.updated_at)
        .bind(webhook.org_id)
        .bind(webhook.id);
        D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(storage("saving a webhook"))?
            .map(drop)
            .ok_or(DomainError::not_found("webhook"))
    }

    pub(crate) async fn delete_webhook_row(
        &mut self,
        org: OrgId,
        id: WebhookId,
    ) -> Result<(), DomainError> {
        let deliveries = Sql::new(
            "DELETE FROM webhook_deliveries WHERE organization_id = $1 AND webhook_id = $2",
        )
        .bind(org)
        .bind(id);
        D::Db::execute(self.conn().await?, deliveries)
            .await
            .map_err(storage("removing deliveries"))?;
        let sql =
            Sql::new("DELETE FROM webhooks WHERE organization_id = $1 AND id = $2 RETURNING id")
                .bind(org)
                .bind(id);
        D::Db::fetch_optional(self.conn().await?, sql)
            .await
            .map_err(storage("removing a webhook"))?
            .map(drop)
            .ok_or(DomainError::not_found("webhook"))
    }
}
