//! The pipeline's moves per day, from which the dashboard draws the pipeline over
//! time: creations at their first stage, moves, and deletions.

use chrono::TimeDelta;
use djcrm_domain::ports::{LeadRepository, Store, UnitOfWork};
use djcrm_domain::{ActivityKind, Lead, LeadStatus, PipelineFlow};

use super::fixtures::{Tenant, activity, deleted, now, save, stored_lead, tenant};

/// Moves a stored lead to `to` as the use case does: saved with its history entry.
async fn moved<S: Store>(store: &S, t: &Tenant, mut lead: Lead, to: LeadStatus) -> Lead {
    let (base, from) = (lead.version(), lead.status());
    lead.transition(to, now()).expect("an allowed move");
    save(store, &lead, base).await;
    let entry = activity(
        &lead,
        t.owner.id,
        ActivityKind::StatusChanged {
            from,
            to,
            note: None,
        },
    );
    let mut uow = store.begin().await.expect("begin");
    uow.append_activity(&entry).await.expect("its history");
    uow.commit().await.expect("commit");
    lead
}

/// The flows since yesterday, as (from, to, leads), sorted.
async fn flows<S: Store>(
    store: &S,
    t: &Tenant,
) -> Vec<(Option<LeadStatus>, Option<LeadStatus>, u64)> {
    let since = now() - TimeDelta::days(1);
    let found: Vec<PipelineFlow> = store
        .leads()
        .pipeline_flows(t.org, since)
        .await
        .expect("the pipeline's moves");
    assert!(
        found.iter().all(|f| f.day == now().date_naive()),
        "{found:?}"
    );
    let mut seen: Vec<_> = found.iter().map(|f| (f.from, f.to, f.leads)).collect();
    seen.sort_by_key(|(from, to, _)| (from.map(LeadStatus::as_str), to.map(LeadStatus::as_str)));
    seen
}

pub async fn pipeline_flows_count_creations_at_their_first_stage_and_each_move<S: Store>(store: S) {
    use LeadStatus::{Contacted, New};
    let acme = tenant(&store, "Acme").await;
    stored_lead(&store, &acme, "Ada").await;
    let grace = stored_lead(&store, &acme, "Grace").await;
    moved(&store, &acme, grace, Contacted).await;
    assert_eq!(
        flows(&store, &acme).await,
        [(None, Some(New), 2), (Some(New), Some(Contacted), 1)]
    );
}

pub async fn pipeline_flows_count_a_deletion_at_the_stage_it_left<S: Store>(store: S) {
    use LeadStatus::{Contacted, New};
    let acme = tenant(&store, "Acme").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let mut ada = moved(&store, &acme, ada, Contacted).await;
    deleted(&store, &acme, &mut ada).await;
    assert_eq!(
        flows(&store, &acme).await,
        [
            (None, Some(New), 1),
            (Some(Contacted), None, 1),
            (Some(New), Some(Contacted), 1),
        ]
    );
}

pub async fn pipeline_flows_before_since_are_left_out<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored_lead(&store, &acme, "Ada").await;
    let found = store
        .leads()
        .pipeline_flows(acme.org, now() + TimeDelta::minutes(1))
        .await
        .expect("the pipeline's moves");
    assert!(found.is_empty(), "{found:?}");
}

pub async fn another_tenants_moves_are_not_in_the_pipeline_flows<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_lead(&store, &acme, "Ada").await;
    assert!(flows(&store, &globex).await.is_empty());
}
