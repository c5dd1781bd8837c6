//! Workspace permission assignments (`/api/2.0/preview/permissionassignments`): the account's
//! users, service principals and groups assigned to the workspace, as `USER` or `ADMIN`.
//! Shapes are the SDK's `PermissionAssignment(s)` / `PrincipalOutput`.

record! {
    /// The principal of an assignment (one of the three names is set).
    pub struct PrincipalOutput {
        /// The account-level id (an int64).
        principal_id: i64,
        /// Display name.
        display_name: String,
        /// A user's userName.
        user_name: String,
        /// A group's name.
        group_name: String,
        /// A service principal's application id.
        service_principal_name: String,
    }
}

record! {
    /// One assignment. The platform reports a refused item in `error`, even in a 200 answer.
    pub struct PermissionAssignment {
        /// `USER` and/or `ADMIN`.
        permissions: Vec<String>,
        /// Who.
        principal: PrincipalOutput,
        /// Why this item was refused (`CODE: message`).
        error: String,
    }
}

record! {
    /// The list answer, and the by-name assignment's answer.
    pub struct PermissionAssignments {
        /// The assignments.
        permission_assignments: Vec<PermissionAssignment>,
    }
}

/// A principal named the way the by-name assignment takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalName {
    /// A user, by userName.
    User(String),
    /// A group, by name.
    Group(String),
    /// A service principal, by application id.
    ServicePrincipal(String),
}

impl PrincipalName {
    /// The request field that carries it, and the name.
    pub fn field(&self) -> (&'static str, &str) {
        match self {
            PrincipalName::User(n) => ("user_name", n),
            PrincipalName::Group(n) => ("group_name", n),
            PrincipalName::ServicePrincipal(n) => ("service_principal_name", n),
        }
    }
}
