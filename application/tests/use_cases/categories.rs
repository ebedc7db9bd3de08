//! Category writes.

use std::sync::Arc;

use djcrm_domain::events::LeadSnapshot;
use djcrm_domain::ports::MockUnitOfWork;
use djcrm_domain::{
    ActivityKind, Category, CategoryId, CategoryName, Change, Lead, LeadField, LeadStatus, OrgId,
};
use mockall::predicate::eq;

use crate::support::{
    Captured, TestStore, all, captured, commits_once, crm, done, earlier, lead, lead_at, ok,
    organizer, push, record_activities, record_events, type_names,
};

#[tokio::test]
async fn deleting_a_category_uncategorises_each_lead_with_its_activity_and_event_then_deletes_it() {
    let org = OrgId::new();
    let actor = organizer(org);
    let id = CategoryId::new();
    let category = Category {
        id,
        org_id: org,
        name: CategoryName::parse("Web").expect("valid"),
        created_at: earlier(),
        updated_at: earlier(),
    };
    let mut first = lead(org, None);
    first.category_id = Some(id);
    let mut second = lead_at(org, LeadStatus::Contacted, 3);
    second.category_id = Some(id);
    let in_category = vec![first.clone(), second.clone()];

    let mut uow = MockUnitOfWork::new();
    uow.expect_category_for_update()
        .times(1)
        .with(eq(org), eq(id))
        .returning(move |_, _| done(Ok(category.clone())));
    uow.expect_leads_in_category_for_update()
        .times(1)
        .with(eq(org), eq(id))
        .returning(move |_, _| done(Ok(in_category.clone())));
    let saved: Captured<(Lead, i64)> = captured();
    let sink = Arc::clone(&saved);
    uow.expect_save_lead()
        .times(2)
        .returning(move |lead, expected_version| {
            push(&sink, (lead.clone(), expected_version));
            ok()
        });
    let activities = record_activities(&mut uow);
    let events = record_events(&mut uow);
    let saved_so_far = Arc::clone(&saved);
    uow.expect_delete_category()
        .times(1)
        .with(eq(org), eq(id))
        .returning(move |_, _| {
            let moved_out = saved_so_far.lock().expect("capture lock").len();
            assert_eq!(
                moved_out, 2,
                "the category is deleted after its leads left it"
            );
            ok()
        });
    commits_once(&mut uow);
    let mut store = TestStore::default();
    store.expect_unit_of_work(uow);

    crm(store)
        .delete_category(&actor, id)
        .await
        .expect("deleted");

    let saved = all(&saved);
    for ((lead, base_version), original) in saved.iter().zip([&first, &second]) {
        assert_eq!(lead.id, original.id);
        assert_eq!(lead.category_id, None);
        assert_eq!(*base_version, original.version());
        assert_eq!(lead.version(), original.version() + 1);
    }
    let updated = ActivityKind::Updated {
        fields: vec![LeadField::CategoryId],
    };
    let activities: Vec<_> = all(&activities)
        .into_iter()
        .map(|activity| (activity.lead_id, activity.actor_id, activity.kind))
        .collect();
    assert_eq!(
        activities,
        [
            (first.id, Some(actor.user_id), updated.clone()),
            (second.id, Some(actor.user_id), updated),
        ]
    );
    let events = all(&events);
    assert_eq!(
        type_names(&events),
        ["lead.updated", "lead.updated", "category.deleted"]
    );
    for (event, (lead, _)) in events.iter().zip(&saved) {
        assert_eq!(event.subject_id, lead.id.as_uuid());
        assert_eq!(
            event.change,
            Change::LeadUpdated {
                fields: vec![LeadField::CategoryId],
                lead: LeadSnapshot::from(lead),
            }
        );
    }
    assert_eq!(events[2].subject_id, id.as_uuid());
    assert_eq!(
        events[2].change,
        Change::CategoryDeleted {
            name: "Web".into(),
            leads_uncategorised: 2,
        }
    );
    for event in &events {
        assert_eq!((event.org_id, event.actor_id), (org, Some(actor.user_id)));
    }
}
