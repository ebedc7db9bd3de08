//! The fields every new account is made of, validated once for signup, agents and
//! operator-provisioned users alike.

use djcrm_domain::{Email, Password, PersonName, ValidationErrors};

/// A new account's email, name and password, each valid.
pub(crate) struct NewAccount {
    pub email: Email,
    pub full_name: PersonName,
    pub password: Password,
}

impl NewAccount {
    /// Validates the three fields, recording each failure into `errors` (in the order
    /// email, password, full_name); `None` when any failed.
    pub(crate) fn check(
        errors: &mut ValidationErrors,
        email: &str,
        full_name: &str,
        password: &str,
    ) -> Option<Self> {
        let email = errors.check("email", Email::parse(email));
        let password = errors.check("password", Password::parse(password));
        let full_name = errors.check("full_name", PersonName::parse(full_name));
        Some(Self {
            email: email?,
            full_name: full_name?,
            password: password?,
        })
    }
}
