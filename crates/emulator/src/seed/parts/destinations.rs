//! Notification destinations of a generated workspace, a seed part ([`super`]): where jobs
//! send their webhook notifications.
//!
//! `typical` has one of each common type, in this order: an e-mail list (two seeded users),
//! a Slack webhook, a generic webhook with a username and the distinctive password
//! [`WEBHOOK_PASSWORD`] (tests grep that it never leaks: it is write-only), and a PagerDuty
//! service. `scale:N` repeats the four in turn, numbered, up to [`MAX_DESTINATIONS`]. Jobs
//! planned after this part reference them, so their names go to [`Plan::destinations`], in
//! the same order (index modulo 4 gives the type: [`EMAIL`], [`SLACK`], [`WEBHOOK`],
//! [`PAGERDUTY`]).
//!
//! Ids come from a fork of the workspace's generator ([`IdGen::fork`], salt [`SALT`]), drawn
//! at install: the generator itself does not move, so every object seeded or created before
//! this part existed keeps its id.

use serde_json::{Value, json};

use super::{Part, Planned};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::kinds::destinations;
use crate::seed::install::refused;
use crate::seed::plan::Plan;
use crate::state::State;

/// The generic webhook's password in `typical` (later rounds append `-<round>`).
pub const WEBHOOK_PASSWORD: &str = "hunter2-webhook-Pa55";

/// Most destinations a generated workspace holds: a workspace keeps a few dozen at most.
pub const MAX_DESTINATIONS: usize = 400;

/// Index (modulo 4) of the e-mail destination in [`Plan::destinations`].
pub const EMAIL: usize = 0;
/// Index (modulo 4) of the Slack destination.
pub const SLACK: usize = 1;
/// Index (modulo 4) of the generic webhook.
pub const WEBHOOK: usize = 2;
/// Index (modulo 4) of the PagerDuty destination.
pub const PAGERDUTY: usize = 3;

/// This part's fork of the id generator.
pub const SALT: u64 = 1;

/// The part: 4 destinations in `typical`.
pub const PART: Part = Part {
    kind: "notification destinations",
    typical: 4,
    max: MAX_DESTINATIONS,
    generate,
};

/// The display names of the four types, in order.
const NAMES: [&str; 4] = [
    "Data team e-mail",
    "#data-alerts on Slack",
    "Ops webhook",
    "PagerDuty data on-call",
];

/// A planned destination: its name and create-shaped `config`.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// Display name (unique among the seeded ones).
    pub display_name: String,
    /// The `config` a create request would send (secrets included).
    pub config: Value,
}

/// The planned destinations, in creation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Destinations(pub Vec<Destination>);

fn config(kind: usize, round: usize, plan: &Plan) -> Value {
    let tail = if round == 0 {
        String::new()
    } else {
        format!("-{round}")
    };
    let user = |i: usize| plan.users[i % plan.users.len()].user_name.clone();
    match kind {
        EMAIL => json!({"email": {"addresses": [user(1 + round), user(2 + round)]}}),
        SLACK => json!({"slack": {
            "url": format!("https://hooks.slack.com/services/T0SEED/B0SEED/seed-slack{tail}")}}),
        WEBHOOK => json!({"generic_webhook": {
            "url": format!("https://hooks.example.com/brickport/alerts{tail}"),
            "username": "brickport-alerts",
            "password": format!("{WEBHOOK_PASSWORD}{tail}")}}),
        _ => json!({"pagerduty": {"integration_key": format!("pd-seed-integration-key{tail}")}}),
    }
}

fn generate(count: usize, _ids: &mut IdGen, plan: &mut Plan) -> Box<dyn Planned> {
    let planned: Vec<Destination> = (0..count)
        .map(|k| {
            let (kind, round) = (k % NAMES.len(), k / NAMES.len());
            let display_name = match round {
                0 => NAMES[kind].to_string(),
                _ => format!("{} #{}", NAMES[kind], round + 1),
            };
            Destination {
                display_name,
                config: config(kind, round, plan),
            }
        })
        .collect();
    plan.destinations = planned.iter().map(|d| d.display_name.clone()).collect();
    Box::new(Destinations(planned))
}

impl Planned for Destinations {
    fn objects(&self) -> usize {
        self.0.len()
    }

    /// Installs each destination as create would store it (its config checked the same way).
    fn install(self: Box<Self>, st: &mut State) -> Result<(), EmulatorError> {
        let mut ids = st.ids.fork(SALT);
        for d in self.0 {
            let c = destinations::parse_config(&d.config)
                .and_then(|c| destinations::check_complete(&c).map(|()| c))
                .map_err(|e| refused(&d.display_name, e))?;
            let id = ids.uuid();
            st.destinations.insert(id, d.display_name, c);
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
    fn typical_has_one_of_each_and_names_go_to_the_plan() {
        let c = Counts::TYPICAL;
        let mut ids = IdGen::new(3);
        let mut plan = build::plan(&c, &mut ids);
        let planned = generate(PART.count(&c), &mut ids, &mut plan);
        assert_eq!((planned.objects(), plan.destinations.len()), (4, 4));
        let mut st = State::fresh(0);
        build::seed(&mut st, &c).unwrap();
        let types: Vec<&str> = (st.destinations.destinations.values())
            .map(|d| d.destination_type())
            .collect();
        assert_eq!(types.len(), 4);
        for t in ["EMAIL", "SLACK", "WEBHOOK", "PAGERDUTY"] {
            assert!(types.contains(&t), "{t}");
        }
        let hook = (st.destinations.destinations.values())
            .find(|d| d.destination_type() == "WEBHOOK")
            .unwrap();
        assert_eq!(hook.secret("password"), Some(WEBHOOK_PASSWORD));
        assert_eq!(PART.count(&Counts::scaled(100_000)), MAX_DESTINATIONS);
    }
}
