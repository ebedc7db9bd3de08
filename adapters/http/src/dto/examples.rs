//! The examples the document shows for each body: one small organization (Acme
//! Roofing, its owner Ada and agent Grace, one lead) so the examples agree with each
//! other. They are built as values of the body types, so they cannot drift from
//! the schemas.

use chrono::{DateTime, TimeZone, Utc};
use poem_openapi::types::Example;
use uuid::Uuid;

use super::{
    ActivityBody, ActivityKindDto, ActivityPage, AgentBody, AgentPage, AgentStatsBody,
    AgentStatsList, CategoryBody, CategoryPage, CreateAgentBody, CreateLeadBody, LeadBody,
    LeadPage, LeadStatusDto, LoginBody, LoginResponseBody, MeBody, OrganizationBody,
    PipelineStatsBody, RoleDto, SignupBody, SignupResponseBody, StatusCounts, UserBody,
};

const ORGANIZATION: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c01);
const OWNER: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c02);
const AGENT_USER: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c03);
const AGENT: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c04);
const CATEGORY: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c05);
const LEAD: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c06);
const ACTIVITY: Uuid = Uuid::from_u128(0x0193_6f1c_2a4e_7b10_8c3d_5e6f_7a8b_9c07);
const TOKEN: &str = "djcrm_4q7Zb1kR9sT2vW5xY8aC3dF6gH0jK";
const CURSOR: &str = "01936f1c2a4e7b108c3d5e6f7a8b9c06";

/// A fixed moment on 2026-11-02 plus `minutes`.
fn at(minutes: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .unwrap_or_default()
        + chrono::Duration::minutes(i64::from(minutes))
}

impl Example for OrganizationBody {
    fn example() -> Self {
        Self {
            id: ORGANIZATION,
            name: "Acme Roofing".to_owned(),
            created_at: at(0),
            updated_at: at(0),
        }
    }
}

impl Example for UserBody {
    fn example() -> Self {
        Self {
            id: OWNER,
            organization_id: ORGANIZATION,
            email: "ada@acme.example".to_owned(),
            full_name: "Ada Lovelace".to_owned(),
            role: RoleDto::Owner,
            active: true,
        }
    }
}

impl Example for SignupBody {
    fn example() -> Self {
        Self {
            organization_name: "Acme Roofing".to_owned(),
            email: "ada@acme.example".to_owned(),
            full_name: "Ada Lovelace".to_owned(),
            password: "correct horse battery".to_owned(),
        }
    }
}

impl Example for SignupResponseBody {
    fn example() -> Self {
        Self {
            token: TOKEN.to_owned(),
            expires_at: at(60 * 24 * 30),
            user: UserBody::example(),
            organization: OrganizationBody::example(),
        }
    }
}

impl Example for LoginBody {
    fn example() -> Self {
        Self {
            email: "ada@acme.example".to_owned(),
            password: "correct horse battery".to_owned(),
        }
    }
}

impl Example for LoginResponseBody {
    fn example() -> Self {
        Self {
            token: TOKEN.to_owned(),
            expires_at: at(60 * 24 * 30),
            user: UserBody::example(),
        }
    }
}

impl Example for MeBody {
    fn example() -> Self {
        Self {
            user: UserBody::example(),
            role: RoleDto::Owner,
            organization: OrganizationBody::example(),
            agent_id: None,
        }
    }
}

impl Example for AgentBody {
    fn example() -> Self {
        Self {
            id: AGENT,
            user_id: AGENT_USER,
            email: "grace@acme.example".to_owned(),
            full_name: "Grace Hopper".to_owned(),
            active: true,
            created_at: at(5),
            updated_at: at(5),
        }
    }
}

impl Example for CreateAgentBody {
    fn example() -> Self {
        Self {
            email: "grace@acme.example".to_owned(),
            full_name: "Grace Hopper".to_owned(),
            password: "a long first password".to_owned(),
        }
    }
}

impl Example for AgentPage {
    fn example() -> Self {
        Self {
            items: vec![AgentBody::example()],
            next_cursor: None,
        }
    }
}

impl Example for CategoryBody {
    fn example() -> Self {
        Self {
            id: CATEGORY,
            name: "Referral".to_owned(),
            created_at: at(7),
            updated_at: at(7),
        }
    }
}

impl Example for CategoryPage {
    fn example() -> Self {
        Self {
            items: vec![CategoryBody::example()],
            next_cursor: None,
        }
    }
}

impl Example for CreateLeadBody {
    fn example() -> Self {
        Self {
            first_name: "Linus".to_owned(),
            last_name: "Torvalds".to_owned(),
            email: Some("linus@example.org".to_owned()),
            phone: Some("+358 40 123 4567".to_owned()),
            description: Some("Asked for a quote on a new roof.".to_owned()),
            category_id: Some(CATEGORY),
            agent_id: Some(AGENT),
        }
    }
}

impl Example for LeadBody {
    fn example() -> Self {
        Self {
            id: LEAD,
            first_name: "Linus".to_owned(),
            last_name: "Torvalds".to_owned(),
            email: Some("linus@example.org".to_owned()),
            phone: Some("+358 40 123 4567".to_owned()),
            description: Some("Asked for a quote on a new roof.".to_owned()),
            status: LeadStatusDto::Contacted,
            category_id: Some(CATEGORY),
            agent_id: Some(AGENT),
            version: 3,
            created_at: at(10),
            updated_at: at(95),
            first_contacted_at: Some(at(95)),
        }
    }
}

impl Example for LeadPage {
    fn example() -> Self {
        Self {
            items: vec![LeadBody::example()],
            next_cursor: Some(CURSOR.to_owned()),
        }
    }
}

impl Example for ActivityBody {
    fn example() -> Self {
        Self {
            id: ACTIVITY,
            lead_id: LEAD,
            kind: ActivityKindDto::StatusChanged,
            actor_id: Some(AGENT_USER),
            actor_name: Some("Grace Hopper".to_owned()),
            created_at: at(95),
            from_status: Some(LeadStatusDto::New),
            to_status: Some(LeadStatusDto::Contacted),
            agent_id: None,
            body: Some("Called; site visit on Friday.".to_owned()),
            fields: None,
        }
    }
}

impl Example for ActivityPage {
    fn example() -> Self {
        Self {
            items: vec![ActivityBody::example()],
            next_cursor: None,
        }
    }
}

impl Example for StatusCounts {
    fn example() -> Self {
        Self {
            new: 12,
            contacted: 7,
            qualified: 4,
            converted: 3,
            lost: 2,
        }
    }
}

impl Example for PipelineStatsBody {
    fn example() -> Self {
        Self {
            total: 28,
            by_status: StatusCounts::example(),
        }
    }
}

impl Example for AgentStatsBody {
    fn example() -> Self {
        Self {
            agent_id: AGENT,
            assigned: 9,
            contacted: 6,
            converted: 2,
            conversion_rate: 2.0 / 9.0,
            avg_seconds_to_first_contact: Some(5_400.0),
        }
    }
}

impl Example for AgentStatsList {
    fn example() -> Self {
        Self {
            items: vec![AgentStatsBody::example()],
        }
    }
}
