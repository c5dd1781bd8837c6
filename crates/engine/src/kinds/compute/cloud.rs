//! Cloud attributes across clouds: a spec's `aws_attributes`, `azure_attributes` or
//! `gcp_attributes` block becomes the target cloud's. Carried: the availability (spot,
//! on-demand, spot with fallback: `SPOT_WITH_FALLBACK` ↔ `SPOT_WITH_FALLBACK_AZURE` ↔
//! `PREEMPTIBLE_WITH_FALLBACK_GCP`) and `first_on_demand`; the zone goes back to automatic
//! (left out: each cloud spells "automatic" its own way); everything else (EBS
//! volumes, bids, instance profiles, service accounts, log analytics) has no meaning on the
//! target and is left out, each recorded. An instance profile or a service account left out is
//! also a manual action: whatever it gave access to must be given another way.
//!
//! A pool's blocks are narrower (no fallback, no `first_on_demand`; GCP calls its availability
//! `gcp_availability`), and its `disk_spec` disk type maps GENERAL_PURPOSE_SSD ↔ PREMIUM_LRS and
//! THROUGHPUT_OPTIMIZED_HDD ↔ STANDARD_LRS between AWS and Azure.
//!
//! On AWS → AWS, `[translate.instance_profiles]` rewrites `aws_attributes.instance_profile_arn`.

use serde_json::{Map, Value, json};

use super::Out;
use super::catalogue::Cloud;
use crate::EngineOptions;
use crate::ledger::{Action, Category};
use crate::translation::Translation;

/// A spot, on-demand or fallback availability, whatever the cloud's word for it.
fn family(v: &str) -> Option<usize> {
    match v {
        "SPOT" | "SPOT_AZURE" | "PREEMPTIBLE_GCP" => Some(0),
        "ON_DEMAND" | "ON_DEMAND_AZURE" | "ON_DEMAND_GCP" => Some(1),
        "SPOT_WITH_FALLBACK" | "SPOT_WITH_FALLBACK_AZURE" | "PREEMPTIBLE_WITH_FALLBACK_GCP" => {
            Some(2)
        }
        _ => None,
    }
}

/// The cloud's word for an availability family.
fn availability(cloud: Cloud, family: usize) -> &'static str {
    let words = match cloud {
        Cloud::Aws => ["SPOT", "ON_DEMAND", "SPOT_WITH_FALLBACK"],
        Cloud::Azure => ["SPOT_AZURE", "ON_DEMAND_AZURE", "SPOT_WITH_FALLBACK_AZURE"],
        Cloud::Gcp => [
            "PREEMPTIBLE_GCP",
            "ON_DEMAND_GCP",
            "PREEMPTIBLE_WITH_FALLBACK_GCP",
        ],
    };
    words[family.min(2)]
}

/// `v` (an availability in any cloud's words) in `to`'s words.
pub(super) fn availability_in(v: &str, to: Cloud) -> Option<&'static str> {
    family(v).map(|f| availability(to, f))
}

/// A value as a report shows it (a string without its quotes).
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What the translation of one block needs to know.
pub(super) struct Across<'a> {
    /// The target's cloud.
    pub to: Cloud,
    /// A pool's blocks (narrower).
    pub pool: bool,
    /// Where the spec is in its object (`job_clusters[etl].new_cluster.`), for the records.
    pub at: &'a str,
    /// The object, for manual actions (`cluster \`etl\``).
    pub whose: &'a str,
}

impl Across<'_> {
    /// Makes `m`'s other clouds' blocks the target's (see the module doc).
    pub(super) fn attributes(&self, m: &mut Map<String, Value>, out: &mut Out) {
        for from in [Cloud::Aws, Cloud::Azure, Cloud::Gcp] {
            if from == self.to {
                continue;
            }
            let Some(Value::Object(block)) = m.remove(from.block()) else {
                continue;
            };
            let mut new = match m.remove(self.to.block()) {
                Some(Value::Object(b)) => b,
                _ => Map::new(),
            };
            for (k, v) in block {
                self.field(from, &k, &v, &mut new, out);
            }
            if !new.is_empty() {
                m.insert(self.to.block().into(), Value::Object(new));
            }
        }
        if self.pool {
            self.disk_spec(m, out);
        }
    }

    /// One field of `from`'s block: carried into `new` or left out, recorded either way.
    fn field(&self, from: Cloud, k: &str, v: &Value, new: &mut Map<String, Value>, out: &mut Out) {
        let to = self.to;
        let field = format!("{}{}.{k}", self.at, from.block());
        let mut carry = |key: &str, value: Value, why: &str| {
            let shown = format!("{}.{key} = {}", to.block(), text(&value));
            new.insert(key.into(), value);
            out.translated
                .push(Translation::new(&field, text(v), shown, why));
        };
        let on = format!("the target runs on {}", to.name());
        match k {
            "availability" | "gcp_availability" => {
                if let Some(f) = v.as_str().and_then(family) {
                    let key = if self.pool && to == Cloud::Gcp {
                        "gcp_availability"
                    } else {
                        "availability"
                    };
                    carry(key, json!(availability(to, f)), &on);
                    return;
                }
            }
            "first_on_demand" if !self.pool => return carry(k, v.clone(), &on),
            // Left out even when `auto`: GCP spells its automatic zone `AUTO` (and defaults
            // to `HA`), Azure has none; without one, every cloud picks the zone itself.
            "zone_id" => {
                out.translated.push(Translation::new(
                    field,
                    text(v),
                    "",
                    format!("zone back to automatic: {on}"),
                ));
                return;
            }
            "instance_profile_arn" | "google_service_account" => {
                out.manual.push(Action::new(Category::Other, format!(
                    "{} used {} {} on {}; the target runs on {}: give it access to the same data another way (a Unity Catalog storage credential, or the target cloud's identity for the compute), then run it",
                    self.whose,
                    if k == "instance_profile_arn" { "instance profile" } else { "service account" },
                    text(v), from.name(), to.name()
                )));
            }
            _ => {}
        }
        out.translated.push(Translation::new(
            field,
            text(v),
            "",
            format!("no meaning on {}", to.name()),
        ));
    }

    /// A pool's disk type, AWS ↔ Azure; left out on GCP, which has no `disk_spec`.
    fn disk_spec(&self, m: &mut Map<String, Value>, out: &mut Out) {
        let pairs = [
            ("GENERAL_PURPOSE_SSD", "PREMIUM_LRS"),
            ("THROUGHPUT_OPTIMIZED_HDD", "STANDARD_LRS"),
        ];
        let field = format!("{}disk_spec.disk_type", self.at);
        let Some(Value::Object(dt)) = m.get("disk_spec").and_then(|d| d.get("disk_type")).cloned()
        else {
            return;
        };
        if self.to == Cloud::Gcp {
            if let Some(d) = m.remove("disk_spec") {
                out.translated
                    .push(Translation::new(&field, text(&d), "", "no meaning on gcp"));
            }
            return;
        }
        let (from_key, to_key, forward) = match self.to {
            Cloud::Azure => ("ebs_volume_type", "azure_disk_volume_type", true),
            _ => ("azure_disk_volume_type", "ebs_volume_type", false),
        };
        let Some(from) = dt.get(from_key).and_then(Value::as_str) else {
            return;
        };
        let to = pairs.iter().find_map(|(a, z)| match forward {
            true if *a == from => Some(*z),
            false if *z == from => Some(*a),
            _ => None,
        });
        if let Some(Value::Object(d)) = m.get_mut("disk_spec") {
            match to {
                Some(to) => {
                    d.insert("disk_type".into(), json!({ to_key: to }));
                    out.translated.push(Translation::new(
                        field,
                        from,
                        format!("{to_key} = {to}"),
                        format!("the target runs on {}", self.to.name()),
                    ));
                }
                None => {
                    d.remove("disk_type");
                    out.translated.push(Translation::new(
                        field,
                        from,
                        "",
                        format!("no meaning on {}", self.to.name()),
                    ));
                }
            }
        }
    }
}

/// A zone of the target cloud's own block that the target's region does not offer (a source
/// in another region): left out, so the target picks one. `auto` and `HA` are not zones.
pub(super) fn zone(
    m: &mut Map<String, Value>,
    to: Cloud,
    zones: &[String],
    at: &str,
    out: &mut Out,
) {
    let Some(Value::Object(block)) = m.get_mut(to.block()) else {
        return;
    };
    let Some(Value::String(z)) = block.get("zone_id") else {
        return;
    };
    let automatic = z.eq_ignore_ascii_case("auto") || z.eq_ignore_ascii_case("ha");
    if automatic || zones.is_empty() || zones.contains(z) {
        return;
    }
    let why = format!("the target's region offers no zone {z}: back to automatic");
    out.translated.push(Translation::new(
        format!("{at}{}.zone_id", to.block()),
        z.clone(),
        "",
        why,
    ));
    block.remove("zone_id");
}

/// `[translate.instance_profiles]` on an AWS spec: the ARN the target uses.
pub(super) fn instance_profile(
    m: &mut Map<String, Value>,
    at: &str,
    opts: &EngineOptions,
    out: &mut Out,
) {
    let Some(Value::String(arn)) = m
        .get_mut("aws_attributes")
        .and_then(|a| a.get_mut("instance_profile_arn"))
    else {
        return;
    };
    // The spec waits for its profile in the target, known by its source ARN.
    out.profiles.push((arn.clone(), at.to_string()));
    if let Some(to) = opts
        .instance_profiles
        .get(arn.as_str())
        .filter(|to| *to != arn)
    {
        out.translated.push(Translation::new(
            format!("{at}aws_attributes.instance_profile_arn"),
            arn.clone(),
            to.clone(),
            "[translate.instance_profiles]",
        ));
        *arn = to.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_attributes_become_azure_ones_with_what_has_no_meaning_left_out_and_recorded() {
        let mut m = json!({
            "node_type_id": "x",
            "aws_attributes": {"availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1, "zone_id": "us-west-2a",
                "ebs_volume_type": "GENERAL_PURPOSE_SSD", "ebs_volume_count": 1, "instance_profile_arn": "arn:aws:iam::1:instance-profile/p"}
        });
        let Value::Object(m) = &mut m else {
            unreachable!()
        };
        let mut out = Out::default();
        Across {
            to: Cloud::Azure,
            pool: false,
            at: "",
            whose: "cluster `c`",
        }
        .attributes(m, &mut out);
        assert_eq!(
            Value::Object(m.clone()),
            json!({"node_type_id": "x",
            "azure_attributes": {"availability": "SPOT_WITH_FALLBACK_AZURE", "first_on_demand": 1}})
        );
        assert_eq!(out.translated.len(), 6);
        let mut left_out: Vec<&str> = out
            .translated
            .iter()
            .filter(|t| t.to.is_empty())
            .map(|t| t.field.as_str())
            .collect();
        left_out.sort();
        assert_eq!(
            left_out,
            [
                "aws_attributes.ebs_volume_count",
                "aws_attributes.ebs_volume_type",
                "aws_attributes.instance_profile_arn",
                "aws_attributes.zone_id"
            ]
        );
        assert_eq!(out.manual.len(), 1);
        assert!(
            out.manual[0]
                .text
                .contains("instance profile arn:aws:iam::1:instance-profile/p")
        );
    }

    #[test]
    fn a_pools_gcp_availability_and_disk_type_follow_the_target() {
        let mut m = json!({"aws_attributes": {"availability": "SPOT", "zone_id": "auto"},
            "disk_spec": {"disk_type": {"ebs_volume_type": "THROUGHPUT_OPTIMIZED_HDD"}, "disk_count": 1}});
        let Value::Object(m) = &mut m else {
            unreachable!()
        };
        let mut out = Out::default();
        Across {
            to: Cloud::Azure,
            pool: true,
            at: "",
            whose: "pool `p`",
        }
        .attributes(m, &mut out);
        assert_eq!(m["azure_attributes"], json!({"availability": "SPOT_AZURE"}));
        assert_eq!(
            m["disk_spec"],
            json!({"disk_type": {"azure_disk_volume_type": "STANDARD_LRS"}, "disk_count": 1})
        );
        let mut g = json!({"azure_attributes": {"availability": "ON_DEMAND_AZURE", "spot_bid_max_price": -1}});
        let Value::Object(g) = &mut g else {
            unreachable!()
        };
        Across {
            to: Cloud::Gcp,
            pool: true,
            at: "",
            whose: "pool `p`",
        }
        .attributes(g, &mut out);
        assert_eq!(
            g["gcp_attributes"],
            json!({"gcp_availability": "ON_DEMAND_GCP"})
        );
    }

    #[test]
    fn a_zone_the_targets_region_lacks_goes_back_to_automatic() {
        let zones = ["us-east-1a".to_string(), "us-east-1b".to_string()];
        let mut out = Out::default();
        for (zone, kept) in [("us-west-2a", false), ("us-east-1b", true), ("auto", true)] {
            let mut m = json!({"aws_attributes": {"zone_id": zone, "availability": "SPOT"}});
            let Value::Object(m) = &mut m else {
                unreachable!()
            };
            zone_of(m, &zones, &mut out);
            assert_eq!(m["aws_attributes"].get("zone_id").is_some(), kept, "{zone}");
        }
        assert_eq!(out.translated.len(), 1);
        assert_eq!(out.translated[0].field, "aws_attributes.zone_id");
        assert!(out.translated[0].why.contains("no zone us-west-2a"));
    }

    fn zone_of(m: &mut Map<String, Value>, zones: &[String], out: &mut Out) {
        zone(m, Cloud::Aws, zones, "", out);
    }
}
