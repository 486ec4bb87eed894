//! Where data sets are looked for: `$MLP_DATA_DIR`, the repository's `data/`,
//! and the user cache.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{CACHE_DIR_ENV, DATA_DIR_ENV};

/// A folder to look in, and why it is looked in (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) dir: PathBuf,
    pub(crate) why: String,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.dir.display(), self.why)
    }
}

/// The repository's `data/` folder (next to the `mlp-core` crate).
pub(crate) fn repository_data_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).join("data")
}

/// A set environment variable with a non-empty value.
fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The folders that may hold a data set's files, in lookup order.
///
/// `explicit` (from a builder) replaces `$MLP_DATA_DIR` and the repository's
/// copy. A data folder may hold the files themselves or a `subdir` holding them.
pub(crate) fn data_places(explicit: Option<&Path>, subdir: &str) -> Vec<Place> {
    data_places_with(
        explicit,
        env_dir(DATA_DIR_ENV),
        &repository_data_dir(),
        subdir,
    )
}

fn data_places_with(
    explicit: Option<&Path>,
    env: Option<PathBuf>,
    repo: &Path,
    subdir: &str,
) -> Vec<Place> {
    let both = |dir: &Path, why: String| {
        [
            Place {
                dir: dir.to_path_buf(),
                why: why.clone(),
            },
            Place {
                dir: dir.join(subdir),
                why,
            },
        ]
    };
    if let Some(dir) = explicit {
        return both(dir, "the data folder given to the loader".into()).into();
    }
    let mut places = Vec::new();
    if let Some(dir) = env {
        places.extend(both(&dir, format!("${DATA_DIR_ENV}")));
    }
    // Only a build from the repository has it; a packaged crate has no `data/`.
    if repo.join(subdir).is_dir() {
        places.push(Place {
            dir: repo.join(subdir),
            why: "the repository's data folder".into(),
        });
    }
    places
}

/// A note for messages when `$MLP_DATA_DIR` is not set, so the user learns of it.
pub(crate) fn data_env_note(explicit: Option<&Path>) -> Option<String> {
    (explicit.is_none() && env_dir(DATA_DIR_ENV).is_none())
        .then(|| format!("${DATA_DIR_ENV} is not set"))
}

/// The folder downloads are cached in: `<root>/<subdir>`, where the root is
/// `explicit`, else `$MLP_CACHE_DIR`, else the platform cache folder + `mlp`.
pub(crate) fn cache_place(explicit: Option<&Path>, subdir: &str) -> Option<Place> {
    cache_place_with(explicit, env_dir(CACHE_DIR_ENV), dirs::cache_dir(), subdir)
}

fn cache_place_with(
    explicit: Option<&Path>,
    env: Option<PathBuf>,
    platform: Option<PathBuf>,
    subdir: &str,
) -> Option<Place> {
    let (root, why) = match (explicit, env, platform) {
        (Some(dir), _, _) => (
            dir.to_path_buf(),
            "the cache folder given to the loader".to_string(),
        ),
        (None, Some(dir), _) => (dir, format!("the download cache, ${CACHE_DIR_ENV}")),
        (None, None, Some(dir)) => (dir.join("mlp"), "the download cache".to_string()),
        (None, None, None) => return None,
    };
    Some(Place {
        dir: root.join(subdir),
        why,
    })
}

/// The error message of a missing file: `head`, every place looked in, a note
/// if `$MLP_DATA_DIR` is not set, then `advice` (what to put where).
pub(crate) fn not_found_message(
    head: &str,
    searched: &[Place],
    explicit: Option<&Path>,
    advice: &str,
) -> String {
    let mut message = format!("{head}.\nLooked in:\n");
    for place in searched {
        message.push_str(&format!("  - {place}\n"));
    }
    if let Some(note) = data_env_note(explicit) {
        message.push_str(&format!("  ({note})\n"));
    }
    message.push_str(advice);
    message
}

/// The first `place/<file_name>` that is a file.
pub(crate) fn find(places: &[Place], file_name: &str) -> Option<PathBuf> {
    places
        .iter()
        .map(|p| p.dir.join(file_name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_explicit_or_env_then_repository() {
        let root = tempfile::tempdir().unwrap();
        let repo = &root.path().join("data");
        std::fs::create_dir_all(repo.join("fashion-mnist")).unwrap();
        let dirs = |places: Vec<Place>| places.into_iter().map(|p| p.dir).collect::<Vec<_>>();
        assert_eq!(
            dirs(data_places_with(
                None,
                Some("/env".into()),
                repo,
                "fashion-mnist"
            )),
            [
                PathBuf::from("/env"),
                "/env/fashion-mnist".into(),
                repo.join("fashion-mnist")
            ]
        );
        assert_eq!(
            dirs(data_places_with(None, None, repo, "fashion-mnist")),
            [repo.join("fashion-mnist")]
        );
        // A packaged crate has no repository folder: it is not listed.
        assert_eq!(
            dirs(data_places_with(None, Some("/env".into()), repo, "other")),
            [PathBuf::from("/env"), "/env/other".into()]
        );
        assert_eq!(
            dirs(data_places_with(
                Some(Path::new("/mine")),
                Some("/env".into()),
                repo,
                "x"
            )),
            [PathBuf::from("/mine"), "/mine/x".into()]
        );
    }

    #[test]
    fn cache_is_explicit_then_env_then_platform() {
        let p = |e: Option<&str>, env: Option<&str>, plat: Option<&str>| {
            cache_place_with(
                e.map(Path::new),
                env.map(PathBuf::from),
                plat.map(PathBuf::from),
                "fm",
            )
            .map(|p| p.dir)
        };
        assert_eq!(p(Some("/a"), Some("/b"), Some("/c")), Some("/a/fm".into()));
        assert_eq!(p(None, Some("/b"), Some("/c")), Some("/b/fm".into()));
        assert_eq!(p(None, None, Some("/c")), Some("/c/mlp/fm".into()));
        assert_eq!(p(None, None, None), None);
    }

    #[test]
    fn repository_data_dir_holds_the_data() {
        assert!(
            repository_data_dir()
                .join("fashion-mnist")
                .join("PROVENANCE.md")
                .is_file()
        );
    }
}
