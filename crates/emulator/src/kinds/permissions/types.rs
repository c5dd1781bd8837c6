//! The permissions API's object types: their URL names, response names, allowed levels and
//! ownership rule (reference §5; pipelines: reference-more §1; SQL, AI/BI, Genie: §3–5, §11).

/// One permissionable object type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectType {
    /// The canonical request type, as in `/permissions/{type}/{id}` (`clusters`, `jobs`, …).
    pub request: &'static str,
    /// `object_type` in responses (`cluster`, `job`, …).
    pub response: &'static str,
    /// Prefix of `object_id` in responses (`/clusters/`).
    pub prefix: &'static str,
    /// Allowed levels, lowest first, with their descriptions.
    pub levels: &'static [(&'static str, &'static str)],
    /// Whether the object has exactly one IS_OWNER (jobs, warehouses, pipelines).
    pub has_owner: bool,
    /// Whether a PUT that names no owner keeps the current one (jobs, warehouses) rather than
    /// being refused (pipelines).
    pub put_keeps_owner: bool,
}

impl ObjectType {
    /// Whether `level` is allowed on this type.
    pub fn allows(&self, level: &str) -> bool {
        self.levels.iter().any(|(l, _)| *l == level)
    }
    /// The level the built-in `admins` group gets (CAN_MANAGE where it exists).
    pub fn admin_level(&self) -> &'static str {
        if self.allows("CAN_MANAGE") {
            "CAN_MANAGE"
        } else {
            self.levels.last().map(|(l, _)| *l).unwrap_or("CAN_MANAGE")
        }
    }
    /// The level a creator gets on create: IS_OWNER where the type has owners, else CAN_MANAGE
    /// (none when CAN_MANAGE is not a level of the type, e.g. cluster policies).
    pub fn creator_level(&self) -> Option<&'static str> {
        if self.has_owner {
            Some("IS_OWNER")
        } else if self.allows("CAN_MANAGE") {
            Some("CAN_MANAGE")
        } else {
            None
        }
    }
}

const WORKSPACE_LEVELS: &[(&str, &str)] = &[
    ("CAN_READ", "Can view the object"),
    ("CAN_RUN", "Can run the object"),
    ("CAN_EDIT", "Can edit the object"),
    ("CAN_MANAGE", "Can manage the object"),
];

/// The levels of the Databricks SQL and AI/BI objects on the generic API (CAN_READ replaced
/// the legacy API's CAN_VIEW).
const SQL_LEVELS: &[(&str, &str)] = &[
    ("CAN_READ", "Can view the object"),
    ("CAN_RUN", "Can run the object"),
    ("CAN_EDIT", "Can edit the object"),
    ("CAN_MANAGE", "Can manage the object"),
];

/// A type without owners whose creator gets CAN_MANAGE.
const fn managed(
    request: &'static str,
    response: &'static str,
    prefix: &'static str,
    levels: &'static [(&'static str, &'static str)],
) -> ObjectType {
    ObjectType {
        request,
        response,
        prefix,
        levels,
        has_owner: false,
        put_keeps_owner: false,
    }
}

/// Every type the emulator serves.
pub const TYPES: &[ObjectType] = &[
    ObjectType {
        request: "clusters",
        response: "cluster",
        prefix: "/clusters/",
        levels: &[
            ("CAN_ATTACH_TO", "Can attach to the cluster"),
            ("CAN_RESTART", "Can restart the cluster"),
            ("CAN_MANAGE", "Can manage the cluster"),
        ],
        has_owner: false,
        put_keeps_owner: false,
    },
    ObjectType {
        request: "cluster-policies",
        response: "cluster-policy",
        prefix: "/cluster-policies/",
        levels: &[("CAN_USE", "Can use the cluster policy")],
        has_owner: false,
        put_keeps_owner: false,
    },
    ObjectType {
        request: "instance-pools",
        response: "instance-pool",
        prefix: "/instance-pools/",
        levels: &[
            ("CAN_ATTACH_TO", "Can attach to the instance pool"),
            ("CAN_MANAGE", "Can manage the instance pool"),
        ],
        has_owner: false,
        put_keeps_owner: false,
    },
    ObjectType {
        request: "jobs",
        response: "job",
        prefix: "/jobs/",
        levels: &[
            ("CAN_VIEW", "Can view the job"),
            ("CAN_MANAGE_RUN", "Can manage runs of the job"),
            ("CAN_MANAGE", "Can manage the job"),
            ("IS_OWNER", "Is the owner of the job"),
        ],
        has_owner: true,
        put_keeps_owner: true,
    },
    ObjectType {
        request: "notebooks",
        response: "notebook",
        prefix: "/notebooks/",
        levels: WORKSPACE_LEVELS,
        has_owner: false,
        put_keeps_owner: false,
    },
    ObjectType {
        request: "directories",
        response: "directory",
        prefix: "/directories/",
        levels: WORKSPACE_LEVELS,
        has_owner: false,
        put_keeps_owner: false,
    },
    ObjectType {
        request: "files",
        response: "file",
        prefix: "/files/",
        levels: WORKSPACE_LEVELS,
        has_owner: false,
        put_keeps_owner: false,
    },
    ObjectType {
        request: "repos",
        response: "repo",
        prefix: "/repos/",
        levels: WORKSPACE_LEVELS,
        has_owner: false,
        put_keeps_owner: false,
    },
    ObjectType {
        request: "warehouses",
        response: "warehouses",
        prefix: "/sql/warehouses/",
        levels: &[
            ("CAN_VIEW", "Can view the warehouse"),
            ("CAN_MONITOR", "Can monitor the warehouse"),
            ("CAN_USE", "Can use the warehouse"),
            ("CAN_MANAGE", "Can manage the warehouse"),
            ("IS_OWNER", "Is the owner of the warehouse"),
        ],
        has_owner: true,
        put_keeps_owner: true,
    },
    ObjectType {
        request: "pipelines",
        // match cloud behaviour: the response type is the plural, like the request's.
        response: "pipelines",
        prefix: "/pipelines/",
        levels: &[
            ("CAN_VIEW", "Can view the pipeline"),
            ("CAN_RUN", "Can run the pipeline"),
            ("CAN_MANAGE", "Can manage the pipeline"),
            ("IS_OWNER", "Is the owner of the pipeline"),
        ],
        has_owner: true,
        // match cloud behaviour: an ownerless PUT is refused ("must have exactly one owner").
        put_keeps_owner: false,
    },
    // Reference-more §3.7, §4, §5, §11: object types from Terraform and the CLI's fake. A query's
    // or alert's owner is its `owner_user_name`, not a permission level.
    managed("queries", "query", "/sql/queries/", SQL_LEVELS),
    managed("alerts", "alert", "/sql/alerts/", SQL_LEVELS),
    managed("alertsv2", "alertv2", "/alertsv2/", SQL_LEVELS),
    managed(
        "dbsql-dashboards",
        "dbsql-dashboard",
        "/dbsql-dashboards/",
        SQL_LEVELS,
    ),
    managed("dashboards", "dashboard", "/dashboards/", SQL_LEVELS),
    // [UNVERIFIED] Genie levels: the SDK's apps enum for Genie resources.
    managed(
        "genie",
        "genie-space",
        "/genie/",
        &[
            ("CAN_VIEW", "Can view the Genie space"),
            ("CAN_RUN", "Can run the Genie space"),
            ("CAN_EDIT", "Can edit the Genie space"),
            ("CAN_MANAGE", "Can manage the Genie space"),
        ],
    ),
    ObjectType {
        request: "authorization",
        response: "tokens",
        prefix: "/authorization/",
        levels: &[
            ("CAN_USE", "Can use tokens"),
            ("CAN_MANAGE", "Can manage tokens"),
        ],
        has_owner: false,
        put_keeps_owner: false,
    },
];

/// The type for a request type or alias (`sql/warehouses`, singular names), if served.
pub fn lookup(name: &str) -> Option<&'static ObjectType> {
    let canonical = match name.trim_matches('/') {
        "sql/warehouses" | "warehouse" | "sql-warehouses" => "warehouses",
        "cluster" => "clusters",
        "cluster-policy" | "policies" => "cluster-policies",
        "instance-pool" | "pools" => "instance-pools",
        "job" => "jobs",
        "notebook" => "notebooks",
        "directory" => "directories",
        "file" => "files",
        "repo" => "repos",
        "pipeline" => "pipelines",
        "sql/queries" | "query" => "queries",
        "sql/alerts" | "alert" => "alerts",
        "alertv2" => "alertsv2",
        "sql/dashboards" | "dbsql-dashboard" => "dbsql-dashboards",
        "dashboard" => "dashboards",
        "genie-space" | "genie-spaces" => "genie",
        other => other,
    };
    TYPES.iter().find(|t| t.request == canonical)
}
