//! A model registry in a plain directory: every model stored under its content hash, two aliases
//! (`champion`, `challenger`) and a history of alias changes for rollback.
//!
//! ```text
//! models/
//!   registry.json            aliases, history, and a summary of every model
//!   3f1c2a9be0d4/            the model's id: the first 12 hex digits of its SHA-256
//!     model.churn
//!     model-card.json        when it was next to the model file that was added
//! ```
//!
//! `registry.json` is the only mutable file; it is replaced atomically (written beside, flushed to
//! disk, then renamed), so a crash never leaves it half-written. Every change is a
//! read-modify-write under an exclusive lock on `.registry.lock` ([`Update`]), so concurrent
//! writers (a scheduled retrain, a person promoting) queue instead of losing each other's
//! changes; the lock is the kernel's (`flock`), released when its holder exits, even by SIGKILL.
//! Model directories are never modified once written: the same bytes always land in the same
//! place.

use std::fs::File;
use std::io::Write;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::card::ModelCard;
use crate::monitor::predict::load_model;

pub const INDEX: &str = "registry.json";
/// The file writers lock; it holds nothing.
const LOCK: &str = ".registry.lock";
/// Version of the `registry.json` layout.
const LAYOUT: u32 = 1;

/// The registry index.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub layout: u32,
    pub champion: Option<String>,
    pub challenger: Option<String>,
    /// Every model, oldest first.
    pub models: Vec<Entry>,
    /// Alias changes, oldest first.
    pub history: Vec<Event>,
}

/// A stored model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub sha256: String,
    pub name: String,
    pub kind: String,
    pub added: String,
    /// Cross-validated ROC AUC and profit per customer from the card.
    pub roc_auc: f64,
    pub profit_per_customer: f64,
    /// The file it was trained on.
    pub source: String,
}

/// The two names a registry gives models: the one builds embed, and the one the edge sends a
/// share of customers to. The scorer defines it, so that the edge's traffic split and the
/// registry spell them alike.
pub use scorer_wasm::Alias;

impl crate::code::Code for Alias {
    const ALL: &'static [Alias] = &Alias::ALL;
    const WHAT: &'static str = "alias";
    fn as_str(self) -> &'static str {
        Alias::as_str(self)
    }
}

/// What an [`Event`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A model was given an alias.
    Promote,
    /// The champion went back to the one before.
    Rollback,
}

/// One alias change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: String,
    pub action: Action,
    #[serde(with = "crate::code::text")]
    pub alias: Alias,
    pub model: String,
    pub previous: Option<String>,
}

/// What [`Registry::add`] did.
pub struct Added {
    pub entry: Entry,
    /// False when the same bytes were already stored.
    pub new: bool,
    /// Whether the model became champion (the registry's first).
    pub champion: bool,
}

/// A registry directory, as read: a consistent snapshot, for reading. [`Update`] changes it.
pub struct Registry {
    dir: PathBuf,
    pub index: Index,
}

impl Registry {
    /// Opens a registry; a directory without `registry.json` is an empty registry.
    pub fn open(dir: &Path) -> Result<Registry> {
        let path = dir.join(INDEX);
        let index = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let index: Index = serde_json::from_str(&text).map_err(|e| {
                    Error::data(
                        &path,
                        format!("not a registry index ({e}); restore it or start a new directory"),
                    )
                })?;
                if index.layout != LAYOUT {
                    return Err(Error::data(
                        &path,
                        format!(
                            "registry layout {} is not the one this churn reads ({LAYOUT})",
                            index.layout
                        ),
                    ));
                }
                index
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Index { layout: LAYOUT, ..Index::default() }
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        Ok(Registry { dir: dir.to_path_buf(), index })
    }

    /// Opens a registry that must exist.
    pub fn open_existing(dir: &Path) -> Result<Registry> {
        must_exist(dir)?;
        Registry::open(dir)
    }

    /// The model a reference names: an alias, an id, or a unique prefix of an id.
    pub fn resolve(&self, reference: &str) -> Result<&Entry> {
        let id = match Alias::from_text(reference) {
            Some(alias) => self.alias(alias).ok_or_else(|| {
                Error::Usage(match alias {
                    Alias::Champion => "the registry has no champion yet; promote a model".into(),
                    Alias::Challenger => "the registry has no challenger".into(),
                })
            })?,
            None => reference,
        };
        let matches: Vec<&Entry> = self.index.models.iter().filter(|e| e.id.starts_with(id)).collect();
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::Usage(format!(
                "no model \"{reference}\" in {}; churn registry list shows what is there",
                self.dir.display()
            ))),
            many => Err(Error::Usage(format!(
                "\"{reference}\" matches {} models ({}); give more of the id",
                many.len(),
                many.iter().map(|e| e.id.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// The model file of an entry.
    pub fn model_path(&self, entry: &Entry) -> PathBuf {
        self.dir.join(&entry.id).join("model.churn")
    }

    /// The id an alias points at, if any.
    pub fn alias(&self, alias: Alias) -> Option<&str> {
        match alias {
            Alias::Champion => self.index.champion.as_deref(),
            Alias::Challenger => self.index.challenger.as_deref(),
        }
    }

    /// The aliases of a model, champion first, in their text forms.
    pub fn aliases(&self, id: &str) -> Vec<&'static str> {
        Alias::ALL.into_iter().filter(|&a| self.alias(a) == Some(id)).map(Alias::as_str).collect()
    }
}

/// A registry opened for changes: holds the exclusive lock from [`Update::open`] until dropped,
/// and reads the index only once it holds it, so every change starts from the latest one.
pub struct Update {
    registry: Registry,
    /// The locked file; dropping it unlocks.
    _lock: File,
}

impl Deref for Update {
    type Target = Registry;
    fn deref(&self) -> &Registry {
        &self.registry
    }
}

impl Update {
    /// Waits for the registry's lock (creating the directory and the lock file if need be), then
    /// reads the index; a directory without `registry.json` is an empty registry.
    pub fn open(dir: &Path) -> Result<Update> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        lock.lock().map_err(|e| Error::io(&path, e))?;
        Ok(Update { registry: Registry::open(dir)?, _lock: lock })
    }

    /// [`Update::open`] of a registry that must exist.
    pub fn open_existing(dir: &Path) -> Result<Update> {
        must_exist(dir)?;
        Update::open(dir)
    }

    /// Stores a model file (and the `model-card.json` beside it, if any). Adding the same bytes
    /// twice is a no-op. The first model of a registry becomes its champion, so that builds
    /// have something to embed from the start.
    pub fn add(&mut self, file: &Path) -> Result<Added> {
        let model = load_model(file)?;
        let id = model.id().to_string();
        if let Some(e) = self.registry.index.models.iter().find(|e| e.id == id) {
            return Ok(Added { entry: e.clone(), new: false, champion: false });
        }
        let card = ModelCard::of(&model).map_err(|e| Error::data(file, e.to_string()))?;
        let dir = self.registry.dir.join(&id);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        copy(file, &dir.join("model.churn"))?;
        let card_file = file.with_file_name("model-card.json");
        if card_file.exists() {
            copy(&card_file, &dir.join("model-card.json"))?;
        }
        let entry = Entry {
            id,
            sha256: model.checksum().to_string(),
            name: model.meta().name.clone(),
            kind: model.meta().kind.clone(),
            added: now(),
            roc_auc: card.cv.roc_auc.mean,
            profit_per_customer: card.cv.profit_per_customer.mean,
            source: card.data.source,
        };
        self.registry.index.models.push(entry.clone());
        self.save()?;
        let champion = self.registry.index.champion.is_none();
        if champion {
            self.promote(&entry.id, Alias::Champion)?;
        }
        Ok(Added { entry, new: true, champion })
    }

    /// Points `alias` at a model. Promoting the challenger to champion clears the challenger.
    pub fn promote(&mut self, reference: &str, alias: Alias) -> Result<Event> {
        let id = self.resolve(reference)?.id.clone();
        // The file must still load: never point production at a broken file.
        load_model(&self.model_path(self.resolve(&id)?))?;
        let previous = match alias {
            Alias::Champion => self.registry.index.champion.replace(id.clone()),
            Alias::Challenger => self.registry.index.challenger.replace(id.clone()),
        };
        if alias == Alias::Champion && self.registry.index.challenger.as_deref() == Some(id.as_str()) {
            self.registry.index.challenger = None;
        }
        let event = Event { at: now(), action: Action::Promote, alias, model: id, previous };
        self.registry.index.history.push(event.clone());
        self.save()?;
        Ok(event)
    }

    /// Makes the champion before the current one champion again.
    pub fn rollback(&mut self) -> Result<Event> {
        let current = self
            .registry
            .index
            .champion
            .clone()
            .ok_or_else(|| Error::Usage("the registry has no champion to roll back".into()))?;
        // The champion the current one replaced when it was promoted; rolling back again goes
        // further back, since a rollback is not a promotion.
        let previous = self
            .registry
            .index
            .history
            .iter()
            .rev()
            .filter(|e| e.alias == Alias::Champion && e.action == Action::Promote)
            .find(|e| e.model == current)
            .and_then(|e| e.previous.clone())
            .ok_or_else(|| {
                Error::Usage(format!("{current} is the first champion; there is nothing to roll back to"))
            })?;
        load_model(&self.model_path(self.resolve(&previous)?))?;
        self.registry.index.champion = Some(previous.clone());
        let event = Event {
            at: now(),
            action: Action::Rollback,
            alias: Alias::Champion,
            model: previous,
            previous: Some(current),
        };
        self.registry.index.history.push(event.clone());
        self.save()?;
        Ok(event)
    }

    /// Replaces `registry.json`: written beside, flushed to disk, renamed over. The temporary
    /// name is the lock holder's alone.
    fn save(&self) -> Result<()> {
        let dir = &self.registry.dir;
        let path = dir.join(INDEX);
        let tmp = dir.join(format!(".{INDEX}.tmp"));
        let text = serde_json::to_string_pretty(&self.index).map_err(|e| Error::Training(e.to_string()))?;
        let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        file.write_all(format!("{text}\n").as_bytes()).map_err(|e| Error::io(&tmp, e))?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }
}

/// The error for a folder without `registry.json`.
fn must_exist(dir: &Path) -> Result<()> {
    if dir.join(INDEX).exists() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} is not a model registry (no {INDEX}); add a model with churn registry add --dir {} FILE",
        dir.display(),
        dir.display()
    )))
}

/// Copies a file whole or not at all: into a temporary name beside, then renamed.
fn copy(from: &Path, to: &Path) -> Result<()> {
    let tmp = to.with_extension("tmp");
    std::fs::copy(from, &tmp).map_err(|e| Error::io(from, e))?;
    std::fs::rename(&tmp, to).map_err(|e| Error::io(to, e))
}

/// The current time, RFC 3339 in UTC to the second.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_index(text: &str) -> (tempfile::TempDir, Result<Registry>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(INDEX), text).unwrap();
        let registry = Registry::open(dir.path());
        (dir, registry)
    }

    #[test]
    fn history_aliases_are_read_by_their_text_and_a_misspelled_one_is_named() {
        let event = |alias: &str| {
            format!(
                r#"{{"layout":1,"champion":"a1","challenger":null,"models":[],"history":[
                {{"at":"2026-12-01T00:00:00Z","action":"promote","alias":"{alias}","model":"a1","previous":null}}]}}"#
            )
        };
        let (_dir, registry) = with_index(&event("champion"));
        let registry = registry.unwrap();
        assert_eq!(registry.index.history[0].alias, Alias::Champion);
        assert_eq!((registry.alias(Alias::Champion), registry.aliases("a1")), (Some("a1"), vec!["champion"]));
        let written = serde_json::to_value(&registry.index.history[0]).unwrap();
        assert_eq!(written["alias"], "champion");

        let (dir, registry) = with_index(&event("champoin"));
        assert_eq!(
            registry.err().unwrap().to_string(),
            format!(
                "{}: not a registry index (unknown alias \"champoin\"; did you mean \"champion\"? at line 2 \
                 column 82); restore it or start a new directory",
                dir.path().join(INDEX).display()
            )
        );
    }
}
