//! Synthetic leads with a believable past: created over the last two years, each
//! with the history the CRM would have written (its creation, then every move along
//! the pipeline to where it is now), inserted straight through a store's pool.

use chrono::{DateTime, TimeDelta, Utc};
use djcrm_adapter_postgres::PostgresStore;
use djcrm_adapter_sqlite::SqliteStore;
use djcrm_domain::{AgentId, CategoryId, LeadId, LeadStatus};
use sqlx::{QueryBuilder, Sqlite};
use uuid::{NoContext, Timestamp, Uuid};

use crate::{BoxError, Tenant};

/// How far back the oldest lead was created.
pub const HISTORY: TimeDelta = TimeDelta::days(730);

/// One synthetic lead, as columns, with its history.
pub struct SeedLead {
    pub id: LeadId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub status: LeadStatus,
    pub category_id: CategoryId,
    pub agent_id: AgentId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_contacted_at: Option<DateTime<Utc>>,
    pub seconds_to_first_contact: Option<i64>,
    pub search_text: String,
    pub history: Vec<SeedActivity>,
}

/// One history entry: the creation (no statuses) or a move.
pub struct SeedActivity {
    pub id: Uuid,
    pub kind: &'static str,
    pub from: Option<LeadStatus>,
    pub to: Option<LeadStatus>,
    pub at: DateTime<Utc>,
}

/// A time-ordered (v7) id minted at `at`, as the CRM would have minted it then.
fn id_at(at: DateTime<Utc>) -> Uuid {
    let seconds = u64::try_from(at.timestamp()).unwrap_or(0);
    Uuid::new_v7(Timestamp::from_unix(
        NoContext,
        seconds,
        at.timestamp_subsec_nanos(),
    ))
}

/// The moves that brought a new lead to `status`, each after the lead's creation.
fn path(status: LeadStatus) -> &'static [(LeadStatus, LeadStatus, TimeDelta)] {
    use LeadStatus::{Contacted, Converted, Lost, New, Qualified};
    const CONTACTED: (LeadStatus, LeadStatus, TimeDelta) = (New, Contacted, TimeDelta::minutes(30));
    const QUALIFIED: (LeadStatus, LeadStatus, TimeDelta) =
        (Contacted, Qualified, TimeDelta::days(2));
    const CONVERTED: (LeadStatus, LeadStatus, TimeDelta) =
        (Qualified, Converted, TimeDelta::days(5));
    const LOST: (LeadStatus, LeadStatus, TimeDelta) = (Contacted, Lost, TimeDelta::days(3));
    match status {
        New => &[],
        Contacted => &[CONTACTED],
        Qualified => &[CONTACTED, QUALIFIED],
        Converted => &[CONTACTED, QUALIFIED, CONVERTED],
        Lost => &[CONTACTED, LOST],
    }
}

/// Lead number `i` of `count` (0-based, oldest first), created evenly over the
/// [`HISTORY`] before `now`: statuses spread 40/20/20/10/10 %, agents and categories
/// in turn. A move that would fall after `now` happens at `now`.
#[must_use]
pub fn seed_lead(tenant: &Tenant, i: usize, count: usize, now: DateTime<Utc>) -> SeedLead {
    let status = match i % 10 {
        0..=3 => LeadStatus::New,
        4 | 5 => LeadStatus::Contacted,
        6 | 7 => LeadStatus::Qualified,
        8 => LeadStatus::Converted,
        _ => LeadStatus::Lost,
    };
    let step = HISTORY / i32::try_from(count.max(1)).unwrap_or(i32::MAX);
    let created_at = now - HISTORY + step * i32::try_from(i).unwrap_or(i32::MAX);
    let mut history = vec![SeedActivity {
        id: id_at(created_at),
        kind: "created",
        from: None,
        to: None,
        at: created_at,
    }];
    history.extend(path(status).iter().map(|&(from, to, after)| {
        let at = (created_at + after).min(now);
        SeedActivity {
            id: id_at(at),
            kind: "status_changed",
            from: Some(from),
            to: Some(to),
            at,
        }
    }));
    let updated_at = history.last().map_or(created_at, |last| last.at);
    let contacted = status
        .has_been_contacted()
        .then(|| created_at + TimeDelta::minutes(30));
    let first_name = format!("First{i}");
    let last_name = format!("Last{}", i % 1000);
    let email = format!("lead{i}@example.com");
    SeedLead {
        id: LeadId::from_uuid(id_at(created_at)),
        search_text: format!("{first_name} {last_name} {email}").to_lowercase(),
        first_name,
        last_name,
        email,
        status,
        category_id: tenant.categories[i % tenant.categories.len()],
        agent_id: tenant.agents[i % tenant.agents.len()],
        created_at,
        updated_at,
        first_contacted_at: contacted,
        seconds_to_first_contact: contacted.map(|_| 1800),
        history,
    }
}

/// Inserts `count` leads of `tenant` and their history into SQLite in large
/// batches; returns their ids, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn seed_sqlite(
    store: &SqliteStore,
    tenant: &Tenant,
    count: usize,
) -> Result<Vec<Uuid>, BoxError> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(count);
    let mut i = 0;
    while i < count {
        let mut tx = store.pool().begin().await?;
        for _ in 0..50 {
            let batch: Vec<SeedLead> = (i..(i + 1000).min(count))
                .map(|n| seed_lead(tenant, n, count, now))
                .collect();
            if batch.is_empty() {
                break;
            }
            i += batch.len();
            ids.extend(batch.iter().map(|l| l.id.as_uuid()));
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO leads (id, organization_id, first_name, last_name, email, status, category_id, \
                 agent_id, version, created_at, updated_at, first_contacted_at, seconds_to_first_contact, search_text) ",
            );
            insert.push_values(&batch, |mut row, lead| {
                row.push_bind(lead.id.as_uuid())
                    .push_bind(tenant.org.as_uuid())
                    .push_bind(&lead.first_name)
                    .push_bind(&lead.last_name)
                    .push_bind(&lead.email)
                    .push_bind(lead.status.as_str())
                    .push_bind(lead.category_id.as_uuid())
                    .push_bind(lead.agent_id.as_uuid())
                    .push_bind(i64::try_from(lead.history.len()).unwrap_or(1))
                    .push_bind(lead.created_at)
                    .push_bind(lead.updated_at)
                    .push_bind(lead.first_contacted_at)
                    .push_bind(lead.seconds_to_first_contact)
                    .push_bind(&lead.search_text);
            });
            insert.build().execute(&mut *tx).await?;
            let entries: Vec<(&SeedLead, &SeedActivity)> = batch
                .iter()
                .flat_map(|lead| lead.history.iter().map(move |entry| (lead, entry)))
                .collect();
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO activities (id, organization_id, lead_id, actor_id, kind, \
                 from_status, to_status, created_at) ",
            );
            insert.push_values(&entries, |mut row, (lead, entry)| {
                row.push_bind(entry.id)
                    .push_bind(tenant.org.as_uuid())
                    .push_bind(lead.id.as_uuid())
                    .push_bind(tenant.owner.as_uuid())
                    .push_bind(entry.kind)
                    .push_bind(entry.from.map(LeadStatus::as_str))
                    .push_bind(entry.to.map(LeadStatus::as_str))
                    .push_bind(entry.at);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(ids)
}

/// Inserts `count` leads of `tenant` and their history into PostgreSQL with
/// `UNNEST` batches; returns their ids, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn seed_postgres(
    store: &PostgresStore,
    tenant: &Tenant,
    count: usize,
) -> Result<Vec<Uuid>, BoxError> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(count);
    for start in (0..count).step_by(20_000) {
        let batch: Vec<SeedLead> = (start..(start + 20_000).min(count))
            .map(|n| seed_lead(tenant, n, count, now))
            .collect();
        ids.extend(batch.iter().map(|l| l.id.as_uuid()));
        let column = |f: &dyn Fn(&SeedLead) -> String| batch.iter().map(f).collect::<Vec<String>>();
        sqlx::query(
            "INSERT INTO leads (id, organization_id, first_name, last_name, email, status, category_id, agent_id, \
             version, created_at, updated_at, first_contacted_at, seconds_to_first_contact, search_text) \
             SELECT id, $2, first_name, last_name, email, status, category_id, agent_id, version, created_at, \
             updated_at, first_contacted_at, seconds_to_first_contact, search_text \
             FROM UNNEST($1::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::uuid[], \
             $9::bigint[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::bigint[], $14::text[]) \
             AS t(id, first_name, last_name, email, status, category_id, agent_id, version, created_at, \
             updated_at, first_contacted_at, seconds_to_first_contact, search_text)",
        )
        .bind(batch.iter().map(|l| l.id.as_uuid()).collect::<Vec<_>>())
        .bind(tenant.org.as_uuid())
        .bind(column(&|l| l.first_name.clone()))
        .bind(column(&|l| l.last_name.clone()))
        .bind(column(&|l| l.email.clone()))
        .bind(column(&|l| l.status.as_str().to_owned()))
        .bind(batch.iter().map(|l| l.category_id.as_uuid()).collect::<Vec<_>>())
        .bind(batch.iter().map(|l| l.agent_id.as_uuid()).collect::<Vec<_>>())
        .bind(
            batch
                .iter()
                .map(|l| i64::try_from(l.history.len()).unwrap_or(1))
                .collect::<Vec<_>>(),
        )
        .bind(batch.iter().map(|l| l.created_at).collect::<Vec<_>>())
        .bind(batch.iter().map(|l| l.updated_at).collect::<Vec<_>>())
        .bind(batch.iter().map(|l| l.first_contacted_at).collect::<Vec<_>>())
        .bind(batch.iter().map(|l| l.seconds_to_first_contact).collect::<Vec<_>>())
        .bind(column(&|l| l.search_text.clone()))
        .execute(store.pool())
        .await?;
        let entries: Vec<(&SeedLead, &SeedActivity)> = batch
            .iter()
            .flat_map(|lead| lead.history.iter().map(move |entry| (lead, entry)))
            .collect();
        let status = |s: Option<LeadStatus>| s.map(|s| s.as_str().to_owned());
        sqlx::query(
            "INSERT INTO activities (id, organization_id, lead_id, actor_id, kind, from_status, \
             to_status, created_at) \
             SELECT id, $2, lead_id, $3, kind, from_status, to_status, created_at \
             FROM UNNEST($1::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) \
             AS t(id, lead_id, kind, from_status, to_status, created_at)",
        )
        .bind(entries.iter().map(|(_, e)| e.id).collect::<Vec<_>>())
        .bind(tenant.org.as_uuid())
        .bind(tenant.owner.as_uuid())
        .bind(entries.iter().map(|(l, _)| l.id.as_uuid()).collect::<Vec<_>>())
        .bind(entries.iter().map(|(_, e)| e.kind.to_owned()).collect::<Vec<_>>())
        .bind(entries.iter().map(|(_, e)| status(e.from)).collect::<Vec<_>>())
        .bind(entries.iter().map(|(_, e)| status(e.to)).collect::<Vec<_>>())
        .bind(entries.iter().map(|(_, e)| e.at).collect::<Vec<_>>())
        .execute(store.pool())
        .await?;
    }
    Ok(ids)
}
