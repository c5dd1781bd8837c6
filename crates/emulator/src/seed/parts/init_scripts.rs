//! Global init scripts of a generated workspace, a seed part ([`super`]): a few
//! admin-made bash scripts that every new cluster runs, in `position` order, one of them
//! disabled.
//!
//! `typical` has the three named scripts (positions 0, 1, 2; the second disabled); `scale:N`
//! scales the count like every other ([`crate::seed::counts::Counts::scale`]) up to
//! [`MAX_INIT_SCRIPTS`] (reached from `scale:4100` on), adding numbered copies of the named
//! ones after them, every fourth one disabled. No other generator references them, so they
//! have no field in the core [`Plan`]: their plan data is [`Scripts`], here.

use base64::Engine;

use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::init_scripts;
use crate::seed::plan::{Plan, SEED_EPOCH_MS};
use crate::state::State;

/// Most global init scripts a generated workspace holds. The platform sets no count limit, but
/// every enabled script runs on every cluster start, so even large workspaces keep a few dozen.
pub const MAX_INIT_SCRIPTS: usize = 100;

/// The part: 3 scripts in `typical`, at most [`MAX_INIT_SCRIPTS`].
pub const PART: Part = Part {
    kind: "global init scripts",
    typical: 3,
    max: MAX_INIT_SCRIPTS,
    generate,
};

/// A planned global init script (its position is its index in [`Scripts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct InitScript {
    /// 16 upper-case hex digits.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether new clusters run it.
    pub enabled: bool,
    /// The script's bytes (bash).
    pub content: Vec<u8>,
    /// The admin who created it.
    pub creator: String,
}

/// The planned scripts, in position order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scripts(pub Vec<InitScript>);

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

/// The scripts, in position order. Ids are drawn after every core object's, so adding the
/// scripts left the ids of the other objects unchanged.
fn generate(count: usize, ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    Box::new(scripts(count, ids, plan))
}

fn scripts(count: usize, ids: &mut IdGen, plan: &Plan) -> Scripts {
    let creator = plan.users[0].user_name.clone();
    let scripts = (0..count)
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
    Scripts(scripts)
}

impl Planned for Scripts {
    fn objects(&self) -> usize {
        self.0.len()
    }

    /// Installs the scripts in order, so each one's position is its index; one a minute.
    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        for (k, s) in self.0.into_iter().enumerate() {
            let at = SEED_EPOCH_MS + k as i64 * 60_000;
            st.init_scripts.insert_at(
                init_scripts::InitScript {
                    script_id: s.id,
                    name: s.name,
                    script: base64::engine::general_purpose::STANDARD.encode(&s.content),
                    enabled: s.enabled,
                    created_at: at,
                    created_by: s.creator.clone(),
                    updated_at: at,
                    updated_by: s.creator,
                },
                None,
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::build;
    use crate::seed::counts::Counts;

    #[test]
    fn typical_has_three_one_disabled_and_large_scales_stop_at_the_cap() {
        let c = Counts::TYPICAL;
        let mut ids = IdGen::new(3);
        let plan = build::plan(&c, &mut ids);
        let s = scripts(PART.count(&c), &mut ids, &plan);
        assert_eq!(s.0.len(), 3);
        assert_eq!(s.0.iter().filter(|s| !s.enabled).count(), 1);
        assert_eq!(PART.count(&Counts::scaled(1000)), 24);
        assert_eq!(PART.count(&Counts::scaled(4100)), MAX_INIT_SCRIPTS);
        assert_eq!(PART.count(&Counts::scaled(100_000)), MAX_INIT_SCRIPTS);
    }
}
