//! The change feed.

use djcrm_application::events::FeedParams;
use djcrm_domain::{
    Change, Event, EventType, Feed, FeedQuery, LeadId, Limit, OrgId, Position, RecordedEvent,
};

use crate::support::{
    TestStore, agent_actor, assert_forbidden, crm, done, invalid_fields, now, organizer,
};

#[tokio::test]
async fn the_feed_is_forbidden_to_agents() {
    let actor = agent_actor(OrgId::new());
    // The event log has no expectation: reading it would panic.
    assert_forbidden(
        crm(TestStore::default())
            .events(&actor, &FeedParams::default())
            .await,
    );
}

#[tokio::test]
async fn the_feed_refuses_an_unknown_event_type_naming_type() {
    let actor = organizer(OrgId::new());
    let params = FeedParams {
        types: vec!["lead.created,lead.exploded".into()],
        ..FeedParams::default()
    };
    assert_eq!(
        invalid_fields(crm(TestStore::default()).events(&actor, &params).await),
        ["type"]
    );
}

#[tokio::test]
async fn the_feed_passes_the_query_to_the_event_log() {
    let org = OrgId::new();
    let actor = organizer(org);
    let expected = FeedQuery {
        after: Position::new(5),
        limit: Limit::new(10).expect("a valid limit"),
        types: vec![EventType::LeadCreated, EventType::LeadDeleted],
    };
    let deleted = Event::new(
        org,
        Some(actor.user_id),
        LeadId::new(),
        Change::LeadDeleted { version: 2 },
        now(),
    );
    let feed = Feed {
        events: vec![RecordedEvent {
            position: Position::new(6),
            event: deleted,
        }],
        has_more: true,
    };
    let answer = feed.clone();
    let mut store = TestStore::default();
    store
        .events
        .expect_feed()
        .times(1)
        .withf(move |o: &OrgId, query: &FeedQuery| *o == org && *query == expected)
        .returning(move |_, _| done(Ok(answer.clone())));
    let params = FeedParams {
        after: Some(5),
        limit: Some(10),
        types: vec!["lead.created".into(), " lead.deleted".into()],
    };
    let read = crm(store).events(&actor, &params).await.expect("read");
    assert_eq!(read, feed);
}
