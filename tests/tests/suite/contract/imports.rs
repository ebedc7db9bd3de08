//! Imports: their records, the bulk writes of their leads, duplicates by email,
//! refused rows, uploaded files and the revert of a batch.

use djcrm_domain::ports::{
    ActivityRepository, ImportRepository, LeadRepository, Store, UnitOfWork,
};
use djcrm_domain::{
    ActivityKind, Duplicates, Import, ImportCounts, ImportId, ImportOrigin, ImportState, Lead,
    LeadStatus, Problem, Rejection,
};

use super::fixtures::{Tenant, assert_not_found, email, lead, now, page, stored_lead, tenant};

fn new_import(t: &Tenant) -> Import {
    Import {
        id: ImportId::new(),
        org_id: t.org,
        requested_by: Some(t.owner.id),
        origin: ImportOrigin::Upload,
        file_name: "leads.csv".to_owned(),
        size_bytes: 42,
        mapping: vec![(
            "Given name".to_owned(),
            djcrm_domain::ImportColumn::FirstName,
        )],
        duplicates: Duplicates::Update,
        state: ImportState::Queued,
        counts: ImportCounts::default(),
        error: None,
        created_at: now(),
        updated_at: now(),
        finished_at: None,
    }
}

async fn stored_import<S: Store>(store: &S, t: &Tenant) -> Import {
    let import = new_import(t);
    let mut uow = store.begin().await.expect("begin");
    uow.insert_import(&import).await.expect("an import");
    uow.commit().await.expect("commit");
    import
}

/// Leads `names` of the tenant, stored as `import`'s.
async fn imported<S: Store>(store: &S, t: &Tenant, import: &Import, names: &[&str]) -> Vec<Lead> {
    let leads: Vec<Lead> = names
        .iter()
        .map(|n| {
            let mut lead = lead(t.org, n).with_imported_status(LeadStatus::Qualified);
            lead.email = Some(email(&format!("{}@leads.test", n.to_lowercase())));
            lead
        })
        .collect();
    let mut uow = store.begin().await.expect("begin");
    uow.insert_imported_leads(import.id, &leads)
        .await
        .expect("imported leads");
    uow.commit().await.expect("commit");
    leads
}

pub async fn an_import_reads_back_as_written<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let import = stored_import(&store, &acme).await;
    let read = store
        .imports()
        .get(acme.org, import.id)
        .await
        .expect("read");
    assert_eq!(read, import);
}

pub async fn another_tenants_import_is_not_found<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let import = stored_import(&store, &acme).await;
    assert_not_found(store.imports().get(globex.org, import.id).await);
    let listed = store
        .imports()
        .list(globex.org, page(10))
        .await
        .expect("a page");
    assert!(listed.items.is_empty());
    let mut uow = store.begin().await.expect("begin");
    assert_not_found(uow.import_for_update(globex.org, import.id).await);
}

pub async fn a_saved_import_keeps_its_state_and_counts<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let mut import = stored_import(&store, &acme).await;
    let mut uow = store.begin().await.expect("begin");
    uow.import_for_update(acme.org, import.id)
        .await
        .expect("locked");
    import.state = ImportState::Failed;
    import.counts = ImportCounts {
        rows: 10,
        created: 5,
        updated: 2,
        skipped: 1,
        rejected: 2,
    };
    import.error = Some("the disk is gone".to_owned());
    import.finished_at = Some(now());
    uow.save_import(&import).await.expect("saved");
    uow.commit().await.expect("commit");
    let read = store
        .imports()
        .get(acme.org, import.id)
        .await
        .expect("read");
    assert_eq!(read, import);
}

pub async fn imported_leads_read_back_with_their_status<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let import = stored_import(&store, &acme).await;
    let leads = imported(&store, &acme, &import, &["Ada", "Alan"]).await;
    for lead in &leads {
        let read = store.leads().get(acme.org, lead.id).await.expect("read");
        assert_eq!(&read, lead);
    }
}

pub async fn duplicates_are_the_live_leads_with_those_emails_in_the_organization<S: Store>(
    store: S,
) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let import = stored_import(&store, &acme).await;
    let leads = imported(&store, &acme, &import, &["Ada", "Alan", "Grace"]).await;
    let other = stored_import(&store, &globex).await;
    imported(&store, &globex, &other, &["Ada"]).await;
    let mut uow = store.begin().await.expect("begin");
    let crossed = uow
        .revert_import(acme.org, other.id, None, now())
        .await
        .expect("reverted");
    assert_eq!(
        crossed, 0,
        "another tenant's import names none of this one's leads"
    );
    let found = uow
        .leads_by_email_for_update(
            acme.org,
            &[
                email("ada@leads.test"),
                email("grace@leads.test"),
                email("nobody@leads.test"),
            ],
        )
        .await
        .expect("found");
    let ids: Vec<_> = found.iter().map(|l| l.id).collect();
    assert_eq!(ids, vec![leads[0].id, leads[2].id]);
}

pub async fn a_revert_deletes_exactly_the_imports_live_leads_with_history<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let before = stored_lead(&store, &acme, "Before").await;
    let first = stored_import(&store, &acme).await;
    let kept = imported(&store, &acme, &first, &["Kept"]).await;
    let second = stored_import(&store, &acme).await;
    let gone = imported(&store, &acme, &second, &["Ada", "Alan"]).await;
    let mut uow = store.begin().await.expect("begin");
    let deleted = uow
        .revert_import(acme.org, second.id, None, now())
        .await
        .expect("reverted");
    uow.commit().await.expect("commit");
    assert_eq!(deleted, 2);
    for lead in &gone {
        assert_not_found(store.leads().get(acme.org, lead.id).await);
        let history = store
            .activities()
            .list_for_lead(acme.org, lead.id, page(10))
            .await
            .expect("history");
        let entry = &history.items[0];
        assert_eq!(entry.activity.kind, ActivityKind::Deleted);
        assert_eq!(
            (entry.activity.actor_id, entry.actor_name.clone()),
            (None, None)
        );
    }
    store.leads().get(acme.org, before.id).await.expect("kept");
    store.leads().get(acme.org, kept[0].id).await.expect("kept");
    let mut uow = store.begin().await.expect("begin");
    let again = uow
        .revert_import(acme.org, second.id, None, now())
        .await
        .expect("reverted");
    assert_eq!(again, 0, "nothing live is left of it");
}

pub async fn rejections_read_back_in_line_order_from_a_line<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let import = stored_import(&store, &acme).await;
    let rejection = |line: u64| Rejection {
        line,
        problems: vec![
            Problem {
                column: Some("email".to_owned()),
                reason: "is not a valid email address".to_owned(),
            },
            Problem {
                column: None,
                reason: "the row has 3 fields where the header has 4".to_owned(),
            },
        ],
    };
    let mut uow = store.begin().await.expect("begin");
    uow.insert_rejections(
        acme.org,
        import.id,
        &[rejection(7), rejection(3), rejection(12)],
    )
    .await
    .expect("stored");
    uow.commit().await.expect("commit");
    let all = store
        .imports()
        .rejections(acme.org, import.id, 0, 10)
        .await
        .expect("read");
    assert_eq!(all, vec![rejection(3), rejection(7), rejection(12)]);
    let after = store
        .imports()
        .rejections(acme.org, import.id, 3, 1)
        .await
        .expect("read");
    assert_eq!(after, vec![rejection(7)]);
}

pub async fn an_uploaded_file_reads_back_part_by_part_until_deleted<S: Store>(store: S) {
    let acme = tenant(&store, "Acme").await;
    let globex = tenant(&store, "Globex").await;
    let import = stored_import(&store, &acme).await;
    let mut uow = store.begin().await.expect("begin");
    uow.insert_upload_part(acme.org, import.id, 0, b"first_name,last_name\n")
        .await
        .expect("a part");
    uow.insert_upload_part(acme.org, import.id, 1, b"Ada,\xff\n")
        .await
        .expect("a part");
    uow.commit().await.expect("commit");
    let imports = store.imports();
    let part = |org, n| imports.upload_part(org, import.id, n);
    assert_eq!(
        part(acme.org, 1).await.expect("read"),
        Some(b"Ada,\xff\n".to_vec())
    );
    assert_eq!(part(acme.org, 2).await.expect("read"), None);
    assert_eq!(part(globex.org, 0).await.expect("read"), None);
    let mut uow = store.begin().await.expect("begin");
    uow.delete_upload(acme.org, import.id)
        .await
        .expect("deleted");
    uow.commit().await.expect("commit");
    assert_eq!(part(acme.org, 0).await.expect("read"), None);
}
