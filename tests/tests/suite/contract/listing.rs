//! Lead listings (filters, search, pages) and the statistics over live leads.

use chrono::TimeDelta;
use djcrm_domain::LeadStatus::{Contacted, Converted, Lost, Qualified};
use djcrm_domain::ports::{LeadRepository, Store, UnitOfWork};
use djcrm_domain::{
    AgentId, LeadEdit, LeadFilter, LeadId, LeadStatus, PageRequest, PipelineCounts, SearchQuery,
};

use super::fixtures::{
    email, lead, matching, moved, name, now, page, save, search, stored, stored_agent,
    stored_category, stored_lead, tenant,
};

pub async fn leads_list_newest_first_each_once_across_pages<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut created = Vec::new();
    for i in 0..12 {
        created.push(stored_lead(&store, &acme, &format!("Lead{i:02}")).await.id);
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut request = page(5);
    loop {
        let listed = store
            .leads()
            .list(acme.org, &LeadFilter::default(), request)
            .await
            .expect("a page");
        seen.extend(listed.items.iter().map(|l| l.id));
        match listed.next_cursor {
            Some(cursor) => {
                request = PageRequest {
                    after: Some(cursor),
                    ..request
                };
            }
            None => break,
        }
    }
    assert_eq!(seen, created);
}

pub async fn another_tenants_leads_are_not_listed<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    stored_lead(&store, &globex, "Foreign").await;
    assert_eq!(
        matching(&store, acme.org, LeadFilter::default()).await,
        vec![ada.id]
    );
}

pub async fn a_status_filter_lists_only_leads_in_that_status<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored_lead(&store, &acme, "Ada").await;
    let bob = stored_lead(&store, &acme, "Bob").await;
    let bob = moved(&store, bob, &[Contacted]).await;
    let filter = LeadFilter {
        status: Some(Contacted),
        ..LeadFilter::default()
    };
    assert_eq!(matching(&store, acme.org, filter).await, vec![bob.id]);
}

pub async fn an_agent_filter_lists_only_that_agents_leads<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let bert = stored_agent(&store, acme.org, "bert@acme.test").await;
    let assigned = |first: &str, agent: Option<AgentId>| {
        let mut l = lead(acme.org, first);
        l.agent_id = agent;
        l
    };
    let ada = stored(&store, &acme, assigned("Ada", Some(alice.id))).await;
    stored(&store, &acme, assigned("Bob", Some(bert.id))).await;
    stored(&store, &acme, assigned("Cid", None)).await;
    let filter = LeadFilter {
        agent_id: Some(alice.id),
        ..LeadFilter::default()
    };
    assert_eq!(matching(&store, acme.org, filter).await, vec![ada.id]);
}

pub async fn a_category_filter_lists_only_that_categorys_leads<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mail = stored_category(&store, acme.org, "Mail").await;
    let mut ada = lead(acme.org, "Ada");
    ada.category_id = Some(web.id);
    let ada = stored(&store, &acme, ada).await;
    let mut bob = lead(acme.org, "Bob");
    bob.category_id = Some(mail.id);
    stored(&store, &acme, bob).await;
    stored_lead(&store, &acme, "Cid").await;
    let filter = LeadFilter {
        category_id: Some(web.id),
        ..LeadFilter::default()
    };
    assert_eq!(matching(&store, acme.org, filter).await, vec![ada.id]);
}

/// Every condition given must hold at once.
pub async fn filters_combine<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let assigned = |first: &str| {
        let mut l = lead(acme.org, first);
        l.agent_id = Some(alice.id);
        l
    };
    stored(&store, &acme, assigned("Ann")).await;
    let anton = stored(&store, &acme, assigned("Anton")).await;
    let anton = moved(&store, anton, &[Contacted]).await;
    let bob = stored(&store, &acme, assigned("Bob")).await;
    moved(&store, bob, &[Contacted]).await;
    let anna = stored_lead(&store, &acme, "Anna").await;
    moved(&store, anna, &[Contacted]).await;
    let filter = LeadFilter {
        status: Some(Contacted),
        agent_id: Some(alice.id),
        query: Some(SearchQuery::parse("an").expect("valid")),
        ..LeadFilter::default()
    };
    assert_eq!(matching(&store, acme.org, filter).await, vec![anton.id]);
}

pub async fn q_matches_within_first_names_ignoring_case<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let adalbert = stored_lead(&store, &acme, "Adalbert").await;
    stored_lead(&store, &acme, "Bob").await;
    assert_eq!(search(&store, acme.org, "DALB").await, vec![adalbert.id]);
}

pub async fn q_matches_within_last_names_ignoring_case<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = lead(acme.org, "Ada");
    ada.last_name = name("Lovelace");
    let ada = stored(&store, &acme, ada).await;
    stored_lead(&store, &acme, "Bob").await;
    assert_eq!(search(&store, acme.org, "veLA").await, vec![ada.id]);
}

pub async fn q_matches_within_emails_ignoring_case<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = lead(acme.org, "Ada");
    ada.email = Some(email("ada@analytical.example"));
    let ada = stored(&store, &acme, ada).await;
    stored_lead(&store, &acme, "Bob").await;
    assert_eq!(
        search(&store, acme.org, "ANALYTICAL.EX").await,
        vec![ada.id]
    );
}

pub async fn q_matching_nothing_lists_nothing<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored_lead(&store, &acme, "Ada").await;
    assert!(search(&store, acme.org, "zzz").await.is_empty());
}

/// Only the tenant's leads are searched, however well another tenant's match.
pub async fn q_never_matches_another_tenants_leads<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_lead(&store, &globex, "Adalbert").await;
    assert!(search(&store, acme.org, "adalbert").await.is_empty());
}

/// Stores a lead for each first name; searches `q`; the first names found.
async fn found_by<S: Store>(store: &S, names: &[&str], q: &str) -> Vec<String> {
    let acme = tenant(store, "Acme").await;
    let mut by_id: Vec<(LeadId, String)> = Vec::new();
    for &first in names {
        let stored = stored_lead(store, &acme, first).await;
        by_id.push((stored.id, stored.first_name.as_str().to_owned()));
    }
    let found = search(store, acme.org, q).await;
    by_id
        .into_iter()
        .filter(|(id, _)| found.contains(id))
        .map(|(_, first)| first)
        .collect()
}

pub async fn an_underscore_in_q_matches_only_an_underscore<S: Store>(store: S) {
    let found = found_by(&store, &["Anna_Lee", "AnnaXLee"], "a_l").await;
    assert_eq!(found, vec!["Anna_Lee"]);
}

pub async fn a_percent_sign_in_q_matches_only_a_percent_sign<S: Store>(store: S) {
    let found = found_by(&store, &["Fifty%Off", "FiftyPercentOff"], "y%o").await;
    assert_eq!(found, vec!["Fifty%Off"]);
}

pub async fn a_star_in_q_matches_only_a_star<S: Store>(store: S) {
    let found = found_by(&store, &["Star*Lord", "StarLord"], "r*l").await;
    assert_eq!(found, vec!["Star*Lord"]);
}

pub async fn a_question_mark_in_q_matches_only_a_question_mark<S: Store>(store: S) {
    let found = found_by(&store, &["Why?Not", "WhyXNot"], "y?n").await;
    assert_eq!(found, vec!["Why?Not"]);
}

pub async fn a_backslash_in_q_matches_only_a_backslash<S: Store>(store: S) {
    let found = found_by(&store, &[r"Back\Slash", "BackSlash"], r"k\s").await;
    assert_eq!(found, vec![r"Back\Slash"]);
}

/// Search reads what is stored now: an edited name is found under its new text
/// and no longer under its old one.
pub async fn q_follows_edits<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = stored_lead(&store, &acme, "Ada").await;
    let base = ada.version();
    ada.edit(
        LeadEdit {
            first_name: Some(name("Zebedee")),
            ..LeadEdit::default()
        },
        now(),
    );
    save(&store, &ada, base).await;
    let found = (
        search(&store, acme.org, "zebed").await,
        search(&store, acme.org, "ada").await,
    );
    assert_eq!(found, (vec![ada.id], vec![]));
}

pub async fn pipeline_counts_count_live_leads_per_status<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let journeys: [&[LeadStatus]; 7] = [
        &[],
        &[],
        &[Contacted],
        &[Contacted, Qualified],
        &[Contacted, Qualified, Converted],
        &[Lost],
        &[Contacted, Lost],
    ];
    for (i, journey) in journeys.into_iter().enumerate() {
        let l = stored_lead(&store, &acme, &format!("Lead{i}")).await;
        moved(&store, l, journey).await;
    }
    let counts = store
        .leads()
        .pipeline_counts(acme.org)
        .await
        .expect("counts");
    let expected = PipelineCounts {
        new: 2,
        contacted: 1,
        qualified: 1,
        converted: 1,
        lost: 2,
    };
    assert_eq!(counts, expected);
}

pub async fn another_tenants_leads_are_not_counted<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_lead(&store, &globex, "Foreign").await;
    let counts = store
        .leads()
        .pipeline_counts(acme.org)
        .await
        .expect("counts");
    assert_eq!(counts, PipelineCounts::default());
}

/// Assigned: every live lead of the agent; contacted: those ever contacted (a lead
/// lost after contact counts, one lost before does not); converted: customers.
pub async fn agent_performance_counts_assigned_contacted_and_converted<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let journeys: [&[LeadStatus]; 5] = [
        &[],
        &[Contacted],
        &[Contacted, Qualified, Converted],
        &[Contacted, Lost],
        &[Lost],
    ];
    for (i, journey) in journeys.into_iter().enumerate() {
        let mut l = lead(acme.org, &format!("Lead{i}"));
        l.agent_id = Some(alice.id);
        let l = stored(&store, &acme, l).await;
        moved(&store, l, journey).await;
    }
    let performance = store
        .leads()
        .agent_performance(acme.org, None)
        .await
        .expect("performance");
    let counts: Vec<_> = performance
        .iter()
        .map(|p| (p.agent_id, p.assigned, p.contacted, p.converted))
        .collect();
    assert_eq!(counts, vec![(alice.id, 5, 3, 1)]);
}

pub async fn agent_performance_averages_seconds_to_first_contact<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    for (first, seconds) in [("Ada", 60), ("Bob", 120)] {
        let mut l = lead(acme.org, first);
        l.agent_id = Some(alice.id);
        let mut l = stored(&store, &acme, l).await;
        let base = l.version();
        let contacted_at = l.created_at + TimeDelta::seconds(seconds);
        l.transition(Contacted, contacted_at)
            .expect("an allowed move");
        save(&store, &l, base).await;
    }
    // Never contacted: no part of the average.
    let mut cid = lead(acme.org, "Cid");
    cid.agent_id = Some(alice.id);
    stored(&store, &acme, cid).await;
    let performance = store
        .leads()
        .agent_performance(acme.org, Some(alice.id))
        .await
        .expect("performance");
    let average = performance
        .first()
        .and_then(|p| p.avg_seconds_to_first_contact)
        .expect("an average");
    assert!((average - 90.0).abs() < 1e-6, "{average}");
}

pub async fn agent_performance_includes_agents_without_leads<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let idle = stored_agent(&store, acme.org, "idle@acme.test").await;
    let performance = store
        .leads()
        .agent_performance(acme.org, None)
        .await
        .expect("performance");
    let rows: Vec<_> = performance
        .iter()
        .map(|p| {
            (
                p.agent_id,
                p.assigned,
                p.contacted,
                p.converted,
                p.avg_seconds_to_first_contact,
            )
        })
        .collect();
    assert_eq!(rows, vec![(idle.id, 0, 0, 0, None)]);
}

pub async fn agent_performance_is_ordered_by_agent_id<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut agents = Vec::new();
    for i in 0..4 {
        agents.push(
            stored_agent(&store, acme.org, &format!("agent{i}@acme.test"))
                .await
                .id,
        );
    }
    agents.sort();
    let performance = store
        .leads()
        .agent_performance(acme.org, None)
        .await
        .expect("performance");
    let order: Vec<AgentId> = performance.iter().map(|p| p.agent_id).collect();
    assert_eq!(order, agents);
}

pub async fn agent_performance_of_one_agent_is_that_agent_alone<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    stored_agent(&store, acme.org, "alice@acme.test").await;
    let bert = stored_agent(&store, acme.org, "bert@acme.test").await;
    let performance = store
        .leads()
        .agent_performance(acme.org, Some(bert.id))
        .await
        .expect("performance");
    let order: Vec<AgentId> = performance.iter().map(|p| p.agent_id).collect();
    assert_eq!(order, vec![bert.id]);
}

pub async fn another_tenants_agents_have_no_performance<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    stored_agent(&store, acme.org, "alice@acme.test").await;
    let performance = store
        .leads()
        .agent_performance(globex.org, None)
        .await
        .expect("performance");
    assert!(performance.is_empty(), "{performance:?}");
}

/// More leads than an organization the SQLite store searches by scanning (5,000):
/// there the search goes through the trigram index, and must find the same.
const LARGE: usize = 5_001;

async fn large_tenant<S: Store>(store: &S) -> (super::fixtures::Tenant, Vec<LeadId>) {
    let acme = tenant(store, "Acme").await;
    let mut ids = Vec::with_capacity(LARGE);
    let mut uow = store.begin().await.expect("begin");
    for i in 0..LARGE {
        let mut lead = lead(acme.org, &format!("Lead{i}"));
        lead.email = Some(email(&format!("lead{i}@example.com")));
        uow.insert_lead(&lead).await.expect("a lead");
        ids.push(lead.id);
    }
    uow.commit().await.expect("commit");
    (acme, ids)
}

pub async fn q_finds_a_lead_in_a_large_organization<S: Store>(store: S) {
    let (acme, ids) = large_tenant(&store).await;
    assert_eq!(
        search(&store, acme.org, "LEAD4999@example").await,
        [ids[4999]]
    );
}

pub async fn q_matching_many_in_a_large_organization_lists_newest_first<S: Store>(store: S) {
    let (acme, ids) = large_tenant(&store).await;
    let newest: Vec<LeadId> = ids.iter().rev().take(100).copied().collect();
    assert_eq!(search(&store, acme.org, "example.com").await, newest);
}

pub async fn glob_characters_in_q_match_literally_in_a_large_organization<S: Store>(store: S) {
    let (acme, _) = large_tenant(&store).await;
    assert!(search(&store, acme.org, "lead*@").await.is_empty());
    assert!(search(&store, acme.org, "lead[1]").await.is_empty());
}
