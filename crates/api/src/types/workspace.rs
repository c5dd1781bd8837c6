//! Workspace objects (`/api/2.0/workspace/*`): notebooks, files, folders.

use serde::{Deserialize, Serialize};

record! {
    /// An object in the workspace tree.
    pub struct ObjectInfo {
        /// NOTEBOOK, DIRECTORY, FILE, LIBRARY, REPO, DASHBOARD.
        object_type: String,
        /// Id, used for `/permissions/notebooks|directories|files/{id}`.
        object_id: i64,
        /// Absolute path.
        path: String,
        /// PYTHON, SCALA, SQL, R (notebooks).
        language: String,
        /// Creation time (ms).
        created_at: i64,
        /// Modification time (ms).
        modified_at: i64,
        /// Size in bytes (files).
        size: i64,
        /// Resource id.
        resource_id: String,
    }
}

/// Export/import format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExportFormat {
    /// Source code (the default; a directory exports as a zip of notebooks).
    Source,
    /// HTML.
    Html,
    /// Jupyter `.ipynb`.
    Jupyter,
    /// Databricks archive.
    Dbc,
    /// R Markdown.
    RMarkdown,
    /// Notebooks as source, files as is.
    Auto,
    /// Bytes as is.
    Raw,
}

impl ExportFormat {
    /// The wire name (`SOURCE`, `JUPYTER`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Source => "SOURCE",
            ExportFormat::Html => "HTML",
            ExportFormat::Jupyter => "JUPYTER",
            ExportFormat::Dbc => "DBC",
            ExportFormat::RMarkdown => "R_MARKDOWN",
            ExportFormat::Auto => "AUTO",
            ExportFormat::Raw => "RAW",
        }
    }
}

/// An exported object: decoded bytes and the file type the server reported.
#[derive(Clone, PartialEq)]
pub struct Exported {
    /// Content bytes (base64-decoded).
    pub content: Vec<u8>,
    /// File type (`py`, `ipynb`, …), when given.
    pub file_type: Option<String>,
}

impl std::fmt::Debug for Exported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exported")
            .field("content", &format_args!("<{} bytes>", self.content.len()))
            .field("file_type", &self.file_type)
            .finish()
    }
}

/// An import request. `content` is raw bytes; the client base64-encodes it.
#[derive(Clone, PartialEq)]
pub struct Import {
    /// Destination path (the parent folder must exist).
    pub path: String,
    /// Format of `content`.
    pub format: ExportFormat,
    /// Language, required for a single SOURCE notebook.
    pub language: Option<String>,
    /// Content bytes.
    pub content: Vec<u8>,
    /// Replace an existing object.
    pub overwrite: bool,
}

impl std::fmt::Debug for Import {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Import")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("language", &self.language)
            .field("content", &format_args!("<{} bytes>", self.content.len()))
            .field("overwrite", &self.overwrite)
            .finish()
    }
}
