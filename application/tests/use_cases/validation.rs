//! Invalid input is refused, every offending field named, before anything is written.
//! No unit of work is queued in these tests: opening one would panic.

use djcrm_application::PageParams;
use djcrm_application::Patch;
use djcrm_application::agents::{CreateAgentRequest, UpdateAgentRequest};
use djcrm_application::auth::SignupRequest;
use djcrm_application::leads::{CreateLeadRequest, UpdateLeadRequest};
use djcrm_application::organization::UpdateOrganizationRequest;
use djcrm_domain::{AgentId, CategoryId, DomainError, LeadId, LeadStatus, OrgId};

use crate::support::{TestStore, crm, done, invalid_fields, organizer};

#[tokio::test]
async fn signup_reports_every_invalid_field_before_any_write() {
    // The hasher has no expectation either: the password is not even hashed.
    let result = crm(TestStore::default())
        .signup(SignupRequest {
            organization_name: " ".into(),
            email: "x".into(),
            password: "short".into(),
            full_name: String::new(),
        })
        .await;
    assert_eq!(
        invalid_fields(result),
        ["organization_name", "email", "password", "full_name"]
    );
}

#[tokio::test]
async fn invalid_input_is_refused_before_any_transaction() {
    let actor = organizer(OrgId::new());
    let crm = crm(TestStore::default());

    let agent = CreateAgentRequest {
        email: "x".into(),
        full_name: "A".into(),
        password: "0123456789".into(),
    };
    assert_eq!(
        invalid_fields(crm.create_agent(&actor, agent).await),
        ["email"]
    );
    let rename = UpdateAgentRequest {
        full_name: Some(" ".into()),
        active: None,
    };
    assert_eq!(
        invalid_fields(crm.update_agent(&actor, AgentId::new(), rename).await),
        ["full_name"]
    );
    assert_eq!(
        invalid_fields(
            crm.agents(
                &actor,
                &PageParams {
                    limit: Some(0),
                    cursor: None
                }
            )
            .await
        ),
        ["limit"]
    );
    assert_eq!(
        invalid_fields(crm.create_category(&actor, " ").await),
        ["name"]
    );
    assert_eq!(
        invalid_fields(crm.rename_category(&actor, CategoryId::new(), " ").await),
        ["name"]
    );
    assert_eq!(
        invalid_fields(
            crm.create_lead(&actor, CreateLeadRequest::named("", "Lovelace"))
                .await
        ),
        ["first_name"]
    );
    let edit = UpdateLeadRequest {
        email: Patch::Set("not an email".into()),
        ..UpdateLeadRequest::default()
    };
    assert_eq!(
        invalid_fields(crm.update_lead(&actor, LeadId::new(), edit, None).await),
        ["email"]
    );
    assert_eq!(
        invalid_fields(
            crm.change_lead_status(
                &actor,
                LeadId::new(),
                LeadStatus::Contacted,
                Some(" "),
                None
            )
            .await
        ),
        ["note"]
    );
    assert_eq!(
        invalid_fields(crm.add_note(&actor, LeadId::new(), "   ").await),
        ["body"]
    );
    let organization = UpdateOrganizationRequest {
        name: Some(" ".into()),
    };
    assert_eq!(
        invalid_fields(crm.update_organization(&actor, organization).await),
        ["name"]
    );
}

#[tokio::test]
async fn references_to_another_tenants_category_or_agent_are_validation_errors() {
    let actor = organizer(OrgId::new());
    let mut store = TestStore::default();
    store
        .categories
        .expect_get()
        .times(1)
        .returning(|_, _| done(Err(DomainError::not_found("category"))));
    store
        .agents
        .expect_get()
        .times(1)
        .returning(|_, _| done(Err(DomainError::not_found("agent"))));
    let request = CreateLeadRequest {
        category_id: Some(CategoryId::new()),
        agent_id: Some(AgentId::new()),
        ..CreateLeadRequest::named("A", "B")
    };
    assert_eq!(
        invalid_fields(crm(store).create_lead(&actor, request).await),
        ["category_id", "agent_id"]
    );
}
