//! Global init scripts (`/api/2.0/global-init-scripts`).

record! {
    /// A global init script. `script` (base64) is present only in `get` answers and in
    /// create/update bodies.
    pub struct GlobalInitScript {
        /// Id (read-only).
        script_id: String,
        /// Name.
        name: String,
        /// Content, base64.
        script: String,
        /// Whether it runs.
        enabled: bool,
        /// Order (0 first).
        position: i64,
        /// Creation time (ms, read-only).
        created_at: i64,
        /// Creator (read-only).
        created_by: String,
        /// Update time (ms, read-only).
        updated_at: i64,
        /// Last updater (read-only).
        updated_by: String,
    }
}

impl GlobalInitScript {
    /// The decoded script content, when present and valid base64.
    pub fn script_bytes(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        let text = self.script.as_deref()?;
        base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
    }

    /// Sets the script content (base64-encodes it).
    pub fn set_script_bytes(&mut self, content: &[u8]) {
        use base64::Engine;
        self.script = Some(base64::engine::general_purpose::STANDARD.encode(content));
    }
}

record! {
    /// Answer of global init script create.
    pub struct CreateInitScriptResponse {
        /// The new script's id.
        script_id: String,
    }
}
