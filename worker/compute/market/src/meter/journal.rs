//! The meter's files: a worker's journal of unsettled spend, and the journals of the other
//! workers of the same provider when they share a directory.
//!
//! A journal is JSON, written to a temporary file that is renamed over the last one, so that
//! a reader (this worker after a restart, or another worker) always sees a whole version.
//! Each entry holds one capability's spend in three amounts:
//! - `unsettled`: what a restarted worker settles (amounts in settlement are left out: if the
//!   worker dies before it knows whether the settlement landed, the user is never charged
//!   twice for them);
//! - `limbo`: the amounts in settlement, and those sent whose fate is unknown: a restarted
//!   worker never sends them again, but counts them for a while in case they land late;
//! - `outstanding`: what the other workers must count against the capability and its user
//!   now: the unsettled spend, amounts in settlement or in limbo included, and the
//!   reservations of requests in flight.
//!
//! `settlements` counts the settlements this worker completed, across restarts, and
//! `settled_at` is the block the last one landed in; a worker reading the others' journals
//! compares their sum before and after it reads the chain, and reads the chain again until it
//! reads at `settled_at` or later (see [`super::Meter::reserve`]).

use super::{Grant, Key, Spend};
use codec::{Decode, Encode};
use std::{
	collections::BTreeMap,
	fs::File,
	path::{Path, PathBuf},
	sync::Arc,
};
use zg_primitives::compute::SpendingCapability;

/// One capability's spend in a journal.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
	/// Hex of the SCALE capability.
	capability: String,
	/// Hex of the signature.
	signature: String,
	/// Plancks to settle after a restart, in decimal.
	unsettled: String,
	/// Plancks the other workers count, in decimal (absent in journals written before
	/// directories were shared: then the unsettled amount).
	#[serde(default)]
	outstanding: Option<String>,
	/// Plancks sent for settlement whose fate is unknown, or in settlement as this was
	/// written: a restart never sends them again but counts them for a while (see
	/// [`super::Spend::limbo`]). In decimal; absent means none.
	#[serde(default)]
	limbo: Option<String>,
}

/// A journal as written since directories can be shared.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Journal {
	settlements: u64,
	/// The block the last settlement landed in (absent before it was journaled).
	#[serde(default)]
	settled_at: u64,
	entries: Vec<Entry>,
}

/// A journal as it may be found on disk: the current shape, or a bare list of entries (the
/// first shape, still read so that an upgraded worker settles what it owes).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OnDisk {
	Current(Journal),
	First(Vec<Entry>),
}

/// One capability's entry as the meter uses it.
pub(super) struct LoadedEntry {
	/// The signed grant.
	pub grant: Grant,
	/// What to settle.
	pub unsettled: u128,
	/// What the others must count.
	pub outstanding: u128,
	/// Sent, fate unknown (see [`super::Spend::limbo`]).
	pub limbo: u128,
}

/// A journal's content as the meter uses it.
#[derive(Default)]
pub(super) struct Loaded {
	/// Per capability.
	pub entries: BTreeMap<Key, LoadedEntry>,
	/// Settlements completed by the worker that wrote it.
	pub settlements: u64,
	/// The block the last of them landed in.
	pub settled_at: u64,
}

impl Loaded {
	/// The journal at `path` (empty if there is no file yet).
	pub fn read(path: &Path) -> anyhow::Result<Self> {
		let bytes = match std::fs::read(path) {
			Ok(bytes) => bytes,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
			Err(e) => return Err(e.into()),
		};
		let journal = match serde_json::from_slice(&bytes)? {
			OnDisk::Current(journal) => journal,
			OnDisk::First(entries) => Journal { entries, ..Default::default() },
		};
		let mut loaded = Self {
			settlements: journal.settlements,
			settled_at: journal.settled_at,
			..Default::default()
		};
		for entry in journal.entries {
			let capability = SpendingCapability::decode(&mut &hex::decode(&entry.capability)?[..])?;
			let signature = <[u8; 64]>::try_from(hex::decode(&entry.signature)?)
				.map_err(|_| anyhow::anyhow!("a signature is 64 bytes"))?;
			let unsettled: u128 = entry.unsettled.parse()?;
			let outstanding = match entry.outstanding {
				Some(text) => text.parse()?,
				None => unsettled,
			};
			let limbo = match entry.limbo {
				Some(text) => text.parse()?,
				None => 0,
			};
			let grant = Grant { capability, signature };
			loaded
				.entries
				.insert(grant.key(), LoadedEntry { grant, unsettled, outstanding, limbo });
		}
		Ok(loaded)
	}
}

/// Writes the journal of `entries` (with `settling`, the amounts in settlement, left out of
/// what a restart settles) at `path`: to a temporary file synced to the disk, renamed over the
/// last one, the directory synced, so that a crash or a power loss leaves the last journal or
/// this one, whole. Files are readable by their owner only (they hold signed API keys).
pub(super) fn write(
	path: &Path,
	entries: &BTreeMap<Key, (Grant, Spend)>,
	settling: &BTreeMap<Key, u128>,
	(settlements, settled_at): (u64, u64),
) -> std::io::Result<()> {
	let entries = entries
		.iter()
		.map(|(key, (grant, spend))| {
			let settling = settling.get(key).copied().unwrap_or(0).min(spend.unsettled);
			(grant, spend.unsettled - settling, spend.limbo.saturating_add(settling), spend)
		})
		.filter(|(_, _, _, spend)| spend.outstanding() > 0)
		.map(|(grant, owed, limbo, spend)| Entry {
			capability: hex::encode(grant.capability.encode()),
			signature: hex::encode(grant.signature),
			unsettled: owed.to_string(),
			outstanding: Some(spend.outstanding().to_string()),
			limbo: (limbo > 0).then(|| limbo.to_string()),
		})
		.collect();
	let bytes = serde_json::to_vec(&Journal { settlements, settled_at, entries })
		.map_err(std::io::Error::other)?;
	let tmp = path.with_extension("tmp");
	let mut file = private_file(&tmp)?;
	std::io::Write::write_all(&mut file, &bytes)?;
	file.sync_all()?;
	std::fs::rename(&tmp, path)?;
	if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
		File::open(dir)?.sync_all()?;
	}
	Ok(())
}

/// Creates (or truncates) `path`, readable and writable by its owner only.
fn private_file(path: &Path) -> std::io::Result<File> {
	use std::os::unix::fs::OpenOptionsExt;
	std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

/// What the other workers of the provider have outstanding.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Peers {
	/// The sum of their completed settlements.
	pub settlements: u64,
	/// The latest block one of them landed in.
	pub settled_at: u64,
	/// Per capability.
	pub by_key: BTreeMap<Key, u128>,
	/// Per user, over all of the user's capabilities.
	pub by_user: BTreeMap<crate::Account, u128>,
	/// The capability each key was first served under.
	pub capabilities: BTreeMap<Key, SpendingCapability<crate::Account, u32>>,
}

/// A directory shared by the workers of one provider: each keeps its journal there, as
/// `<name>.json`, and reads the others' before it admits a request.
pub(super) struct Shared {
	dir: PathBuf,
	name: String,
	/// Held for the worker's life: a second worker with the same name is refused.
	_name_lock: File,
	/// Taken while a worker checks and reserves, so that two workers never admit against the
	/// same room.
	admission: Arc<File>,
}

/// The admission lock of a shared directory, released when dropped.
pub(super) struct Admission(Arc<File>);

impl Drop for Admission {
	fn drop(&mut self) {
		let _ = self.0.unlock();
	}
}

/// Whether `name` can name a worker: letters, digits, '-' and '_'.
fn valid_name(name: &str) -> bool {
	!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Opens (or creates) a lock file, readable and writable by its owner only.
fn lock_file(path: &Path) -> std::io::Result<File> {
	use std::os::unix::fs::OpenOptionsExt;
	std::fs::OpenOptions::new().write(true).create(true).truncate(false).mode(0o600).open(path)
}

impl Shared {
	/// Joins the directory `dir` as the worker `name`.
	pub fn join(dir: &Path, name: &str) -> anyhow::Result<Self> {
		anyhow::ensure!(
			valid_name(name),
			"a worker's name is letters, digits, '-' and '_', not {name:?}"
		);
		{
			use std::os::unix::fs::DirBuilderExt;
			std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
		}
		let name_lock = lock_file(&dir.join(format!("{name}.lock")))?;
		if name_lock.try_lock().is_err() {
			anyhow::bail!(
				"another running worker uses the name {name:?} in {}: give each worker its own",
				dir.display()
			);
		}
		let admission = Arc::new(lock_file(&dir.join(".admission.lock"))?);
		Ok(Self {
			dir: dir.to_path_buf(),
			name: name.to_string(),
			_name_lock: name_lock,
			admission,
		})
	}

	/// This worker's journal.
	pub fn journal(&self) -> PathBuf {
		self.dir.join(format!("{}.json", self.name))
	}

	/// Takes the admission lock (waits while another worker holds it).
	pub fn admit(&self) -> std::io::Result<Admission> {
		self.admission.lock()?;
		Ok(Admission(self.admission.clone()))
	}

	/// What the other workers' journals hold now: the regular files `<name>.json` of the
	/// directory with a worker's name (anything else is left alone). A journal that cannot be
	/// read is an error: admitting without it could overdraw what its worker owes.
	pub fn peers(&self) -> anyhow::Result<Peers> {
		let mut peers = Peers::default();
		let own = self.journal();
		for entry in std::fs::read_dir(&self.dir)? {
			let entry = entry?;
			let path = entry.path();
			let is_journal = path.extension().is_some_and(|e| e == "json")
				&& path.file_stem().and_then(|s| s.to_str()).is_some_and(valid_name)
				&& entry.file_type().is_ok_and(|t| t.is_file());
			if path == own || !is_journal {
				continue;
			}
			let loaded = Loaded::read(&path)
				.map_err(|e| anyhow::anyhow!("cannot read {}: {e:#}", path.display()))?;
			peers.settlements = peers.settlements.wrapping_add(loaded.settlements);
			peers.settled_at = peers.settled_at.max(loaded.settled_at);
			for (key, LoadedEntry { grant, outstanding, .. }) in loaded.entries {
				peers.capabilities.entry(key).or_insert(grant.capability);
				let k = peers.by_key.entry(key).or_default();
				*k = k.saturating_add(outstanding);
				let u = peers.by_user.entry(key.0).or_default();
				*u = u.saturating_add(outstanding);
			}
		}
		Ok(peers)
	}
}
