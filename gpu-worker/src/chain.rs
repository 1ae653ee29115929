//! The worker's and the CLI's view of the chain: subxt over the node's JSON-RPC, with types
//! decoded through the runtime metadata (never by linking the runtime).

use anyhow::{anyhow, Context, Result};
use scale_decode::DecodeAsType;
use subxt::{dynamic, OnlineClient, PolkadotConfig};
use subxt_signer::sr25519::Keypair;
use zg_primitives::{storage::FileLayout, Hash};

/// An account id: 32 bytes.
pub type Account = [u8; 32];

/// A file's layout as the chain stores it.
#[derive(Clone, Copy, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainLayout {
	pub size: u64,
	pub data_shards: u16,
	pub parity_shards: u16,
}

/// Pending or finalized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ChainStatus {
	Pending,
	Finalized,
}

/// One shard of a file on chain.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainShard {
	pub root: [u8; 32],
	pub provider: Account,
	pub confirmed: bool,
	pub escrow: u128,
}

/// A file on chain (the fields the worker and the CLI use).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainFile {
	pub owner: Account,
	pub layout: ChainLayout,
	pub shards: Vec<ChainShard>,
	pub status: ChainStatus,
	pub expires_at: u32,
}

impl ChainFile {
	/// The layout as the primitives define it.
	pub fn layout(&self) -> Result<FileLayout> {
		FileLayout::new(self.layout.size, self.layout.data_shards, self.layout.parity_shards)
			.map_err(|e| anyhow!("the chain holds a bad layout: {e:?}"))
	}

	/// The shard roots in shard order.
	pub fn shard_roots(&self) -> Vec<Hash> {
		self.shards.iter().map(|s| Hash::from(s.root)).collect()
	}

	/// How many shards are confirmed.
	pub fn confirmed(&self) -> usize {
		self.shards.iter().filter(|s| s.confirmed).count()
	}
}

#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ChainProvider {
	endpoint: Vec<u8>,
}

/// What a compute service sells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ChainServiceKind {
	/// Text generation and embeddings, per token.
	Inference,
	/// Fine-tuning runs, per job.
	FineTuning,
	/// Agents, per token.
	Agent,
}

/// A compute service on chain (the fields the worker uses).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainService {
	/// The provider that runs it.
	pub provider: Account,
	/// What it sells.
	pub kind: ChainServiceKind,
	/// The model identifier (UTF-8).
	pub model: Vec<u8>,
	/// Plancks per input token.
	pub input_price: u128,
	/// Plancks per output token.
	pub output_price: u128,
}

/// A connection to a node.
#[derive(Clone)]
pub struct Chain {
	api: OnlineClient<PolkadotConfig>,
}

impl Chain {
	/// Connects to the node at `url` (`ws://` or `wss://`).
	pub async fn connect(url: &str) -> Result<Self> {
		let api = OnlineClient::<PolkadotConfig>::from_insecure_url(url)
			.await
			.with_context(|| format!("cannot connect to the node at {url}"))?;
		Ok(Self { api })
	}

	/// The file committed under `root`, if any.
	pub async fn file(&self, root: &Hash) -> Result<Option<ChainFile>> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<([u8; 32],), ChainFile>("Storage", "Files");
		match at.storage().try_fetch(addr, (root.0,)).await? {
			Some(value) => Ok(Some(value.decode()?)),
			None => Ok(None),
		}
	}

	/// The worker endpoint a provider registered, if it is registered.
	pub async fn endpoint(&self, provider: &Account) -> Result<Option<String>> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<([u8; 32],), ChainProvider>("Storage", "Providers");
		match at.storage().try_fetch(addr, (*provider,)).await? {
			Some(value) => {
				let p = value.decode()?;
				Ok(Some(String::from_utf8_lossy(&p.endpoint).trim_end_matches('/').to_string()))
			},
			None => Ok(None),
		}
	}

	/// Every committed file (for a provider's worker looking for shards assigned to it).
	pub async fn files(&self) -> Result<Vec<(Hash, ChainFile)>> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<([u8; 32],), ChainFile>("Storage", "Files");
		let mut entries = at.storage().iter(addr, ()).await?;
		let mut out = Vec::new();
		while let Some(entry) = entries.next().await {
			let entry = entry?;
			let key = entry.key()?;
			let root = key
				.part(0)
				.and_then(|p| p.decode_as::<[u8; 32]>().ok().flatten())
				.ok_or_else(|| anyhow!("a Files key without a root"))?;
			out.push((Hash::from(root), entry.value().decode()?));
		}
		Ok(out)
	}

	/// The storage price in plancks per byte and block.
	pub async fn price(&self) -> Result<u128> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<(), u128>("Storage", "Price");
		Ok(at.storage().fetch(addr, ()).await?.decode()?)
	}

	/// The current best block number.
	pub async fn best_number(&self) -> Result<u64> {
		Ok(self.api.at_current_block().await?.block_number())
	}

	/// Submits `Storage.submit` signed by `signer` and waits until it is in a finalized block.
	#[allow(clippy::too_many_arguments)]
	pub async fn submit_file(
		&self,
		signer: &Keypair,
		root: &Hash,
		layout: &FileLayout,
		shard_roots: &[Hash],
		lifetime: u32,
		max_fee: u128,
	) -> Result<()> {
		let roots: Vec<[u8; 32]> = shard_roots.iter().map(|r| r.0).collect();
		let call = dynamic::transaction(
			"Storage",
			"submit",
			(
				root.0,
				layout.size,
				layout.data_shards,
				layout.parity_shards,
				roots,
				lifetime,
				max_fee,
			),
		);
		self.sign_and_finalize(signer, &call).await
	}

	/// A user's allocation to a compute provider, `Compute.Allocations(user, provider)`, in
	/// plancks (0 when there is none).
	pub async fn compute_allocation(&self, user: &Account, provider: &Account) -> Result<u128> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<([u8; 32], [u8; 32]), u128>("Compute", "Allocations");
		match at.storage().try_fetch(addr, (*user, *provider)).await? {
			Some(value) => Ok(value.decode()?),
			None => Ok(0),
		}
	}

	/// Every compute service of `provider` (`Compute.Services`).
	pub async fn compute_services(&self, provider: &Account) -> Result<Vec<ChainService>> {
		let at = self.api.at_current_block().await?;
		let addr = dynamic::storage::<(u64,), ChainService>("Compute", "Services");
		let mut entries = at.storage().iter(addr, ()).await?;
		let mut out = Vec::new();
		while let Some(entry) = entries.next().await {
			let service = entry?.value().decode()?;
			if service.provider == *provider {
				out.push(service);
			}
		}
		Ok(out)
	}

	/// Submits `Compute.settle_usage(user, amount)` signed by the provider `signer` and waits
	/// until it succeeded in a finalized block.
	pub async fn settle_usage(&self, signer: &Keypair, user: &Account, amount: u128) -> Result<()> {
		let call = dynamic::transaction("Compute", "settle_usage", (*user, amount));
		self.sign_and_finalize(signer, &call).await
	}

	/// Signs and submits `call`, and waits until it succeeded in a finalized block.
	pub async fn sign_and_finalize<C: subxt::tx::Payload>(
		&self,
		signer: &Keypair,
		call: &C,
	) -> Result<()> {
		let mut tx = self.api.tx().await?;
		tx.sign_and_submit_then_watch_default(call, signer)
			.await?
			.wait_for_finalized_success()
			.await
			.map_err(|e| anyhow!("the transaction failed: {e}"))?;
		Ok(())
	}
}

/// A key pair from a secret URI (`//Alice`, a mnemonic, `0x…` seed with derivations).
pub fn keypair(suri: &str) -> Result<Keypair> {
	let uri: subxt_signer::SecretUri = suri.parse().map_err(|e| anyhow!("bad secret URI: {e}"))?;
	Keypair::from_uri(&uri).map_err(|e| anyhow!("bad secret URI: {e}"))
}

/// Parses an account: 0x-prefixed hex of 32 bytes, or an SS58 address.
pub fn parse_account(text: &str) -> Result<Account> {
	if let Some(hex) = text.strip_prefix("0x") {
		let bytes = hex::decode(hex).context("bad hex account")?;
		return bytes.try_into().map_err(|_| anyhow!("an account is 32 bytes"));
	}
	let id: subxt::utils::AccountId32 =
		text.parse().map_err(|e| anyhow!("bad SS58 address: {e:?}"))?;
	Ok(id.0)
}

/// Parses a root: 0x-prefixed hex of 32 bytes.
pub fn parse_root(text: &str) -> Result<Hash> {
	let hex = text.strip_prefix("0x").unwrap_or(text);
	let bytes: [u8; 32] = hex::decode(hex)
		.context("a root is 32 bytes of hex")?
		.try_into()
		.map_err(|_| anyhow!("a root is 32 bytes of hex"))?;
	Ok(Hash::from(bytes))
}
