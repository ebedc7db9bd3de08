//! Retention: counting, or removing in one transaction, what is past its time.

use djcrm_domain::DomainError;
use djcrm_domain::ports::{Cutoffs, Purged, Retention};

use crate::engine::{Param, ReadRow, Sql, SqlDatabase};
use crate::error::storage;
use crate::{Dialect, SqlStore};

/// One kind of record: its table and the condition that selects what goes.
struct Rule {
    table: &'static str,
    condition: &'static str,
    params: Vec<Param>,
}

fn rules(c: &Cutoffs, relay_cursor: i64) -> Vec<Rule> {
    let at = |t| Param::from(t);
    vec![
        Rule {
            table: "api_tokens",
            condition: "expires_at < $1",
            params: vec![at(c.tokens_expired_before)],
        },
        Rule {
            table: "invitations",
            condition: "(accepted_at < $1 OR revoked_at < $1 OR expires_at < $1)",
            params: vec![at(c.invitations_closed_before)],
        },
        Rule {
            table: "password_resets",
            condition: "expires_at < $1",
            params: vec![at(c.resets_expired_before)],
        },
        Rule {
            table: "idempotency_keys",
            condition: "created_at < $1",
            params: vec![at(c.idempotency_before)],
        },
        // History first: it references the leads.
        Rule {
            table: "activities",
            condition: "(organization_id, lead_id) IN (SELECT organization_id, id FROM leads \
                 WHERE deleted_at < $1)",
            params: vec![at(c.leads_deleted_before)],
        },
        Rule {
            table: "leads",
            condition: "deleted_at < $1",
            params: vec![at(c.leads_deleted_before)],
        },
        Rule {
            table: "sealed_secrets",
            condition: "event_id IN (SELECT id FROM outbox WHERE occurred_at < $1 AND position <= $2)",
            params: vec![at(c.events_before), Param::from(relay_cursor)],
        },
        Rule {
            table: "outbox",
            condition: "occurred_at < $1 AND position <= $2",
            params: vec![at(c.events_before), Param::from(relay_cursor)],
        },
        Rule {
            table: "job_runs",
            condition: "state = 'done' AND finished_at < $1",
            params: vec![at(c.jobs_before)],
        },
        Rule {
            table: "webhook_deliveries",
            condition: "attempted_at < $1",
            params: vec![at(c.jobs_before)],
        },
    ]
}

fn tally(purged: &mut Purged, table: &str, n: u64) {
    let slot = match table {
        "api_tokens" => &mut purged.tokens,
        "invitations" => &mut purged.invitations,
        "password_resets" => &mut purged.password_resets,
        "idempotency_keys" => &mut purged.idempotency_keys,
        "activities" => &mut purged.activities,
        "leads" => &mut purged.leads,
        "outbox" => &mut purged.events,
        "job_runs" => &mut purged.job_runs,
        "webhook_deliveries" => &mut purged.deliveries,
        _ => return,
    };
    *slot += n;
}

fn statement(prefix: &str, rule: &Rule) -> Sql {
    let mut sql = Sql::new(&format!("{prefix} {} WHERE {}", rule.table, rule.condition));
    for param in &rule.params {
        sql = sql.bind(param.clone());
    }
    sql
}

impl<D: Dialect> Retention for SqlStore<D> {
    async fn purge(
        &self,
        cutoffs: Cutoffs,
        relay_cursor: i64,
        dry_run: bool,
    ) -> Result<Purged, DomainError> {
        let context = "purging";
        let mut purged = Purged::default();
        let mut tx = self.writer.begin().await.map_err(storage(context))?;
        for rule in rules(&cutoffs, relay_cursor) {
            let count = statement("SELECT COUNT(*) AS n FROM", &rule);
            let n = D::Db::fetch_optional(&mut tx, count)
                .await
                .map_err(storage(context))?
                .map(|row| row.int("n"))
                .transpose()
                .map_err(storage(context))?
                .unwrap_or(0);
            tally(&mut purged, rule.table, u64::try_from(n).unwrap_or(0));
            if !dry_run && n > 0 {
                D::Db::execute(&mut tx, statement("DELETE FROM", &rule))
                    .await
                    .map_err(storage(context))?;
            }
        }
        if dry_run {
            tx.rollback().await.map_err(storage(context))?;
        } else {
            tx.commit().await.map_err(storage(context))?;
        }
        Ok(purged)
    }
}
