//! Every migratable object of a workspace, read once: SCIM principals, policies, pools,
//! warehouses, secret scopes (keys and ACLs, never values), the workspace tree, Git folders,
//! clusters, jobs (each read in full: a job list may leave settings out), global init
//! scripts, notification destinations, pipelines (each read in full: a pipeline list has
//! no settings), Databricks SQL queries (each read in full, with its visualizations) and
//! alerts (current and v2), the legacy SQL dashboards, AI/BI dashboards (each draft with its
//! published copy and its schedules and their subscriptions) and Genie spaces (each with its
//! serialized space).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::{Error, Workspace, items, str_of};

/// A secret scope: its keys and its ACL entries (`principal`, `permission`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    pub keys: BTreeSet<String>,
    pub acls: Vec<Value>,
}

/// Everything a workspace holds that brickport migrates, as the API answers it.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    pub users: Vec<Value>,
    pub groups: Vec<Value>,
    pub service_principals: Vec<Value>,
    pub policies: Vec<Value>,
    pub pools: Vec<Value>,
    pub warehouses: Vec<Value>,
    pub scopes: BTreeMap<String, Scope>,
    /// Every workspace object by path (`/Repos` included).
    pub tree: BTreeMap<String, Value>,
    pub repos: Vec<Value>,
    pub clusters: Vec<Value>,
    /// Every job as `jobs/get` answers it.
    pub jobs: Vec<Value>,
    /// Global init scripts as listed (without their content).
    pub init_scripts: Vec<Value>,
    /// Notification destinations as listed (`id`, `display_name`, `destination_type`).
    pub destinations: Vec<Value>,
    /// Every pipeline as `GET /pipelines/{id}` answers it.
    pub pipelines: Vec<Value>,
    /// Every SQL query as `GET /sql/queries/{id}` answers it, with its `visualizations`.
    pub queries: Vec<Value>,
    /// Every SQL alert (current API) as `GET /sql/alerts/{id}` answers it.
    pub alerts: Vec<Value>,
    /// Every alert v2 as listed (whole objects).
    pub alerts_v2: Vec<Value>,
    /// Legacy SQL dashboards as listed.
    pub legacy_dashboards: Vec<Value>,
    /// Every AI/BI dashboard's draft as `GET` answers it, with `published` (its published
    /// copy, when it has one) and `schedules` (each with its `subscriptions`) added.
    pub dashboards: Vec<Value>,
    /// Every Genie space as `GET ?include_serialized_space=true` answers it.
    pub genie_spaces: Vec<Value>,
    /// Instance profiles as listed (none where the API does not exist: Azure, GCP).
    pub instance_profiles: Vec<Value>,
}

impl Walk {
    /// Reads every object of `ws`.
    pub async fn of(ws: &Workspace) -> Result<Walk, Error> {
        let mut scopes = BTreeMap::new();
        let page = ws.get("/api/2.0/secrets/scopes/list", &[]).await?;
        for s in items(&page, "scopes") {
            let name = str_of(&s, "name");
            let q = [("scope", name.as_str())];
            let keys = ws.get("/api/2.0/secrets/list", &q).await?;
            let acls = ws.get("/api/2.0/secrets/acls/list", &q).await?;
            let scope = Scope {
                keys: items(&keys, "secrets")
                    .iter()
                    .map(|k| str_of(k, "key"))
                    .collect(),
                acls: items(&acls, "items"),
            };
            scopes.insert(name, scope);
        }
        Ok(Walk {
            users: ws.scim("Users").await?,
            groups: ws.scim("Groups").await?,
            service_principals: ws.scim("ServicePrincipals").await?,
            policies: listed(ws, "/api/2.0/policies/clusters/list", "policies").await?,
            pools: listed(ws, "/api/2.0/instance-pools/list", "instance_pools").await?,
            instance_profiles: listed(ws, "/api/2.0/instance-profiles/list", "instance_profiles")
                .await
                .unwrap_or_default(),
            warehouses: ws
                .paged("/api/2.0/sql/warehouses", &[], "warehouses", "page_token")
                .await?,
            scopes,
            tree: ws.tree().await?,
            repos: ws
                .paged("/api/2.0/repos", &[], "repos", "next_page_token")
                .await?,
            clusters: clusters(ws).await?,
            jobs: jobs(ws).await?,
            init_scripts: listed(ws, "/api/2.0/global-init-scripts", "scripts").await?,
            destinations: ws
                .paged(
                    "/api/2.0/notification-destinations",
                    &[],
                    "results",
                    "page_token",
                )
                .await?,
            pipelines: pipelines(ws).await?,
            queries: queries(ws).await?,
            alerts: alerts(ws).await?,
            alerts_v2: ws
                .paged("/api/2.0/alerts", &[], "alerts", "page_token")
                .await?,
            legacy_dashboards: legacy_dashboards(ws).await?,
            dashboards: dashboards(ws).await?,
            genie_spaces: genie_spaces(ws).await?,
        })
    }

    /// Workspace objects of one type (`DIRECTORY`, `NOTEBOOK`, `FILE`, `REPO`) outside
    /// `/Repos`, by path.
    pub fn paths(&self, object_type: &str) -> Vec<&str> {
        self.tree
            .iter()
            .filter(|(p, o)| o["object_type"] == object_type && !in_repos(p))
            .map(|(p, _)| p.as_str())
            .collect()
    }

    /// Every object as a sorted key per kind (a key twice: a duplicate). Kinds are named as
    /// brickport names them, plus `files` and `secrets`; built-ins that are never migrated
    /// (the `admins` and `users` groups, default policies, `/Users` and `/Shared`, clusters
    /// a job made, legacy SQL dashboards) are left out; anything else a caller leaves out is its own choice.
    pub fn keys(&self) -> BTreeMap<&'static str, Vec<String>> {
        let names = |v: &[Value], field: &str| v.iter().map(|x| str_of(x, field)).collect();
        let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        out.insert("users", names(&self.users, "userName"));
        out.insert(
            "service_principals",
            names(&self.service_principals, "displayName"),
        );
        let groups = self.groups.iter().map(|g| str_of(g, "displayName"));
        out.insert(
            "groups",
            groups.filter(|n| n != "admins" && n != "users").collect(),
        );
        // An account group in a workspace is its assignment there.
        let account = self
            .groups
            .iter()
            .filter(|g| g["meta"]["resourceType"] == "Group");
        out.insert(
            "account_group_assignments",
            account.map(|g| str_of(g, "displayName")).collect(),
        );
        let policies = self.policies.iter().filter(|p| p["is_default"] != true);
        out.insert(
            "cluster_policies",
            policies.map(|p| str_of(p, "name")).collect(),
        );
        out.insert("instance_pools", names(&self.pools, "instance_pool_name"));
        out.insert(
            "instance_profiles",
            names(&self.instance_profiles, "instance_profile_arn"),
        );
        out.insert("sql_warehouses", names(&self.warehouses, "name"));
        out.insert("secret_scopes", self.scopes.keys().cloned().collect());
        let secrets = self
            .scopes
            .iter()
            .flat_map(|(name, s)| s.keys.iter().map(move |k| format!("{name}/{k}")));
        out.insert("secrets", secrets.collect());
        let folders = self.paths("DIRECTORY").into_iter();
        let folders = folders.filter(|p| *p != "/Users" && *p != "/Shared");
        out.insert("workspace_folders", folders.map(str::to_string).collect());
        for (kind, t) in [("notebooks", "NOTEBOOK"), ("files", "FILE")] {
            out.insert(
                kind,
                self.paths(t).into_iter().map(str::to_string).collect(),
            );
        }
        out.insert("repos", names(&self.repos, "path"));
        let clusters = self
            .clusters
            .iter()
            .filter(|c| c["cluster_source"] != "JOB");
        out.insert(
            "clusters",
            clusters.map(|c| str_of(c, "cluster_name")).collect(),
        );
        let jobs = self.jobs.iter().map(|j| str_of(&j["settings"], "name"));
        out.insert("jobs", jobs.collect());
        out.insert("global_init_scripts", names(&self.init_scripts, "name"));
        out.insert(
            "notification_destinations",
            names(&self.destinations, "display_name"),
        );
        out.insert("pipelines", names(&self.pipelines, "name"));
        out.insert("sql_queries", self.queries.iter().map(sql_key).collect());
        out.insert("sql_alerts", self.alerts.iter().map(sql_key).collect());
        out.insert(
            "sql_alerts_v2",
            self.alerts_v2.iter().map(sql_key).collect(),
        );
        let in_folder = |v: &[Value], name: &str| -> Vec<String> {
            v.iter()
                .map(|x| format!("{}/{}", str_of(x, "parent_path"), str_of(x, name)))
                .collect()
        };
        out.insert("dashboards", in_folder(&self.dashboards, "display_name"));
        out.insert("genie_spaces", in_folder(&self.genie_spaces, "title"));
        for keys in out.values_mut() {
            keys.sort();
        }
        out
    }
}

fn in_repos(path: &str) -> bool {
    path == "/Repos" || path.starts_with("/Repos/")
}

/// A list the API answers whole (no paging).
async fn listed(ws: &Workspace, path: &str, field: &str) -> Result<Vec<Value>, Error> {
    Ok(items(&ws.get(path, &[]).await?, field))
}

/// Every cluster (paged by `page_token`).
pub async fn clusters(ws: &Workspace) -> Result<Vec<Value>, Error> {
    let q = [("page_size", "100")];
    ws.paged("/api/2.1/clusters/list", &q, "clusters", "page_token")
        .await
}

/// Every job, in full.
pub async fn jobs(ws: &Workspace) -> Result<Vec<Value>, Error> {
    let q = [("limit", "100")];
    let mut out = Vec::new();
    for j in ws
        .paged("/api/2.2/jobs/list", &q, "jobs", "page_token")
        .await?
    {
        let id = j["job_id"].to_string();
        out.push(ws.get("/api/2.2/jobs/get", &[("job_id", &id)]).await?);
    }
    Ok(out)
}

/// Every pipeline, in full (pages of 100, the most the API serves).
pub async fn pipelines(ws: &Workspace) -> Result<Vec<Value>, Error> {
    let q = [("max_results", "100")];
    let mut out = Vec::new();
    for p in ws
        .paged("/api/2.0/pipelines", &q, "statuses", "page_token")
        .await?
    {
        let id = str_of(&p, "pipeline_id");
        out.push(ws.get(&format!("/api/2.0/pipelines/{id}"), &[]).await?);
    }
    Ok(out)
}

/// A SQL object's key as brickport names it: its folder (without `/Workspace`) and its
/// display name.
pub fn sql_key(o: &Value) -> String {
    let parent = str_of(o, "parent_path");
    let parent = parent.strip_prefix("/Workspace").unwrap_or(&parent);
    format!(
        "{}/{}",
        parent.trim_end_matches('/'),
        str_of(o, "display_name")
    )
}

/// Every SQL query, in full, each with its `visualizations` (the list has no folder).
pub async fn queries(ws: &Workspace) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for q in ws
        .paged("/api/2.0/sql/queries", &[], "results", "page_token")
        .await?
    {
        let path = format!("/api/2.0/sql/queries/{}", str_of(&q, "id"));
        let mut full = ws.get(&path, &[]).await?;
        let vis = ws
            .paged(
                &format!("{path}/visualizations"),
                &[],
                "results",
                "page_token",
            )
            .await?;
        full["visualizations"] = Value::Array(vis);
        out.push(full);
    }
    Ok(out)
}

/// Every SQL alert (current API), in full (the list has no folder).
pub async fn alerts(ws: &Workspace) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for a in ws
        .paged("/api/2.0/sql/alerts", &[], "results", "page_token")
        .await?
    {
        let path = format!("/api/2.0/sql/alerts/{}", str_of(&a, "id"));
        out.push(ws.get(&path, &[]).await?);
    }
    Ok(out)
}

/// Every legacy SQL dashboard, page by page (numbered from 1) until an empty page.
pub async fn legacy_dashboards(ws: &Workspace) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for page in 1.. {
        let n = page.to_string();
        let q = [("page", n.as_str()), ("page_size", "100")];
        let items = items(
            &ws.get("/api/2.0/preview/sql/dashboards", &q).await?,
            "results",
        );
        if items.is_empty() {
            break;
        }
        out.extend(items);
    }
    Ok(out)
}

/// Every AI/BI dashboard not in the trash: its draft, with `published` and `schedules` (each
/// with its `subscriptions`) added.
pub async fn dashboards(ws: &Workspace) -> Result<Vec<Value>, Error> {
    let base = "/api/2.0/lakeview/dashboards";
    let q = [("page_size", "100")];
    let mut out = Vec::new();
    for d in ws.paged(base, &q, "dashboards", "page_token").await? {
        let id = str_of(&d, "dashboard_id");
        let mut full = ws.get(&format!("{base}/{id}"), &[]).await?;
        match ws.get(&format!("{base}/{id}/published"), &[]).await {
            Ok(p) => full["published"] = p,
            // Not published.
            Err(Error::Status { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
        let schedules = format!("{base}/{id}/schedules");
        let mut all = ws.paged(&schedules, &q, "schedules", "page_token").await?;
        for s in &mut all {
            let sid = str_of(s, "schedule_id");
            let subs = format!("{schedules}/{sid}/subscriptions");
            s["subscriptions"] =
                Value::Array(ws.paged(&subs, &q, "subscriptions", "page_token").await?);
        }
        full["schedules"] = Value::Array(all);
        out.push(full);
    }
    Ok(out)
}

/// Every Genie space, with its serialized space.
pub async fn genie_spaces(ws: &Workspace) -> Result<Vec<Value>, Error> {
    let base = "/api/2.0/genie/spaces";
    let mut out = Vec::new();
    for s in ws
        .paged(base, &[("page_size", "100")], "spaces", "page_token")
        .await?
    {
        let id = str_of(&s, "space_id");
        let q = [("include_serialized_space", "true")];
        out.push(ws.get(&format!("{base}/{id}"), &q).await?);
    }
    Ok(out)
}
