//! AI/BI (Lakeview) dashboards (`/api/2.0/lakeview/dashboards`): the draft (create, get,
//! update, trash), its published copy (publish, get, unpublish), its refresh schedules and
//! their subscriptions. The draft's content is `serialized_dashboard`, a JSON document in a
//! string that the service may rewrite (it re-serialises it, adds fields), so callers compare
//! it parsed, never as text.
//!
//! Subscribers stay typed but small: a user by its numeric SCIM id, or a notification
//! destination by its id — the two references a migration remaps.

record! {
    /// A dashboard's draft (create, get and update answers; a list item has no
    /// `serialized_dashboard`, `etag`, `parent_path`, `path` or `update_time`).
    pub struct Dashboard {
        /// 32 hex characters (output only).
        dashboard_id: String,
        /// Display name: with `parent_path`, its workspace path.
        display_name: String,
        /// The folder holding it (no `/Workspace` prefix in answers; fixed after create).
        parent_path: String,
        /// `<parent_path>/<display_name>.lvdash.json` (output only).
        path: String,
        /// The warehouse its datasets run on.
        warehouse_id: String,
        /// The dashboard itself: a JSON document (`datasets`, `pages`, …) in a string.
        serialized_dashboard: String,
        /// Changes on every write; sent back on update, it guards against a concurrent one.
        etag: String,
        /// ACTIVE or TRASHED (output only).
        lifecycle_state: String,
        /// When it was created (output only).
        create_time: String,
        /// When its draft last changed (output only).
        update_time: String,
    }
}

record! {
    /// The body of publish.
    pub struct PublishRequest {
        /// Whether viewers run its queries with the publisher's credentials.
        embed_credentials: bool,
        /// A warehouse other than the draft's, for the published copy.
        warehouse_id: String,
    }
}

record! {
    /// A dashboard's published copy (publish and get-published answers).
    pub struct PublishedDashboard {
        /// The display name it was published under.
        display_name: String,
        /// Whether viewers run its queries with the publisher's credentials.
        embed_credentials: bool,
        /// The warehouse it runs on.
        warehouse_id: String,
        /// When it was last published (output only): older than the draft's `update_time`
        /// when the draft changed since.
        revision_create_time: String,
    }
}

record! {
    /// When a schedule runs.
    pub struct CronSchedule {
        /// A Quartz cron expression (`0 0 8 * * ?`).
        quartz_cron_expression: String,
        /// A Java time-zone id.
        timezone_id: String,
    }
}

record! {
    /// A refresh schedule of a dashboard (at most 10 a dashboard).
    pub struct Schedule {
        /// UUID (output only).
        schedule_id: String,
        /// The dashboard it belongs to (output only).
        dashboard_id: String,
        /// Its display name.
        display_name: String,
        /// When it runs (required).
        cron_schedule: CronSchedule,
        /// PAUSED or UNPAUSED (the service's default).
        pause_status: String,
        /// The warehouse a refresh runs on (the dashboard's otherwise).
        warehouse_id: String,
        /// Empty on create; the current one on update (required there).
        etag: String,
        /// When it was created (output only).
        create_time: String,
        /// When it last changed (output only).
        update_time: String,
    }
}

record! {
    /// Who a subscription notifies: exactly one of the two.
    pub struct Subscriber {
        /// A workspace user.
        user_subscriber: UserSubscriber,
        /// A notification destination.
        destination_subscriber: DestinationSubscriber,
    }
}

record! {
    /// A user subscriber.
    pub struct UserSubscriber {
        /// The user's SCIM id (a number).
        user_id: i64,
    }
}

record! {
    /// A notification-destination subscriber.
    pub struct DestinationSubscriber {
        /// The destination's id.
        destination_id: String,
    }
}

record! {
    /// A subscription to a schedule (at most 100 a schedule; no update: delete and create).
    pub struct Subscription {
        /// UUID (output only).
        subscription_id: String,
        /// The schedule it belongs to (output only).
        schedule_id: String,
        /// The dashboard it belongs to (output only).
        dashboard_id: String,
        /// Who it notifies (required).
        subscriber: Subscriber,
        /// Refresh without notifying (the service's default: false).
        skip_notify: bool,
        /// Who added it (output only).
        created_by_user_id: i64,
        /// Empty on create.
        etag: String,
        /// When it was created (output only).
        create_time: String,
        /// When it last changed (output only).
        update_time: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_subscription_keeps_its_subscriber_and_unknown_fields() {
        let s: Subscription = serde_json::from_value(json!({
            "subscription_id": "s1",
            "subscriber": {"user_subscriber": {"user_id": 1234567}},
            "skip_notify": true,
            "future": 1,
        }))
        .unwrap();
        let user = s.subscriber.as_ref().unwrap().user_subscriber.as_ref();
        assert_eq!(user.and_then(|u| u.user_id), Some(1234567));
        assert_eq!(s.extra["future"], 1);
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["subscriber"]["user_subscriber"]["user_id"], 1234567);
    }
}
