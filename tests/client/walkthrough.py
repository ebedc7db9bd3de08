"""The README walkthrough, run by a client generated from the committed openapi.json.

.ci/contract generates the `djcrm_client` package with openapi-python-client and runs
this against a live server: `python walkthrough.py http://127.0.0.1:PORT/api/v1`.
Every answer is parsed into the generated models and checked, so a document that
does not say what the server sends fails here.
"""

import sys
import uuid
from http import HTTPStatus

from djcrm_client import AuthenticatedClient, Client
from djcrm_client.api.agents import create_agent, delete_agent, get_agent
from djcrm_client.api.auth import login, me, signup
from djcrm_client.api.categories import create_category
from djcrm_client.api.events import list_events
from djcrm_client.api.leads import (
    add_lead_note,
    assign_lead,
    change_lead_status,
    create_lead,
    get_lead,
    list_lead_activities,
    list_leads,
)
from djcrm_client.api.stats import agent_stats, pipeline_stats
from djcrm_client.models import (
    ActivityKindDto,
    AgentBody,
    AssignBody,
    CategoryBody,
    CategoryNameBody,
    CreateAgentBody,
    CreateLeadBody,
    EventTypeDto,
    LeadBody,
    LeadStatusDto,
    LoginBody,
    NoteBody,
    ProblemDetails,
    SignupBody,
    StatusChangeBody,
)


def expect(response, status, model=None):
    """The parsed body of `response`, which must have `status` and parse as `model`."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.content!r}"
    )
    if model is not None:
        assert isinstance(response.parsed, model), (
            f"expected a {model.__name__}, parsed {response.parsed!r} from {response.content!r}"
        )
    return response.parsed


def main(base_url):
    run = uuid.uuid4().hex[:8]
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

    # 1. Sign up: a new organization and its owner. A retry with the same key
    #    answers the same token and signs up once.
    signup_body = SignupBody(
        organization_name="Acme",
        email=f"olive-{run}@acme.test",
        password="correct horse battery",
        full_name="Olive Owner",
    )
    key = f"signup-{run}"
    signed_up = expect(
        signup.sync_detailed(client=anonymous, body=signup_body, idempotency_key=key),
        HTTPStatus.CREATED,
    )
    retried = expect(
        signup.sync_detailed(client=anonymous, body=signup_body, idempotency_key=key),
        HTTPStatus.CREATED,
    )
    assert retried.token == signed_up.token
    assert signed_up.user.role.value == "owner"
    owner = AuthenticatedClient(base_url=base_url, token=signed_up.token)
    assert expect(me.sync_detailed(client=owner), HTTPStatus.OK).organization.name == "Acme"

    # 2. The owner adds an agent with an initial password.
    alice_email = f"alice-{run}@acme.test"
    agent = expect(
        create_agent.sync_detailed(
            client=owner,
            body=CreateAgentBody(
                email=alice_email, full_name="Alice Agent", password="alice password"
            ),
        ),
        HTTPStatus.CREATED,
        AgentBody,
    )
    assert agent.active

    # 3. A category, and a lead in it.
    category = expect(
        create_category.sync_detailed(client=owner, body=CategoryNameBody(name="Referral")),
        HTTPStatus.CREATED,
        CategoryBody,
    )
    lead = expect(
        create_lead.sync_detailed(
            client=owner,
            body=CreateLeadBody(
                first_name="Ada",
                last_name="Lovelace",
                email="ada@example.com",
                phone="+44 20 7946 0958",
                category_id=category.id,
            ),
        ),
        HTTPStatus.CREATED,
        LeadBody,
    )
    assert lead.status == LeadStatusDto.NEW and lead.category_id == category.id
    expect(
        create_lead.sync_detailed(
            client=owner, body=CreateLeadBody(first_name="Bob", last_name="Unassigned")
        ),
        HTTPStatus.CREATED,
        LeadBody,
    )

    # 4. Assign the lead to Alice.
    assigned = expect(
        assign_lead.sync_detailed(lead.id, client=owner, body=AssignBody(agent_id=agent.id)),
        HTTPStatus.OK,
        LeadBody,
    )
    assert assigned.agent_id == agent.id

    # 5. Alice logs in and sees only her lead.
    logged_in = expect(
        login.sync_detailed(
            client=anonymous, body=LoginBody(email=alice_email, password="alice password")
        ),
        HTTPStatus.OK,
    )
    alice = AuthenticatedClient(base_url=base_url, token=logged_in.token)
    page = expect(list_leads.sync_detailed(client=alice), HTTPStatus.OK)
    assert [item.id for item in page.items] == [lead.id]

    # 6. She moves it along the pipeline (only legal moves) and adds a note.
    illegal = change_lead_status.sync_detailed(
        lead.id, client=alice, body=StatusChangeBody(status=LeadStatusDto.CONVERTED)
    )
    problem = expect(illegal, HTTPStatus.UNPROCESSABLE_ENTITY, ProblemDetails)
    assert [error.field for error in problem.errors] == ["status"]
    moved = expect(
        change_lead_status.sync_detailed(
            lead.id,
            client=alice,
            body=StatusChangeBody(status=LeadStatusDto.CONTACTED, note="Called; interested"),
            if_match=f'"{assigned.version}"',
        ),
        HTTPStatus.OK,
        LeadBody,
    )
    assert moved.status == LeadStatusDto.CONTACTED and moved.first_contacted_at
    expect(
        add_lead_note.sync_detailed(
            lead.id, client=alice, body=NoteBody(body="Send the pricing sheet")
        ),
        HTTPStatus.CREATED,
    )
    stale = change_lead_status.sync_detailed(
        lead.id,
        client=alice,
        body=StatusChangeBody(status=LeadStatusDto.QUALIFIED),
        if_match=f'"{assigned.version}"',
    )
    expect(stale, HTTPStatus.PRECONDITION_FAILED, ProblemDetails)
    fresh = get_lead.sync_detailed(lead.id, client=alice, if_none_match=f'"{moved.version}"')
    expect(fresh, HTTPStatus.NOT_MODIFIED)

    # 7. The history, newest first, with who did what; and the owner's numbers.
    history = expect(list_lead_activities.sync_detailed(lead.id, client=owner), HTTPStatus.OK)
    kinds = [entry.kind for entry in history.items]
    assert kinds == [
        ActivityKindDto.NOTE,
        ActivityKindDto.STATUS_CHANGED,
        ActivityKindDto.ASSIGNED,
        ActivityKindDto.CREATED,
    ], kinds
    assert history.items[0].actor_name == "Alice Agent"
    assert history.items[-1].actor_name == "Olive Owner"
    pipeline = expect(pipeline_stats.sync_detailed(client=owner), HTTPStatus.OK)
    assert pipeline.total == 2
    assert (pipeline.by_status.new, pipeline.by_status.contacted) == (1, 1)
    performance = expect(agent_stats.sync_detailed(client=owner), HTTPStatus.OK)
    assert [(s.agent_id, s.assigned, s.contacted) for s in performance.items] == [
        (agent.id, 1, 1)
    ]

    # 8. The change feed: every change above, oldest first, each typed.
    feed = expect(list_events.sync_detailed(client=owner, limit=100), HTTPStatus.OK)
    types = [event.type_ for event in feed.items]
    for wanted in (
        EventTypeDto.USER_SIGNED_UP,
        EventTypeDto.AGENT_CREATED,
        EventTypeDto.CATEGORY_CREATED,
        EventTypeDto.LEAD_CREATED,
        EventTypeDto.LEAD_ASSIGNED,
        EventTypeDto.LEAD_STATUS_CHANGED,
        EventTypeDto.LEAD_NOTE_ADDED,
    ):
        assert wanted in types, f"{wanted} missing from the feed: {types}"
    assert types.index(EventTypeDto.LEAD_CREATED) < types.index(EventTypeDto.LEAD_ASSIGNED)
    assert feed.next_after == feed.items[-1].position

    # An agent's pages are closed to her; a deleted agent is gone.
    expect(pipeline_stats.sync_detailed(client=alice), HTTPStatus.FORBIDDEN, ProblemDetails)
    expect(delete_agent.sync_detailed(agent.id, client=owner), HTTPStatus.NO_CONTENT)
    expect(get_agent.sync_detailed(agent.id, client=owner), HTTPStatus.NOT_FOUND, ProblemDetails)
    history = expect(list_lead_activities.sync_detailed(lead.id, client=owner), HTTPStatus.OK)
    assert "Alice Agent" in [entry.actor_name for entry in history.items]

    print("the generated client ran the walkthrough: every answer parsed and checked")


if __name__ == "__main__":
    main(sys.argv[1])
