//! The bundle's one error type. Every message names the file or the request at fault, says
//! what is wrong with it, and what to do; none ever carries a token (requests are named by
//! method, path and query, never by their headers).

use std::path::PathBuf;

/// What stops an export, the opening of a bundle, or a command reading its source from one.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file or directory could not be created, read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong, with the system's words.
        message: String,
    },
    /// `export --to` names a directory that already holds files.
    #[error(
        "{0}: the directory is not empty: export writes a new bundle into a new (or empty) directory (one holding an unfinished export can be removed)"
    )]
    NotEmpty(PathBuf),
    /// The directory holds no bundle, or an unfinished one.
    #[error("{path}: {message}")]
    NotABundle {
        /// The manifest it should hold.
        path: PathBuf,
        /// Why it is not a bundle, and what to do.
        message: String,
    },
    /// The manifest cannot be read as one.
    #[error(
        "{path}: not a readable bundle manifest ({message}): the bundle is damaged; export it again"
    )]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// The parser's words.
        message: String,
    },
    /// The bundle was written in a format newer than this brickport reads.
    #[error(
        "{path}: bundle format version {found} (written by brickport {written_by}); this brickport ({ours}) reads versions up to {supported}: use brickport {written_by} or newer to import it, or export again with this one"
    )]
    NewerFormat {
        /// The manifest.
        path: PathBuf,
        /// The version it says.
        found: u64,
        /// The newest version this brickport reads.
        supported: u32,
        /// The brickport version that wrote it.
        written_by: String,
        /// This brickport's version.
        ours: &'static str,
    },
    /// A file listed by the manifest is missing, has another size, or other bytes.
    #[error("{path}: {message}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What differs from the manifest, and what to do.
        message: String,
    },
    /// The answers file could not be read or written (SQLite).
    #[error("{path}: {source}")]
    Store {
        /// The answers file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A loopback server (the recorder, the replay) could not start.
    #[error("cannot serve on 127.0.0.1: {0}")]
    Serve(String),
    /// The source cannot be exported: it cannot be reached, or the caller is not an admin.
    #[error("source workspace: {0}")]
    Source(String),
    /// While exporting, the source answered some reads with nothing the bundle can keep
    /// (a 5xx, a 429, a broken connection) and never answered them properly after.
    #[error(
        "{count} source read(s) got no usable answer, e.g. {example}: the bundle would be incomplete; export again (into a new directory)"
    )]
    Unanswered {
        /// How many.
        count: usize,
        /// The first one and what came back.
        example: String,
    },
    /// A command reading its source from the bundle made a request the bundle has no answer
    /// for.
    #[error(
        "the bundle {dir} has no answer to `{request}` (a read of the source this command made): {hint}"
    )]
    NotRecorded {
        /// The bundle.
        dir: PathBuf,
        /// Method, path and query.
        request: String,
        /// Why that may be and what to do.
        hint: String,
    },
    /// A command tried to write to the bundle's source (it is read-only).
    #[error(
        "`{request}` is a write to the source, and the source here is the bundle {dir}, which is read-only: this command cannot run from a bundle"
    )]
    ReadOnly {
        /// The bundle.
        dir: PathBuf,
        /// Method and path.
        request: String,
    },
    /// A recorded answer could not be read back while serving (the message names the file).
    #[error("{0}")]
    Replay(String),
    /// The engine stopped (reading the source while exporting).
    #[error(transparent)]
    Engine(#[from] brickport_engine::EngineError),
}

impl BundleError {
    /// An I/O error on `path`, with what was being done.
    pub(crate) fn io(path: impl Into<PathBuf>, doing: &str, e: std::io::Error) -> Self {
        BundleError::Io {
            path: path.into(),
            message: format!("{doing}: {e}"),
        }
    }
}
