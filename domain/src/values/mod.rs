//! Value objects: validated on construction, immutable afterwards.

pub mod category_name;
pub mod description;
pub mod email;
pub mod lead_status;
pub mod org_name;
pub mod password;
pub mod person_name;
pub mod phone;
pub mod role;
pub mod search_query;
mod text;
