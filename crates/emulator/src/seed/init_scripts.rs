//! Global init scripts of a generated workspace: a few admin-made bash scripts that every new
//! cluster runs, in `position` order, one of them disabled.
//!
//! `typical` has the three named scripts (positions 0, 1, 2; the second disabled); `scale:N`
//! adds numbered copies of them after those, every fourth one disabled.

use super::counts::Counts;
use super::plan::{InitScript, Plan, SEED_EPOCH_MS};
use crate::ids::IdGen;
use crate::kinds::init_scripts;
use crate::state::State;

/// The named scripts: (name, enabled, content).
const NAMED: &[(&str, bool, &str)] = &[
    (
        "install-monitoring-agent",
        true,
        "#!/bin/bash\n\
         set -euo pipefail\n\
         # Ship driver and executor metrics to the monitoring stack.\n\
         curl -fsSL https://agent.example.com/install.sh -o /tmp/install-agent.sh\n\
         bash /tmp/install-agent.sh --api-key-file /dbfs/FileStore/monitoring/key --tags \"cluster:$DB_CLUSTER_NAME\"\n",
    ),
    (
        "legacy-proxy-settings",
        false,
        "#!/bin/bash\n\
         # Disabled since the move to private link; kept for the audit trail.\n\
         cat >> /etc/environment <<'ENV'\n\
         HTTP_PROXY=http://proxy.corp.example.com:3128\n\
         HTTPS_PROXY=http://proxy.corp.example.com:3128\n\
         NO_PROXY=localhost,127.0.0.1,.cloud.databricks.com\n\
         ENV\n",
    ),
    (
        "pip-internal-index",
        true,
        "#!/bin/bash\n\
         set -e\n\
         # Resolve Python packages through the internal mirror first.\n\
         mkdir -p /etc/pip\n\
         printf '[global]\\nindex-url = https://pypi.internal.example.com/simple\\nextra-index-url = https://pypi.org/simple\\n' > /etc/pip.conf\n\
         /databricks/python/bin/pip config list\n",
    ),
];

/// The scripts, in position order. Runs after every other generator, so adding it left the
/// ids of the other objects unchanged.
pub fn generate(c: &Counts, ids: &mut IdGen, plan: &mut Plan) {
    let creator = plan.users[0].user_name.clone();
    plan.init_scripts = (0..c.init_scripts)
        .map(|k| {
            let (name, enabled, content) = NAMED[k % NAMED.len()];
            let round = k / NAMED.len();
            let (name, enabled) = match round {
                0 => (name.to_string(), enabled),
                _ => (format!("{name}-{round}"), k % 4 != 1),
            };
            InitScript {
                id: ids.policy_id(),
                name,
                enabled,
                content: content.as_bytes().to_vec(),
                creator: creator.clone(),
            }
        })
        .collect();
}

/// Installs the plan's scripts, in order (so each one's position is its index).
pub fn install(st: &mut State, plan: &Plan) {
    use base64::Engine;
    for (k, s) in plan.init_scripts.iter().enumerate() {
        let at = SEED_EPOCH_MS + k as i64 * 60_000;
        st.init_scripts.insert_at(
            init_scripts::InitScript {
                script_id: s.id.clone(),
                name: s.name.clone(),
                script: base64::engine::general_purpose::STANDARD.encode(&s.content),
                enabled: s.enabled,
                created_at: at,
                created_by: s.creator.clone(),
                updated_at: at,
                updated_by: s.creator.clone(),
            },
            None,
        );
    }
}
