//! The workspace tree of a generated workspace: folders, notebooks, files and Git folders.
//!
//! Folders, in this order: every user's home `/Users/<userName>`, then the shared tree
//! ([`SHARED_FOLDERS`], with a space and non-ASCII letters in some names), then one or more
//! sub-folders per user home (`projects`, `scratch`, …) until the folder count is reached.
//! The built-in `/`, `/Users`, `/Shared` and `/Repos` are not generated here (the workspace
//! has them) and not counted.
//!
//! Notebooks: first the named ones jobs run ([`NAMED_NOTEBOOKS`]: the same name in several
//! folders, spaces, non-ASCII names, all four languages), then generated ones spread over
//! every folder. Files: a Python module, a SQL file, a requirements list, an init script and a
//! PNG image (binary), then CSV files in user homes.

use super::counts::Counts;
use super::plan::{Language, Object, Plan, Repo};
use crate::ids::IdGen;

/// The shared folders, parents first.
pub const SHARED_FOLDERS: &[&str] = &[
    "/Shared/ETL",
    "/Shared/ETL/bronze",
    "/Shared/ETL/silver",
    "/Shared/ETL/gold",
    "/Shared/Reports",
    "/Shared/Reports/Finance",
    "/Shared/Reports/Marketing",
    "/Shared/ML",
    "/Shared/ML/features",
    "/Shared/ML/training",
    "/Shared/Libraries",
    "/Shared/Données partagées",
    "/Shared/Team Space",
    "/Shared/Archive",
    "/Shared/Archive/2024",
];

/// Sub-folder names in user homes.
const USER_SUBFOLDERS: &[&str] = &["projects", "scratch", "experiments", "Mes essais"];

/// The notebooks jobs refer to: (folder, name, language). A `~` folder is user 1's home.
pub const NAMED_NOTEBOOKS: &[(&str, &str, Language)] = &[
    ("/Shared/ETL/bronze", "ingest", Language::Python),
    ("/Shared/ETL/silver", "ingest", Language::Python),
    ("/Shared/ETL/gold", "ingest", Language::Sql),
    ("/Shared/ETL/silver", "transform", Language::Python),
    ("/Shared/ETL/gold", "aggregate", Language::Sql),
    ("/Shared/Reports", "Daily Report", Language::Sql),
    (
        "/Shared/Reports/Finance",
        "Análisis de ventas",
        Language::Python,
    ),
    ("/Shared/Reports/Marketing", "数据清洗", Language::Python),
    ("/Shared/ML/training", "Train Model", Language::Python),
    (
        "/Shared/ML/features",
        "feature_engineering",
        Language::Scala,
    ),
    ("/Shared/ML/training", "evaluate", Language::R),
    (
        "/Shared/Données partagées",
        "Résumé trimestriel",
        Language::Sql,
    ),
    ("/Shared/Team Space", "README", Language::Python),
    ("~", "README", Language::Python),
    ("/Shared/ETL", "streaming_events", Language::Scala),
    ("/Shared/ETL", "file_loader", Language::Python),
    ("/Shared/Libraries", "common_functions", Language::Python),
    ("/Shared/Reports", "kpi_dashboard", Language::R),
];

/// Indices into [`NAMED_NOTEBOOKS`] that jobs use.
pub mod nb {
    /// `/Shared/ETL/bronze/ingest`.
    pub const BRONZE: usize = 0;
    /// `/Shared/ETL/silver/ingest`.
    pub const SILVER: usize = 1;
    /// `/Shared/ETL/gold/ingest`.
    pub const GOLD: usize = 2;
    /// `/Shared/ETL/silver/transform`.
    pub const TRANSFORM: usize = 3;
    /// `/Shared/ETL/gold/aggregate`.
    pub const AGGREGATE: usize = 4;
    /// `/Shared/Reports/Daily Report` (SQL).
    pub const DAILY_REPORT: usize = 5;
    /// `/Shared/Reports/Finance/Análisis de ventas`.
    pub const SALES: usize = 6;
    /// `/Shared/ML/training/Train Model`.
    pub const TRAIN: usize = 8;
    /// `/Shared/ML/features/feature_engineering` (Scala).
    pub const FEATURES: usize = 9;
    /// `/Shared/ML/training/evaluate` (R).
    pub const EVALUATE: usize = 10;
    /// `/Shared/Données partagées/Résumé trimestriel` (SQL).
    pub const SUMMARY: usize = 11;
    /// user 1's `README`.
    pub const USER_README: usize = 13;
    /// `/Shared/ETL/streaming_events` (Scala).
    pub const STREAMING: usize = 14;
    /// `/Shared/ETL/file_loader`.
    pub const FILE_LOADER: usize = 15;
    /// `/Shared/Reports/kpi_dashboard` (R).
    pub const KPI: usize = 17;
}

/// The named files: (path, content kind).
pub const NAMED_FILES: &[&str] = &[
    "/Shared/Libraries/utils.py",
    "/Shared/Reports/daily_kpis.sql",
    "/Shared/ETL/requirements.txt",
    "/Shared/Libraries/install_drivers.sh",
    "/Shared/Reports/logo.png",
];

/// Index of `utils.py` in the files.
pub const FILE_UTILS: usize = 0;
/// Index of `daily_kpis.sql`.
pub const FILE_KPIS_SQL: usize = 1;
/// Index of `requirements.txt`.
pub const FILE_REQUIREMENTS: usize = 2;
/// Index of the init script.
pub const FILE_INIT_SCRIPT: usize = 3;

/// The named Git folders: (folder under /Repos — `~` for user 2, `@` for the admin —, name,
/// url, provider, branch).
const NAMED_REPOS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "@",
        "etl-pipelines",
        "https://github.com/example-org/etl-pipelines.git",
        "gitHub",
        "main",
    ),
    (
        "~",
        "ml-models",
        "https://gitlab.com/example-org/ml-models.git",
        "gitLab",
        "develop",
    ),
    (
        "production",
        "analytics-dbt",
        "https://dev.azure.com/example-org/analytics/_git/analytics-dbt",
        "azureDevOpsServices",
        "release/2026.1",
    ),
];

fn dir(ids: &mut IdGen, path: String) -> Object {
    Object {
        object_id: ids.next_int(),
        path,
        language: None,
        content: Vec::new(),
    }
}

/// Folders, notebooks, files and Git folders. Needs the users.
pub fn generate(c: &Counts, ids: &mut IdGen, plan: &mut Plan) {
    let users: Vec<String> = plan.users.iter().map(|u| u.user_name.clone()).collect();
    let home = |i: usize| format!("/Users/{}", users[i % users.len()]);

    let mut folders: Vec<Object> = Vec::with_capacity(c.folders);
    for i in 0..users.len().min(c.folders) {
        folders.push(dir(ids, home(i)));
    }
    for p in SHARED_FOLDERS {
        if folders.len() < c.folders {
            folders.push(dir(ids, p.to_string()));
        }
    }
    let mut k = 0;
    while folders.len() < c.folders {
        let u = k % users.len();
        let layer = k / users.len();
        let name = USER_SUBFOLDERS[(u + layer) % USER_SUBFOLDERS.len()];
        let name = if layer < USER_SUBFOLDERS.len() {
            name.to_string()
        } else {
            format!("{name} {layer}")
        };
        folders.push(dir(ids, format!("{}/{name}", home(u))));
        k += 1;
    }

    let mut notebooks = Vec::with_capacity(c.notebooks);
    for (folder, name, lang) in NAMED_NOTEBOOKS.iter().take(c.notebooks) {
        let folder = if *folder == "~" {
            home(1)
        } else {
            folder.to_string()
        };
        let path = format!("{folder}/{name}");
        notebooks.push(notebook(ids, path, *lang, notebooks.len()));
    }
    // Generated notebooks cycle over every folder; the name carries the index, so no two
    // share a path.
    const TOPICS: &[&str] = &[
        "load_orders",
        "clean customers",
        "sales_summary",
        "explore",
        "Feature Store sync",
        "model_scoring",
        "dq_checks",
        "export_to_s3",
        "ad_hoc_query",
        "cohort analysis",
    ];
    let mut k = 0;
    while notebooks.len() < c.notebooks {
        let folder = &folders[(k * 7) % folders.len()].path;
        let name = format!("{} {}", TOPICS[k % TOPICS.len()], k / TOPICS.len() + 1);
        // Half Python, a quarter SQL, then Scala and R.
        let lang = match k % 8 {
            0..=3 => Language::Python,
            4 | 5 => Language::Sql,
            6 => Language::Scala,
            _ => Language::R,
        };
        let path = format!("{folder}/{name}");
        notebooks.push(notebook(ids, path, lang, notebooks.len()));
        k += 1;
    }

    let mut files = Vec::with_capacity(c.files);
    for k in 0..c.files {
        let (path, content) = match NAMED_FILES.get(k) {
            Some(p) => (p.to_string(), named_file(k)),
            None => (
                format!("{}/data_{k}.csv", home(k)),
                format!("id,name,amount\n{k},row {k},{}.50\n", k * 3).into_bytes(),
            ),
        };
        files.push(Object {
            object_id: ids.next_int(),
            path,
            language: None,
            content,
        });
    }

    let mut repos = Vec::with_capacity(c.repos);
    for k in 0..c.repos {
        let (folder, name, url, provider, branch) = match NAMED_REPOS.get(k) {
            Some(&(f, n, u, p, b)) => {
                let folder = match f {
                    "@" => users[0].clone(),
                    "~" => users[2 % users.len()].clone(),
                    other => other.to_string(),
                };
                (
                    folder,
                    n.to_string(),
                    u.to_string(),
                    p.to_string(),
                    b.to_string(),
                )
            }
            None => {
                let name = format!("service-{k:05}");
                (
                    users[k % users.len()].clone(),
                    name.clone(),
                    format!("https://github.com/example-org/{name}.git"),
                    "gitHub".to_string(),
                    "main".to_string(),
                )
            }
        };
        let head = format!(
            "{:016x}{:016x}{:08x}",
            ids.next_u64(),
            ids.next_u64(),
            ids.next_u64() as u32
        );
        repos.push(Repo {
            id: ids.next_int(),
            path: format!("/Repos/{folder}/{name}"),
            url,
            provider,
            branch,
            head_commit_id: head,
        });
    }
    plan.folders = folders;
    plan.notebooks = notebooks;
    plan.files = files;
    plan.repos = repos;
}

fn notebook(ids: &mut IdGen, path: String, lang: Language, k: usize) -> Object {
    let c = lang.comment();
    let name = path.rsplit('/').next().unwrap_or_default();
    let body = match lang {
        Language::Python => format!(
            "{c} MAGIC %run /Shared/Libraries/common_functions\n\n{c} COMMAND ----------\n\n\
             df = spark.read.table(\"main.sales.orders\").limit({k})\n\
             password = dbutils.secrets.get(scope=\"prod-db\", key=\"jdbc-password\")\n\
             display(df)\n"
        ),
        Language::Sql => format!(
            "SELECT region, count(*) AS orders\nFROM main.sales.orders\nWHERE id > {k}\nGROUP BY region\n"
        ),
        Language::Scala => format!(
            "val df = spark.read.table(\"main.events.raw\")\ndf.filter($\"id\" > {k}).count()\n"
        ),
        Language::R => format!(
            "library(SparkR)\ndf <- sql(\"SELECT * FROM main.sales.orders LIMIT {k}\")\nhead(df)\n"
        ),
    };
    let text =
        format!("{c} Databricks notebook source\n{c} {name}\n\n{c} COMMAND ----------\n\n{body}");
    Object {
        object_id: ids.next_int(),
        path,
        language: Some(lang),
        content: text.into_bytes(),
    }
}

fn named_file(k: usize) -> Vec<u8> {
    match k {
        FILE_UTILS => b"\"\"\"Shared helpers (a plain Python file, not a notebook).\"\"\"\n\n\
def normalise(name: str) -> str:\n    return name.strip().lower()\n"
            .to_vec(),
        FILE_KPIS_SQL => {
            b"SELECT date, sum(amount) AS revenue\nFROM main.sales.orders\nGROUP BY date\n".to_vec()
        }
        FILE_REQUIREMENTS => b"requests==2.32.3\npyyaml==6.0.2\n".to_vec(),
        FILE_INIT_SCRIPT => {
            b"#!/bin/bash\nset -euo pipefail\necho 'installing JDBC drivers'\n".to_vec()
        }
        _ => {
            // A tiny PNG: signature, IHDR, then bytes across the whole 0..=255 range, so a
            // migrator that treats file contents as text breaks visibly.
            let mut png = vec![
                0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
            ];
            png.extend_from_slice(b"IHDR");
            png.extend((0..=255u8).rev());
            png
        }
    }
}
