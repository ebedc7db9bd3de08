//! The organization's recent activity: history entries across its leads, newest
//! first, each with the lead's name.

use djcrm_domain::ports::{ActivityRepository, Store};
use djcrm_domain::{ActivityKind, Limit, RecentActivity};

use super::fixtures::{lead, stored, stored_agent, stored_lead, tenant};

fn limit(n: i64) -> Limit {
    Limit::new(n).expect("a valid limit")
}

fn lead_names(recent: &[RecentActivity]) -> Vec<&str> {
    recent.iter().map(|r| r.lead_name.as_str()).collect()
}

pub async fn recent_activity_is_newest_first_with_lead_and_actor_names<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored_lead(&store, &acme, "Ada").await;
    stored_lead(&store, &acme, "Grace").await;
    let recent = store
        .activities()
        .recent(acme.org, None, limit(10))
        .await
        .expect("recent activity");
    assert_eq!(lead_names(&recent), ["Grace Tester", "Ada Tester"]);
    assert!(
        recent
            .iter()
            .all(|r| r.entry.activity.kind == ActivityKind::Created
                && r.entry.actor_name.as_ref() == Some(&acme.owner.full_name))
    );
}

pub async fn recent_activity_stops_at_the_limit<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    for first in ["Ada", "Grace", "Hedy"] {
        stored_lead(&store, &acme, first).await;
    }
    let recent = store
        .activities()
        .recent(acme.org, None, limit(2))
        .await
        .expect("recent activity");
    assert_eq!(lead_names(&recent), ["Hedy Tester", "Grace Tester"]);
}

pub async fn recent_activity_of_an_agent_is_of_their_leads_only<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut ada = lead(acme.org, "Ada");
    ada.agent_id = Some(alice.id);
    stored(&store, &acme, ada).await;
    stored_lead(&store, &acme, "Grace").await;
    let recent = store
        .activities()
        .recent(acme.org, Some(alice.id), limit(10))
        .await
        .expect("recent activity");
    assert_eq!(lead_names(&recent), ["Ada Tester"]);
}

pub async fn another_tenants_activity_is_not_recent<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_lead(&store, &acme, "Ada").await;
    let recent = store
        .activities()
        .recent(globex.org, None, limit(10))
        .await
        .expect("recent activity");
    assert!(recent.is_empty());
}
