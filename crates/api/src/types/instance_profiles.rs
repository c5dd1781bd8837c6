//! Instance profiles (`/api/2.0/instance-profiles/*`, AWS workspaces only): the IAM instance
//! profiles registered in a workspace, which clusters name in
//! `aws_attributes.instance_profile_arn`.

record! {
    /// A registered instance profile (`list`), and the body of `add` / `edit`.
    pub struct InstanceProfile {
        /// `arn:aws:iam::<account>:instance-profile/<name>` (the key: there is no id).
        instance_profile_arn: String,
        /// The role behind it, when its name differs from the profile's.
        iam_role_arn: String,
        /// A meta instance profile (one that assumes other roles).
        is_meta_instance_profile: bool,
        /// `add` only: skip the platform's dry-run check in the AWS account.
        skip_validation: bool,
    }
}
