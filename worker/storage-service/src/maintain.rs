//! The provider's background duties (see [`StorageService::maintain`]).

use crate::StorageService;
use std::{collections::BTreeMap, sync::Arc, time::Duration, time::SystemTime};
use zg_primitives::Hash;
use zg_storage_node::{read, root_hex, store::FileMeta, Error};
use zg_worker_chain::{ChainFile, ChainShard, ChainShardState, ChainStatus};

impl StorageService {
	/// Every `period`: forget shards confirmed on chain (or of files gone), rebuild shards
	/// assigned to this provider that it does not hold (handed over, or lost from its disk)
	/// from any `k` shards of the other providers, checked against their committed roots, and
	/// collect the garbage (see `collect_garbage`).
	pub async fn maintain(self: Arc<Self>, period: Duration) {
		loop {
			tokio::time::sleep(period).await;
			if let Err(e) = self.maintain_once().await {
				tracing::warn!("maintenance: {e:#}");
			}
		}
	}

	/// One maintenance pass.
	pub async fn maintain_once(&self) -> anyhow::Result<()> {
		let best = self.chain.finalized_number().await?;
		let files = self.chain.files().await?;
		let on_chain: BTreeMap<Hash, &ChainFile> = files.iter().map(|(r, f)| (*r, f)).collect();
		for (root, file) in &files {
			self.store.note_expiry(root, file.expires_at)?;
		}
		self.collect_garbage(&on_chain, best)?;
		let Some(me) = self.provider else { return Ok(()) };
		for (root, index) in self.held() {
			let settled = match on_chain.get(&root) {
				None => true,
				Some(file) => file.shards.get(index as usize).is_none_or(|s| !s.awaits(&me)),
			};
			if settled {
				self.forget_held(root, index);
			}
		}
		if self.discard_confirmed {
			for (root, file) in &files {
				for (i, shard) in file.shards.iter().enumerate() {
					if shard.provider == Some(me)
						&& shard.is_confirmed()
						&& self.store.has_shard(root, i as u32)
					{
						tracing::warn!(
							"--fault-discard-confirmed: deleting confirmed shard {i} of {}",
							root_hex(root)
						);
						self.store.remove_shard(root, i as u32)?;
					}
				}
			}
		}
		for (root, file) in &files {
			for (i, shard) in file.shards.iter().enumerate() {
				let index = i as u32;
				if shard.provider != Some(me) {
					continue;
				}
				if self.store.has_shard(root, index) {
					// Stored since the chain was read (a push): still to be confirmed.
					if shard.awaits(&me) {
						self.mark_held(*root, index);
					}
					continue;
				}
				// A confirmed shard missing from the disk is rebuilt too (unless the test fault
				// threw it away on purpose).
				if shard.is_confirmed() && self.discard_confirmed {
					continue;
				}
				if awaits_push(file, shard, best, self.limits.confirmation_period) {
					continue;
				}
				if let Err(e) = self.rebuild_shard(root, file, index).await {
					tracing::warn!("cannot rebuild shard {index} of {}: {e:#}", root_hex(root));
				}
			}
		}
		if let Ok(mut fraud) = self.fraud.lock() {
			fraud.retain(|root, _| on_chain.contains_key(root));
		}
		Ok(())
	}

	/// Removes what the chain no longer asks this worker to keep, where its directory has not
	/// changed for [`StorageService::gc_grace`]: a file the chain was seen to hold once its last block
	/// (`expires-at`, as last seen) is past the best block `best` (a lagging node can only delay
	/// this); a file never seen on chain (an upload never submitted); and, of a file on chain, the
	/// shards assigned to another provider (a provider's worker, once they are pushed).
	pub(crate) fn collect_garbage(
		&self,
		on_chain: &BTreeMap<Hash, &ChainFile>,
		best: u64,
	) -> anyhow::Result<()> {
		let now = SystemTime::now();
		for (root, changed) in self.store.files() {
			if now.duration_since(changed).unwrap_or_default() < self.gc_grace {
				continue;
			}
			match on_chain.get(&root) {
				None => {
					let over = self.store.expiry(&root).is_none_or(|last| best > u64::from(last));
					if over {
						self.store.remove(&root)?;
						tracing::info!("collected {}: not on chain", root_hex(&root));
					}
				},
				Some(file) => {
					let Some(me) = self.provider else { continue };
					for index in self.store.held_shards(&root) {
						let other = file
							.shards
							.get(index as usize)
							.is_some_and(|s| s.provider.is_some_and(|p| p != me));
						if other {
							self.store.remove_shard(&root, index)?;
							tracing::info!(
								"collected shard {index} of {}: assigned to another provider",
								root_hex(&root)
							);
						}
					}
				},
			}
		}
		Ok(())
	}
}

/// Whether shard `shard` of `file`, which this provider lacks, is still its uploader's to push:
/// the file is being placed for the first time (`Pending`), the shard was drawn with the file
/// (its window is a whole `confirmation_period`), and less than half of that window has passed
/// at block `best`. Rebuilding it then would fetch `k` shards from the gateway while the
/// gateway pushes this one; past the half, the push is taken as missed (its worker was down,
/// or cut off mid-push) and the shard is rebuilt in the half left. A shard handed over from
/// another provider, even while its file is `Pending` (drawn later, to the file's deadline),
/// has no uploader to push it: rebuilt at once.
pub(crate) fn awaits_push(
	file: &ChainFile,
	shard: &ChainShard,
	best: u64,
	confirmation_period: u32,
) -> bool {
	let ChainShardState::Assigned { at, confirm_by } = shard.state else { return false };
	let drawn_with_file = confirm_by.checked_sub(at) == Some(confirmation_period);
	let half = u64::from(at) + u64::from(confirmation_period) / 2;
	file.status == ChainStatus::Pending && drawn_with_file && best < half
}

impl StorageService {
	/// Rebuilds shard `index` of `root`, newly assigned here, from any `k` shards of the others;
	/// if the shards at hand are not one codeword, keeps the proof for the node to report.
	pub(crate) async fn rebuild_shard(
		&self,
		root: &Hash,
		file: &ChainFile,
		index: u32,
	) -> anyhow::Result<()> {
		let meta = FileMeta { layout: file.layout()?, shard_roots: file.shard_roots() };
		let k = meta.layout.data_shards as usize;
		let shards = self.gather(root, &meta, Some(file), k).await;
		let (layout, roots, tmp) =
			(meta.layout, meta.shard_roots.clone(), self.store.tmp_dir().to_path_buf());
		let rebuilt = tokio::task::spawn_blocking(move || {
			read::rebuild(&layout, &roots, &shards, &[index], &tmp).map(|mut r| r.swap_remove(0))
		})
		.await?;
		match rebuilt {
			Ok(files) => {
				self.store.put_meta(root, &meta)?;
				self.store.put_shard(root, index, files)?;
				self.mark_held(*root, index);
				tracing::info!("rebuilt shard {index} of {}", root_hex(root));
			},
			Err(Error::Erasure(zg_primitives::erasure::ErasureError::Inconsistent)) => {
				// The shards at hand are not one codeword: find where, with every shard that can
				// be had, and keep the proof for the node to report.
				tracing::warn!(
					"shard {index} of {} does not rebuild to its root: checking the codeword",
					root_hex(root)
				);
				let all =
					self.gather(root, &meta, Some(file), layout.total_shards() as usize).await;
				let found =
					tokio::task::spawn_blocking(move || read::find_inconsistency(&layout, &all))
						.await??;
				match found {
					Some((chunk, proof)) => {
						tracing::warn!(
							"file {} is inconsistent at chunk {chunk}: reporting it",
							root_hex(root)
						);
						if let Ok(mut fraud) = self.fraud.lock() {
							fraud.insert(*root, (chunk, proof));
						}
					},
					None => tracing::info!(
						"cannot prove {} inconsistent with the shards at hand",
						root_hex(root)
					),
				}
			},
			Err(e) => tracing::info!("cannot rebuild shard {index} of {}: {e}", root_hex(root)),
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::awaits_push;
	use zg_worker_chain::{ChainFile, ChainLayout, ChainShard, ChainShardState, ChainStatus};

	/// The confirmation window of these tests' files.
	const PERIOD: u32 = 60;

	fn file(status: ChainStatus, state: ChainShardState) -> (ChainFile, ChainShard) {
		let shard =
			ChainShard { root: [1; 32], provider: Some([2; 32]), state, escrow: 0, bounty: 0 };
		let layout = ChainLayout { size: 1 << 20, data_shards: 2, parity_shards: 1 };
		let file = ChainFile {
			owner: [3; 32],
			layout,
			shards: vec![shard.clone(); 3],
			status,
			expires_at: 1_000,
		};
		(file, shard)
	}

	#[test]
	fn a_first_placement_waits_half_its_window_for_the_push() {
		let (f, s) =
			file(ChainStatus::Pending, ChainShardState::Assigned { at: 10, confirm_by: 70 });
		assert!(awaits_push(&f, &s, 10, PERIOD));
		assert!(awaits_push(&f, &s, 39, PERIOD));
		assert!(!awaits_push(&f, &s, 40, PERIOD), "past the half, the push is taken as missed");
		assert!(!awaits_push(&f, &s, 69, PERIOD));
	}

	#[test]
	fn a_shard_handed_over_while_its_file_is_pending_is_rebuilt_at_once() {
		// Drawn at 30, after its first provider left, to the file's deadline of 70.
		let (f, s) =
			file(ChainStatus::Pending, ChainShardState::Assigned { at: 30, confirm_by: 70 });
		assert!(!awaits_push(&f, &s, 30, PERIOD));
		assert!(!awaits_push(&f, &s, 31, PERIOD));
	}

	#[test]
	fn a_handover_or_a_confirmed_shard_is_rebuilt_at_once() {
		let handed = ChainShardState::Assigned { at: 10, confirm_by: 70 };
		for status in [ChainStatus::Finalized, ChainStatus::Degraded] {
			let (f, s) = file(status, handed);
			assert!(!awaits_push(&f, &s, 10, PERIOD), "{status:?}");
		}
		let (f, s) = file(ChainStatus::Pending, ChainShardState::Confirmed { index: 0 });
		assert!(!awaits_push(&f, &s, 10, PERIOD));
		// A window already over (a shard assigned in its file's last block).
		let (f, s) =
			file(ChainStatus::Pending, ChainShardState::Assigned { at: 70, confirm_by: 70 });
		assert!(!awaits_push(&f, &s, 70, PERIOD));
	}
}
