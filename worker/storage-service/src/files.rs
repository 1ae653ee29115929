//! What the storage API does: uploads, pushes, shards from peers, reads, proofs, status.
//! Bodies come in and go out as byte streams ([`crate::transfer`]), so that the HTTP layer
//! only carries them.

use crate::{
	blocking,
	transfer::{deadline_for, stream_from, stream_into},
	StorageError, StorageService,
};
use bytes::Bytes;
use futures::Stream;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;
use zg_primitives::{storage::FileLayout, worker_api::ProofReply, Hash};
use zg_storage_node::{
	ingest::Ingest,
	read, root_hex,
	shard::{ShardFiles, ShardWriter},
	store::FileMeta,
};
use zg_worker_chain::{ChainFile, ChainStatus};

/// What an upload answers (and what the CLI reads).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Uploaded {
	/// The file's root (what `Storage.submit` takes).
	pub root: String,
	/// Its size in bytes.
	pub size: u64,
	/// `k`.
	pub data_shards: u16,
	/// `m`.
	pub parity_shards: u16,
	/// Bytes per shard.
	pub shard_size: u64,
	/// Each shard's Merkle root, in order.
	pub shard_roots: Vec<String>,
}

/// How a push went, shard by shard (and what the CLI reads).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PushReport {
	/// The file.
	pub root: String,
	/// One entry per assigned shard.
	pub shards: Vec<PushedShard>,
}

impl PushReport {
	/// Whether every shard reached its provider.
	pub fn complete(&self) -> bool {
		self.shards.iter().all(|s| s.ok)
	}
}

/// One shard of a push.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PushedShard {
	/// Its index.
	pub shard: u32,
	/// Its provider.
	pub provider: String,
	/// Whether it reached it.
	pub ok: bool,
	/// Why not.
	pub error: Option<String>,
}

/// A file as the chain and this worker see it.
#[derive(Clone, Debug, Serialize)]
pub struct FileStatus {
	/// The file.
	pub root: String,
	/// On chain (`None`: not, or no longer).
	pub on_chain: Option<OnChain>,
	/// Shards held here.
	pub held_here: Vec<u32>,
}

/// A file on chain.
#[derive(Clone, Debug, Serialize)]
pub struct OnChain {
	/// `Pending`, `Finalized`, `Degraded`, …
	pub status: String,
	/// Size in bytes.
	pub size: u64,
	/// `k`.
	pub data_shards: u16,
	/// `m`.
	pub parity_shards: u16,
	/// Shards confirmed by their providers.
	pub confirmed: usize,
	/// The last block it is paid for.
	pub expires_at: u32,
	/// Each shard.
	pub shards: Vec<ShardOnChain>,
}

/// A shard on chain.
#[derive(Clone, Debug, Serialize)]
pub struct ShardOnChain {
	/// Its provider (none before the draw).
	pub provider: Option<String>,
	/// Its state on chain.
	pub state: String,
	/// Whether it is confirmed.
	pub confirmed: bool,
}

/// A read of a file: its size, the byte range asked, and the bytes as they come.
pub struct FileRead {
	/// The file's size.
	pub size: u64,
	/// The range read, `[start, end)`.
	pub range: (u64, u64),
	/// The bytes.
	pub body: std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>,
}

fn hex_account(account: &[u8; 32]) -> String {
	format!("0x{}", hex::encode(account))
}

impl StorageService {
	/// The file `root` on chain, or [`StorageError::NotOnChain`].
	pub async fn on_chain(&self, root: &Hash) -> Result<ChainFile, StorageError> {
		self.chain.file(root).await?.ok_or_else(|| StorageError::NotOnChain(root_hex(root)))
	}

	/// Takes an upload of `size` bytes coded with `k` data and `m` parity shards (gateways
	/// only, within the chain's limits and this worker's): `body` is encoded as it arrives and
	/// its shards kept until they are pushed.
	pub async fn upload<B, E>(
		self: &Arc<Self>,
		size: Option<u64>,
		k: u32,
		m: u32,
		body: B,
	) -> Result<Uploaded, StorageError>
	where
		B: Stream<Item = Result<Bytes, E>> + Send,
		E: std::fmt::Display,
	{
		if !self.gateway {
			return Err(StorageError::NotGateway);
		}
		let size = size.ok_or(StorageError::LengthRequired)?;
		self.limits.check(size, k, m).map_err(StorageError::Limits)?;
		if size > self.max_upload {
			return Err(StorageError::UploadTooLarge(self.max_upload));
		}
		// `check` bounded k and m by the chain's limits (u16 at most).
		let (k, m) = (k as u16, m as u16);
		let layout = FileLayout::new(size, k, m).map_err(zg_storage_node::Error::from)?;
		// Both held until the coding ends, even if the client leaves first.
		let permit =
			self.uploads.clone().try_acquire_owned().map_err(|_| StorageError::Busy("uploads"))?;
		let room = self.store.reserve_shards(layout.stored_bytes())?;
		let ingest = Ingest::new(self.store.tmp_dir(), size, k, m)?;
		let ingest = stream_into(body, ingest, Ingest::write, deadline_for(size)).await?;
		let worker = self.clone();
		let (root, shard_roots) = blocking(move || {
			let _permit = permit;
			let encoded = ingest.finish(worker.backend.as_ref())?;
			let (root, roots) = (encoded.root, encoded.shard_roots.clone());
			worker.store.put_encoded(encoded, room)?;
			Ok((root, roots))
		})
		.await?;
		tracing::info!("uploaded {} ({size} bytes, k = {k}, m = {m})", root_hex(&root));
		Ok(Uploaded {
			root: root_hex(&root),
			size,
			data_shards: k,
			parity_shards: m,
			shard_size: layout.shard_size(),
			shard_roots: shard_roots.iter().map(root_hex).collect(),
		})
	}

	/// Sends each shard of the submitted file `root` to the provider the chain assigned it to;
	/// once all arrived, the shards of other providers are removed from here.
	pub async fn push(&self, root: Hash) -> Result<PushReport, StorageError> {
		let _permit = self.pushes.try_acquire().map_err(|_| StorageError::Busy("pushes"))?;
		let file = self.on_chain(&root).await?;
		self.store.meta(&root)?;
		if !file.assigned() {
			return Err(StorageError::NotAssigned(root_hex(&root)));
		}
		let mut shards = Vec::new();
		for (i, shard) in file.shards.iter().enumerate() {
			let index = i as u32;
			let Some(provider) = shard.provider else { continue };
			let outcome = if Some(provider) == self.provider {
				self.mark_held(root, index);
				Ok(())
			} else {
				match self.chain.endpoint(&provider).await? {
					None => Err("the provider has no registered endpoint".to_string()),
					Some(endpoint) => {
						let files = self.store.shard(&root, index)?;
						self.peers.put(&endpoint, &root, index, &files).await
					},
				}
			};
			shards.push(PushedShard {
				shard: index,
				provider: hex_account(&provider),
				ok: outcome.is_ok(),
				error: outcome.err(),
			});
		}
		let report = PushReport { root: root_hex(&root), shards };
		if report.complete() {
			for (i, shard) in file.shards.iter().enumerate() {
				if shard.provider != self.provider {
					self.store.remove_shard(&root, i as u32)?;
				}
			}
		}
		Ok(report)
	}

	/// Takes shard `index` of `root` from a peer: refused unless the file is on chain, the
	/// shard is assigned to this worker's provider, it has its size (`length`, when given),
	/// it fits the capacity, and what arrives matches its committed root.
	pub async fn accept_shard<B, E>(
		&self,
		root: Hash,
		index: u32,
		length: Option<u64>,
		body: B,
	) -> Result<(), StorageError>
	where
		B: Stream<Item = Result<Bytes, E>> + Send,
		E: std::fmt::Display,
	{
		let me = self.provider.ok_or(StorageError::NotProvider)?;
		let file = self.on_chain(&root).await?;
		let Some(shard) = file.shards.get(index as usize) else {
			return Err(StorageError::NoSuchShard { root: root_hex(&root), index });
		};
		if shard.provider != Some(me) {
			return Err(StorageError::AssignedElsewhere {
				root: root_hex(&root),
				index,
				to: shard.provider.map_or("nobody yet".into(), |p| hex_account(&p)),
			});
		}
		let layout = file.layout()?;
		if length.is_some_and(|n| n != layout.shard_size()) {
			return Err(StorageError::ShardSize {
				root: root_hex(&root),
				index,
				size: layout.shard_size(),
			});
		}
		if self.store.has_shard(&root, index) {
			// Checked against its root when it was kept: nothing to keep again. The body is
			// read and dropped (within the usual deadline), so that the pusher gets the answer
			// rather than a connection reset.
			let limit = layout.shard_size();
			// (bytes seen, at most).
			let discard = |seen: &mut (u64, u64), piece: &[u8]| {
				seen.0 = seen.0.saturating_add(piece.len() as u64);
				if seen.0 > seen.1 {
					return Err(zg_storage_node::Error::TooLarge { limit: seen.1 });
				}
				Ok(())
			};
			stream_into(body, (0u64, limit), discard, deadline_for(limit)).await?;
			self.mark_held(root, index);
			return Ok(());
		}
		let _permit =
			self.shard_puts.try_acquire().map_err(|_| StorageError::Busy("incoming shards"))?;
		let writer = self.store.shard_writer(layout.shard_size())?;
		self.store.put_meta(&root, &FileMeta { layout, shard_roots: file.shard_roots() })?;
		let deadline = deadline_for(layout.shard_size());
		let writer = stream_into(body, writer, ShardWriter::write, deadline).await?;
		let store = self.store.clone();
		blocking(move || store.put_shard(&root, index, writer.finish()?)).await?;
		self.mark_held(root, index);
		Ok(())
	}

	/// Meta of a file: from the chain, or from the store once it left the chain.
	async fn meta_of(&self, root: &Hash) -> Result<(FileMeta, Option<ChainFile>), StorageError> {
		match self.chain.file(root).await? {
			Some(file) => {
				let meta = FileMeta { layout: file.layout()?, shard_roots: file.shard_roots() };
				Ok((meta, Some(file)))
			},
			None => Ok((self.store.meta(root)?, None)),
		}
	}

	/// Gathers at least `want` shards of `root` (or as many as can be found), each checked
	/// against its root when it was stored or fetched: local ones first, then, lowest index
	/// first (data shards before parity), from the providers.
	pub(crate) async fn gather(
		&self,
		root: &Hash,
		meta: &FileMeta,
		file: Option<&ChainFile>,
		want: usize,
	) -> Vec<Option<ShardFiles>> {
		let n = meta.layout.total_shards() as usize;
		let k = want.min(n);
		let mut shards: Vec<Option<ShardFiles>> =
			(0..n as u32).map(|i| self.store.shard(root, i).ok()).collect();
		let mut have = shards.iter().flatten().count();
		if let Some(file) = file {
			let mut missing: Vec<usize> = (0..n).filter(|i| shards[*i].is_none()).collect();
			// Fetch in parallel, k - have at a time, until enough or none left.
			while have < k && !missing.is_empty() {
				let batch: Vec<usize> = missing.drain(..(k - have).min(missing.len())).collect();
				let size = meta.layout.shard_size();
				let fetches = batch.iter().map(|&i| async move {
					let provider = file.shards[i].provider?;
					let endpoint = self.chain.endpoint(&provider).await.ok().flatten()?;
					let expected = meta.shard_roots[i];
					self.peers.get(&self.store, &endpoint, root, i as u32, size, expected).await
				});
				let results = futures::future::join_all(fetches).await;
				for (i, result) in batch.into_iter().zip(results) {
					if let Some(files) = result {
						shards[i] = Some(files);
						have += 1;
					}
				}
			}
		}
		shards
	}

	/// A file's `k` data shards, at hand or fetched, the missing ones rebuilt from any `k`
	/// shards; each has its committed root (see [`read::rebuild`]).
	async fn data_shards(
		&self,
		root: Hash,
		meta: &FileMeta,
		file: Option<&ChainFile>,
	) -> Result<Vec<ShardFiles>, StorageError> {
		let k = meta.layout.data_shards as usize;
		let shards = self.gather(&root, meta, file, k).await;
		let have = shards.iter().flatten().count();
		if have < k {
			return Err(zg_storage_node::Error::NotEnoughShards { have, need: k }.into());
		}
		let (layout, roots, tmp) =
			(meta.layout, meta.shard_roots.clone(), self.store.tmp_dir().to_path_buf());
		blocking(move || read::data_shards(&layout, &roots, shards, &tmp)).await
	}

	/// The size of the file `root`, from the chain or the store.
	pub async fn file_size(&self, root: &Hash) -> Result<u64, StorageError> {
		Ok(self.meta_of(root).await?.0.layout.size)
	}

	/// Reads `range` (`[start, end)`, the whole file when `None`, already checked against the
	/// file's size) of the file `root`, rebuilt from any `k` shards, each checked against its
	/// committed root before a byte is produced.
	pub async fn read(
		&self,
		root: Hash,
		range: Option<(u64, u64)>,
	) -> Result<FileRead, StorageError> {
		let (meta, file) = self.meta_of(&root).await?;
		let size = meta.layout.size;
		let permit = self
			.downloads
			.clone()
			.try_acquire_owned()
			.map_err(|_| StorageError::Busy("downloads"))?;
		let data = self.data_shards(root, &meta, file.as_ref()).await?;
		let layout = meta.layout;
		let (start, end) = range.unwrap_or((0, size));
		let body = stream_from(move |send| {
			let _permit: OwnedSemaphorePermit = permit;
			read::read_range(&layout, &data, start, end, send)
		});
		Ok(FileRead { size, range: (start, end), body: Box::pin(body) })
	}

	/// Shard `index` of `root`, streamed from disk.
	pub async fn read_shard(&self, root: Hash, index: u32) -> Result<FileRead, StorageError> {
		let permit = self
			.shard_gets
			.clone()
			.try_acquire_owned()
			.map_err(|_| StorageError::Busy("shard reads"))?;
		let store = self.store.clone();
		let files = blocking(move || store.shard(&root, index)).await?;
		let len = files.len;
		let body = stream_from(move |send| {
			let _permit = permit;
			let file = files.open()?;
			let mut at = 0u64;
			while at < len {
				let mut piece = vec![0u8; (len - at).min(1 << 20) as usize];
				std::os::unix::fs::FileExt::read_exact_at(&file, &mut piece, at)?;
				at += piece.len() as u64;
				send(piece)?;
			}
			Ok(())
		});
		Ok(FileRead { size: len, range: (0, len), body: Box::pin(body) })
	}

	/// Chunk `chunk` of shard `shard` of `root` with its Merkle path (one 16 KiB group and the
	/// stored tree are read).
	pub async fn proof(
		&self,
		root: Hash,
		shard: u32,
		chunk: u32,
	) -> Result<ProofReply, StorageError> {
		let store = self.store.clone();
		blocking(move || store.proof(&root, shard, chunk)).await
	}

	/// The bytes of `file`, as the caller read it from the chain (once: the checks that
	/// refuse a job and the read that serves it see the same file), if it is stored for good
	/// and not larger than `limit` (for the compute role's stored job inputs).
	pub async fn file_bytes(
		&self,
		root: Hash,
		file: &ChainFile,
		limit: u64,
	) -> Result<Vec<u8>, StorageError> {
		if !Self::is_stored(file) {
			return Err(StorageError::NotOnChain(root_hex(&root)));
		}
		let meta = FileMeta { layout: file.layout()?, shard_roots: file.shard_roots() };
		let layout = meta.layout;
		if layout.size > limit {
			return Err(StorageError::FileTooLarge { root: root_hex(&root), limit });
		}
		let data = self.data_shards(root, &meta, Some(file)).await?;
		blocking(move || {
			let mut bytes = Vec::with_capacity(layout.size as usize);
			read::read_range(&layout, &data, 0, layout.size, |piece| {
				bytes.extend_from_slice(&piece);
				Ok(())
			})?;
			Ok(bytes)
		})
		.await
	}

	/// Whether `file` is stored for good: `Finalized` or `Degraded`.
	pub fn is_stored(file: &ChainFile) -> bool {
		matches!(file.status, ChainStatus::Finalized | ChainStatus::Degraded)
	}

	/// The file `root` on chain and the shards held here.
	pub async fn status(&self, root: Hash) -> Result<FileStatus, StorageError> {
		let file = self.chain.file(&root).await?;
		Ok(FileStatus {
			root: root_hex(&root),
			on_chain: file.as_ref().map(|f| OnChain {
				status: format!("{:?}", f.status),
				size: f.layout.size,
				data_shards: f.layout.data_shards,
				parity_shards: f.layout.parity_shards,
				confirmed: f.confirmed(),
				expires_at: f.expires_at,
				shards: f
					.shards
					.iter()
					.map(|s| ShardOnChain {
						provider: s.provider.map(|p| hex_account(&p)),
						state: format!("{:?}", s.state),
						confirmed: s.is_confirmed(),
					})
					.collect(),
			}),
			held_here: self.store.held_shards(&root),
		})
	}
}
