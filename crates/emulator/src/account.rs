//! The account console's part, which no workspace API can play: assigning account groups.
//!
//! Account groups (`meta.resourceType: Group`) are managed in the Databricks account and
//! assigned to workspaces there; a workspace's SCIM API cannot create them. A migration's
//! target must already have the source's account groups (brickport's pre-check insists), so a
//! rehearsal between two emulators needs someone to assign them, as an account admin would.

use crate::state::Emulator;

/// Assigns every account group of `from` to `to` (empty: membership of an account group is
/// the account's business), skipping those `to` already has. Returns the names assigned.
pub fn assign_account_groups(from: &Emulator, to: &Emulator) -> Vec<String> {
    let groups: Vec<_> = from
        .lock()
        .scim
        .groups
        .values()
        .filter(|g| g.account_group)
        .cloned()
        .collect();
    let mut st = to.lock();
    let mut names = Vec::new();
    for g in groups {
        if st.scim.group_by_name(&g.display_name).is_some() {
            continue;
        }
        let id = st.ids.scim_id();
        names.push(g.display_name.clone());
        let group = crate::kinds::scim::Group {
            id: id.clone(),
            members: Vec::new(),
            ..g
        };
        st.scim.groups.insert(id, group);
    }
    to.mark_dirty();
    names
}
