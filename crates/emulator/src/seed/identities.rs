//! Users, service principals and groups of a generated workspace.
//!
//! `admin@example.com` is user 0 and in `admins`. Every other user is in one or two groups;
//! some groups are nested (depth 3: `readers` ⊃ `analysts` ⊃ `finance-analysts`), some hold
//! service principals and one holds the account group. Display names include non-ASCII
//! letters; user names (e-mails) are ASCII. One user in forty is deactivated.

use super::counts::Counts;
use super::plan::{Group, Member, Plan, ServicePrincipal, User};
use crate::ids::IdGen;
use crate::options::DEFAULT_ADMIN;

/// First names: (display, ASCII for the e-mail).
const FIRST: &[(&str, &str)] = &[
    ("Alice", "alice"),
    ("José", "jose"),
    ("Priya", "priya"),
    ("Bob", "bob"),
    ("Zoë", "zoe"),
    ("Łukasz", "lukasz"),
    ("Mei", "mei"),
    ("Søren", "soren"),
    ("Fatima", "fatima"),
    ("Carlos", "carlos"),
    ("Hannah", "hannah"),
    ("Kenji", "kenji"),
    ("Amara", "amara"),
    ("Olivier", "olivier"),
    ("Ingrid", "ingrid"),
    ("Rahul", "rahul"),
    ("Chloé", "chloe"),
    ("Dmitri", "dmitri"),
    ("Aisha", "aisha"),
    ("Liam", "liam"),
    ("Sofía", "sofia"),
    ("Noah", "noah"),
    ("Yuki", "yuki"),
    ("Emma", "emma"),
    ("Mateo", "mateo"),
    ("Grace", "grace"),
    ("Tomás", "tomas"),
    ("Nadia", "nadia"),
    ("Oscar", "oscar"),
    ("Leila", "leila"),
];

/// Last names: (display, ASCII for the e-mail).
const LAST: &[(&str, &str)] = &[
    ("Martin", "martin"),
    ("Müller", "muller"),
    ("Sharma", "sharma"),
    ("Smith", "smith"),
    ("Dubois", "dubois"),
    ("Kowalski", "kowalski"),
    ("Chen", "chen"),
    ("Jørgensen", "jorgensen"),
    ("Haddad", "haddad"),
    ("García", "garcia"),
    ("Schmidt", "schmidt"),
    ("Tanaka", "tanaka"),
    ("Okafor", "okafor"),
    ("Lefèvre", "lefevre"),
    ("Berg", "berg"),
    ("Patel", "patel"),
    ("Rossi", "rossi"),
    ("Ivanov", "ivanov"),
    ("Khan", "khan"),
    ("O'Brien", "obrien"),
    ("López", "lopez"),
    ("Wilson", "wilson"),
    ("Sato", "sato"),
    ("Johansson", "johansson"),
    ("Fernández", "fernandez"),
    ("Kim", "kim"),
    ("Novák", "novak"),
    ("Rahman", "rahman"),
    ("Andersen", "andersen"),
    ("Nasser", "nasser"),
];

/// The named groups of the typical workspace, in order.
pub const GROUP_NAMES: &[&str] = &[
    "data-engineers",
    "data-scientists",
    "analysts",
    "platform-admins",
    "ml-engineers",
    "bi-developers",
    "finance-analysts",
    "marketing-analysts",
    "etl-operators",
    "readers",
    "contractors",
    "Équipe Données",
];

/// Index of `data-engineers` in the groups.
pub const DATA_ENGINEERS: usize = 0;
/// Index of `data-scientists`.
pub const DATA_SCIENTISTS: usize = 1;
/// Index of `analysts`.
pub const ANALYSTS: usize = 2;
/// Index of `platform-admins`.
pub const PLATFORM_ADMINS: usize = 3;
/// Index of `ml-engineers`.
pub const ML_ENGINEERS: usize = 4;
/// Index of `readers`.
pub const READERS: usize = 9;

/// The named service principals of the typical workspace: `etl-runner` (runs jobs),
/// `ci-deployer` (an admin), `reporting-bot`.
const SP_NAMES: &[&str] = &["etl-runner", "ci-deployer", "reporting-bot"];

fn ent(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Users, service principals, groups (workspace groups first, then account groups) and the
/// members of `admins`.
pub fn generate(c: &Counts, ids: &mut IdGen, plan: &mut Plan) {
    plan.users = (0..c.users).map(|i| user(i, ids)).collect();
    plan.service_principals = (0..c.service_principals)
        .map(|k| ServicePrincipal {
            id: ids.scim_id(),
            application_id: ids.uuid(),
            display_name: SP_NAMES
                .get(k)
                .map_or_else(|| format!("automation-sp-{k:05}"), |s| s.to_string()),
            entitlements: match k {
                0 => ent(&["workspace-access", "allow-cluster-create"]),
                1 => ent(&[
                    "workspace-access",
                    "allow-cluster-create",
                    "allow-instance-pool-create",
                ]),
                _ => ent(&["workspace-access", "databricks-sql-access"]),
            },
        })
        .collect();
    let g = c.groups;
    let mut groups: Vec<Group> = (0..g)
        .map(|k| Group {
            id: ids.scim_id(),
            display_name: GROUP_NAMES
                .get(k)
                .map_or_else(|| format!("team-{k:05}"), |s| s.to_string()),
            account: false,
            entitlements: match k {
                DATA_ENGINEERS => ent(&["allow-cluster-create"]),
                ANALYSTS => ent(&["databricks-sql-access"]),
                PLATFORM_ADMINS => ent(&["allow-cluster-create", "allow-instance-pool-create"]),
                _ if k % 4 == 1 => ent(&["workspace-access"]),
                _ => Vec::new(),
            },
            members: Vec::new(),
        })
        .collect();
    for k in 0..c.account_groups {
        groups.push(Group {
            id: ids.scim_id(),
            display_name: if k == 0 {
                "acct-all-employees".to_string()
            } else {
                format!("acct-group-{k:05}")
            },
            account: true,
            entitlements: Vec::new(),
            members: Vec::new(),
        });
    }
    // Users: one group each, every fifth user a second one; every third user is also in an
    // account group.
    for i in 1..c.users {
        let first = (i - 1) % g;
        groups[first].members.push(Member::User(i));
        let second = (i * 7) % g;
        if i.is_multiple_of(5) && second != first {
            groups[second].members.push(Member::User(i));
        }
        if i.is_multiple_of(3) {
            groups[g + (i / 3) % c.account_groups]
                .members
                .push(Member::User(i));
        }
    }
    // Nesting: analysts ⊃ finance/marketing analysts; data-engineers ⊃ etl-operators;
    // readers ⊃ analysts, contractors and the account group. Extra groups nest in a named one.
    for (parent, child) in [(2, 6), (2, 7), (0, 8), (9, 2), (9, 10), (9, g)] {
        groups[parent].members.push(Member::Group(child));
    }
    for k in GROUP_NAMES.len()..g {
        groups[k % GROUP_NAMES.len()].members.push(Member::Group(k));
    }
    // Service principals: etl-runner in etl-operators, ci-deployer in platform-admins,
    // reporting-bot in bi-developers; the rest spread over all groups.
    for (sp, group) in [(0, 8), (1, PLATFORM_ADMINS), (2, 5)] {
        groups[group].members.push(Member::ServicePrincipal(sp));
    }
    for k in SP_NAMES.len()..c.service_principals {
        groups[k % g].members.push(Member::ServicePrincipal(k));
    }
    plan.groups = groups;
    plan.admins = vec![
        Member::User(0),
        Member::User(1),
        Member::User(2),
        Member::ServicePrincipal(1),
    ];
}

fn user(i: usize, ids: &mut IdGen) -> User {
    let id = ids.scim_id();
    if i == 0 {
        return User {
            id,
            user_name: DEFAULT_ADMIN.to_string(),
            display_name: "Workspace Admin".to_string(),
            active: true,
            entitlements: ent(&["allow-cluster-create", "allow-instance-pool-create"]),
        };
    }
    let j = i - 1;
    let (f, fa) = FIRST[j % FIRST.len()];
    let (l, la) = LAST[(j / FIRST.len() + j) % LAST.len()];
    let layer = j / (FIRST.len() * LAST.len());
    let suffix = if layer == 0 {
        String::new()
    } else {
        layer.to_string()
    };
    let mut entitlements = Vec::new();
    if i.is_multiple_of(3) {
        entitlements.push("allow-cluster-create".to_string());
    }
    if i % 4 == 1 {
        entitlements.push("databricks-sql-access".to_string());
    }
    if i % 10 == 5 {
        entitlements.push("allow-instance-pool-create".to_string());
    }
    User {
        id,
        user_name: format!("{fa}.{la}{suffix}@example.com"),
        display_name: format!("{f} {l}"),
        active: i % 40 != 39,
        entitlements,
    }
}
