//! Leads: reading and saving them at a version, deleting them, their history, and
//! what a unit of work promises (all of it at commit, none of it when dropped).

use djcrm_domain::ports::{ActivityRepository, EventLog, LeadRepository, Store, UnitOfWork};
use djcrm_domain::{
    ActivityKind, CategoryId, Description, FeedQuery, LeadEdit, LeadField, LeadFilter, LeadId,
    LeadStatus, PhoneNumber, UserId,
};

use super::fixtures::{
    activity, assert_conflict_on, assert_not_found, assert_precondition_failed, created, deleted,
    email, history_kinds, lead, matching, name, new_leads, now, page, save, stored, stored_agent,
    stored_category, stored_lead, stored_leads, tenant,
};

pub async fn a_lead_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut ada = lead(acme.org, "Ada");
    ada.last_name = name("Lovelace");
    ada.email = Some(email("ada@example.com"));
    ada.phone = Some(PhoneNumber::parse("+44 20 7946 0958").expect("a valid phone"));
    ada.description = Some(Description::parse("Met at the fair.\nWants a demo.").expect("valid"));
    ada.category_id = Some(web.id);
    ada.agent_id = Some(alice.id);
    let ada = stored(&store, &acme, ada).await;
    let read = store.leads().get(acme.org, ada.id).await.expect("stored");
    assert_eq!(read, ada);
}

pub async fn an_unknown_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    assert_not_found(store.leads().get(acme.org, LeadId::new()).await);
}

pub async fn another_tenants_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    assert_not_found(store.leads().get(globex.org, ada.id).await);
}

/// Forty leads of two tenants, read three times each, all at once.
pub async fn leads_read_at_once_each_get_their_own<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let mut leads = Vec::new();
    for i in 0..40 {
        let owner = if i % 2 == 0 { &acme } else { &globex };
        leads.push(stored_lead(&store, owner, &format!("Lead{i:02}")).await);
    }
    let store = &store;
    let reads = leads
        .iter()
        .cycle()
        .take(120)
        .map(|lead| async move { (lead, store.leads().get(lead.org_id, lead.id).await) });
    for (lead, read) in futures::future::join_all(reads).await {
        assert_eq!(read.expect("stored"), *lead);
    }
}

/// Twenty leads of one tenant, each asked for at once by it and by another.
pub async fn leads_read_at_once_stay_hidden_from_another_tenant<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let leads = stored_leads(&store, &acme, 20).await;
    // Each lead asked for by its tenant and by the other, interleaved.
    let store = &store;
    let reads = leads
        .iter()
        .flat_map(|lead| [acme.org, globex.org].map(|org| (org, lead)));
    let reads =
        reads.map(|(org, lead)| async move { (org, lead, store.leads().get(org, lead.id).await) });
    for (org, lead, read) in futures::future::join_all(reads).await {
        if org == acme.org {
            assert_eq!(read.expect("its own lead"), *lead);
        } else {
            assert_not_found(read);
        }
    }
}

/// After a burst has come and gone, each read alone is still answered (the
/// burst's senders gave their places back).
pub async fn reads_after_a_burst_are_answered<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let leads = stored_leads(&store, &acme, 10).await;
    let store = &store;
    let burst = leads
        .iter()
        .cycle()
        .take(100)
        .map(|lead| store.leads().get(acme.org, lead.id));
    for read in futures::future::join_all(burst).await {
        read.expect("stored");
    }
    for lead in &leads {
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            store.leads().get(acme.org, lead.id),
        )
        .await
        .expect("answered, not left waiting");
        assert_eq!(read.expect("stored"), *lead);
    }
}

/// Readers that stop waiting (their client went away) leave the reads beside
/// theirs answered.
pub async fn reads_given_up_leave_the_others_answered<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let leads = stored_leads(&store, &acme, 30).await;
    let reads = leads.iter().enumerate().map(|(i, lead)| {
        let store = &store;
        async move {
            let read = store.leads().get(acme.org, lead.id);
            if i % 3 == 0 {
                let _ = tokio::time::timeout(std::time::Duration::ZERO, read).await;
                None
            } else {
                Some((lead, read.await))
            }
        }
    });
    for (lead, read) in futures::future::join_all(reads).await.into_iter().flatten() {
        assert_eq!(read.expect("stored"), *lead);
    }
}

/// Thirty leads of two tenants created at once (on PostgreSQL, those that commit
/// while others are being written share a statement): each lands with its
/// history entry and its event, in its own tenant.
pub async fn leads_created_at_once_each_land_with_their_history_and_event<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let leads = new_leads(&[&acme, &globex], 30);
    let store = &store;
    let creations = leads.iter().map(|(t, lead)| created(store, t, lead));
    let events = futures::future::join_all(creations).await;
    for ((t, lead), event) in leads.iter().zip(events) {
        let event = event.expect("created");
        assert_eq!(
            store.leads().get(t.org, lead.id).await.expect("landed"),
            *lead
        );
        let kinds = history_kinds(store, t.org, lead.id).await;
        assert_eq!(kinds, [ActivityKind::Created], "{}", lead.first_name);
        let feed = store
            .events()
            .feed(t.org, &FeedQuery::default())
            .await
            .expect("a feed");
        let found = feed.events.iter().filter(|e| e.event == event).count();
        assert_eq!(
            found, 1,
            "{}'s event, once, in its tenant's feed",
            lead.first_name
        );
    }
}

/// Among leads created at once, one naming a category that does not exist is
/// refused alone: the others land, and nothing of it does.
pub async fn a_lead_refused_among_leads_created_at_once_fails_alone<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut leads = new_leads(&[&acme], 12);
    // The last: the likeliest to queue behind the others and share their statement.
    let refused = leads.len() - 1;
    leads[refused].1.category_id = Some(CategoryId::new());
    let store = &store;
    let creations = leads.iter().map(|(t, lead)| created(store, t, lead));
    let results = futures::future::join_all(creations).await;
    for (i, ((_, lead), result)) in leads.iter().zip(results).enumerate() {
        if i == refused {
            assert_conflict_on(result, "lead");
            assert_not_found(store.leads().get(acme.org, lead.id).await);
        } else {
            result.expect("created");
            assert_eq!(
                store.leads().get(acme.org, lead.id).await.expect("landed"),
                *lead
            );
        }
    }
    let feed = store
        .events()
        .feed(acme.org, &FeedQuery::default())
        .await
        .expect("a feed");
    let subjects: Vec<LeadId> = feed
        .events
        .iter()
        .map(|e| e.event.subject_id.into())
        .collect();
    let landed: Vec<LeadId> = leads[..refused].iter().map(|(_, lead)| lead.id).collect();
    assert_eq!(
        subjects.len(),
        landed.len(),
        "one event per lead that landed"
    );
    assert!(landed.iter().all(|id| subjects.contains(id)));
}

pub async fn lead_for_update_reads_the_live_lead<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let mut uow = store.begin().await.expect("begin");
    let locked = uow.lead_for_update(acme.org, ada.id).await.expect("locked");
    assert_eq!(locked, ada);
}

pub async fn lead_for_update_of_an_unknown_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.lead_for_update(acme.org, LeadId::new()).await);
}

pub async fn lead_for_update_of_another_tenant_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.lead_for_update(globex.org, ada.id).await);
}

pub async fn lead_for_update_of_a_deleted_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = stored_lead(&store, &acme, "Ada").await;
    deleted(&store, &acme, &mut ada).await;
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.lead_for_update(acme.org, ada.id).await);
}

/// Everything the lead's methods change is saved: status, first contact, version,
/// details, and a cleared category.
pub async fn a_saved_lead_reads_back_as_saved<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let web = stored_category(&store, acme.org, "Web").await;
    let mut ada = lead(acme.org, "Ada");
    ada.category_id = Some(web.id);
    let mut ada = stored(&store, &acme, ada).await;
    let base = ada.version();
    ada.transition(LeadStatus::Contacted, now())
        .expect("an allowed move");
    ada.edit(
        LeadEdit {
            last_name: Some(name("Byron")),
            email: Some(Some(email("ada@byron.test"))),
            category_id: Some(None),
            ..LeadEdit::default()
        },
        now(),
    );
    save(&store, &ada, base).await;
    let read = store.leads().get(acme.org, ada.id).await.expect("stored");
    assert_eq!(read, ada);
}

/// Two writers read version 1; the first saves; the second, now stale, is refused
/// and its save writes nothing, even when its unit of work goes on to commit.
pub async fn a_stale_version_is_precondition_failed_and_writes_nothing<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let mut first = ada.clone();
    first.edit(
        LeadEdit {
            first_name: Some(name("First")),
            ..LeadEdit::default()
        },
        now(),
    );
    save(&store, &first, ada.version()).await;
    let mut second = ada.clone();
    second.edit(
        LeadEdit {
            first_name: Some(name("Second")),
            ..LeadEdit::default()
        },
        now(),
    );
    let mut uow = store.begin().await.expect("begin");
    assert_precondition_failed(uow.save_lead(&second, ada.version()).await);
    uow.commit().await.expect("commit");
    let read = store.leads().get(acme.org, ada.id).await.expect("stored");
    assert_eq!(read, first);
}

pub async fn saving_an_unknown_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ghost = lead(acme.org, "Ghost");
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.save_lead(&ghost, ghost.version()).await);
}

pub async fn saving_another_tenants_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let mut foreign = ada.clone();
    foreign.org_id = globex.org;
    foreign.first_name = name("Taken");
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.save_lead(&foreign, ada.version()).await);
}

pub async fn saving_a_deleted_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = stored_lead(&store, &acme, "Ada").await;
    deleted(&store, &acme, &mut ada).await;
    let base = ada.version();
    ada.first_name = name("Revived");
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.save_lead(&ada, base).await);
}

/// Deleted, a lead leaves every read, list and stat (its agent keeps no lead).
pub async fn a_deleted_lead_leaves_reads_lists_and_stats<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let mut ada = lead(acme.org, "Ada");
    ada.agent_id = Some(alice.id);
    let mut ada = stored(&store, &acme, ada).await;
    deleted(&store, &acme, &mut ada).await;
    assert_not_found(store.leads().get(acme.org, ada.id).await);
    assert!(
        matching(&store, acme.org, LeadFilter::default())
            .await
            .is_empty()
    );
    let counts = store
        .leads()
        .pipeline_counts(acme.org)
        .await
        .expect("counts");
    assert_eq!(counts.total(), 0);
    let performance = store
        .leads()
        .agent_performance(acme.org, Some(alice.id))
        .await
        .expect("performance");
    assert_eq!(performance.first().map(|p| p.assigned), Some(0));
}

pub async fn a_deleted_leads_history_stays<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = stored_lead(&store, &acme, "Ada").await;
    deleted(&store, &acme, &mut ada).await;
    let kinds = history_kinds(&store, acme.org, ada.id).await;
    assert_eq!(kinds, vec![ActivityKind::Deleted, ActivityKind::Created]);
}

pub async fn deleting_at_a_stale_version_is_precondition_failed_and_deletes_nothing<S: Store>(
    store: S,
) {
    let acme = tenant(&store, "Acme").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let mut edited = ada.clone();
    edited.edit(
        LeadEdit {
            first_name: Some(name("Edited")),
            ..LeadEdit::default()
        },
        now(),
    );
    save(&store, &edited, ada.version()).await;
    let mut gone = ada.clone();
    gone.delete(now());
    let mut uow = store.begin().await.expect("begin");
    assert_precondition_failed(uow.delete_lead(&gone, ada.version()).await);
    uow.commit().await.expect("commit");
    let read = store
        .leads()
        .get(acme.org, ada.id)
        .await
        .expect("still live");
    assert_eq!(read, edited);
}

pub async fn deleting_an_unknown_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ghost = lead(acme.org, "Ghost");
    let base = ghost.version();
    ghost.delete(now());
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.delete_lead(&ghost, base).await);
}

pub async fn deleting_another_tenants_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let mut foreign = ada.clone();
    foreign.org_id = globex.org;
    foreign.delete(now());
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.delete_lead(&foreign, ada.version()).await);
}

pub async fn deleting_a_deleted_lead_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut ada = stored_lead(&store, &acme, "Ada").await;
    deleted(&store, &acme, &mut ada).await;
    let base = ada.version();
    ada.delete(now());
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.delete_lead(&ada, base).await);
}

/// Every kind of history entry, with every field it carries, reads back as written,
/// newest first.
pub async fn every_activity_kind_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let alice = stored_agent(&store, acme.org, "alice@acme.test").await;
    let ada = lead(acme.org, "Ada");
    let by_owner = |kind| activity(&ada, acme.owner.id, kind);
    let mut written = vec![
        by_owner(ActivityKind::Created),
        by_owner(ActivityKind::Updated {
            fields: vec![
                LeadField::FirstName,
                LeadField::Email,
                LeadField::CategoryId,
            ],
        }),
        by_owner(ActivityKind::Assigned {
            agent_id: Some(alice.id),
        }),
        by_owner(ActivityKind::Assigned { agent_id: None }),
        by_owner(ActivityKind::StatusChanged {
            from: LeadStatus::New,
            to: LeadStatus::Contacted,
            note: Some(Description::parse("Called,\ntwice.").expect("valid")),
        }),
        by_owner(ActivityKind::StatusChanged {
            from: LeadStatus::Contacted,
            to: LeadStatus::Lost,
            note: None,
        }),
        by_owner(ActivityKind::Note {
            body: Description::parse("Prefers email; ünïcødé is fine.").expect("valid"),
        }),
        by_owner(ActivityKind::Deleted),
    ];
    let mut uow = store.begin().await.expect("begin");
    uow.insert_lead(&ada).await.expect("a lead");
    for entry in &written {
        uow.append_activity(entry).await.expect("an entry");
    }
    uow.commit().await.expect("commit");
    let history = store
        .activities()
        .list_for_lead(acme.org, ada.id, page(100))
        .await
        .expect("history");
    written.reverse();
    let read: Vec<_> = history.items.into_iter().map(|e| e.activity).collect();
    assert_eq!(read, written);
}

pub async fn history_entries_name_their_actor<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let history = store
        .activities()
        .list_for_lead(acme.org, ada.id, page(10))
        .await
        .expect("history");
    let names: Vec<_> = history.items.into_iter().map(|e| e.actor_name).collect();
    assert_eq!(names, [Some(acme.owner.full_name.clone())]);
}

pub async fn another_tenant_sees_no_history_of_a_lead<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let ada = stored_lead(&store, &acme, "Ada").await;
    let history = store
        .activities()
        .list_for_lead(globex.org, ada.id, page(10))
        .await
        .expect("history");
    assert!(history.items.is_empty(), "{:?}", history.items);
}

/// Everything written in a unit of work becomes visible at its commit.
pub async fn a_committed_unit_of_work_writes_everything<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ada = lead(acme.org, "Ada");
    let created = activity(&ada, acme.owner.id, ActivityKind::Created);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_lead(&ada).await.expect("a lead");
    uow.append_activity(&created).await.expect("its history");
    uow.commit().await.expect("commit");
    let read = store.leads().get(acme.org, ada.id).await.expect("stored");
    let history = store
        .activities()
        .list_for_lead(acme.org, ada.id, page(10))
        .await
        .expect("history");
    let entries: Vec<_> = history.items.into_iter().map(|e| e.activity).collect();
    assert_eq!((read, entries), (ada, vec![created]));
}

pub async fn a_dropped_unit_of_work_writes_nothing<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ada = lead(acme.org, "Ada");
    let mut uow = store.begin().await.expect("begin");
    uow.insert_lead(&ada).await.expect("a lead");
    uow.append_activity(&activity(&ada, acme.owner.id, ActivityKind::Created))
        .await
        .expect("its history");
    drop(uow);
    assert_not_found(store.leads().get(acme.org, ada.id).await);
}

/// A use case that fails halfway drops its unit of work: what it wrote before the
/// failure is undone with it. (A store may write a history entry as late as the
/// commit, so the failure may come from either call.)
pub async fn a_failed_write_then_a_drop_undoes_the_earlier_writes<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let ada = lead(acme.org, "Ada");
    // No such user: the entry's actor breaks a foreign key.
    let broken = activity(&ada, UserId::new(), ActivityKind::Created);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_lead(&ada).await.expect("a lead");
    let failed = match uow.append_activity(&broken).await {
        Err(_) => {
            drop(uow);
            true
        }
        Ok(()) => uow.commit().await.is_err(),
    };
    assert!(failed, "an unknown actor is refused");
    assert_not_found(store.leads().get(acme.org, ada.id).await);
}
