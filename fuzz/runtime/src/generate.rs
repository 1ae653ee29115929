//! The seeded generator of inputs: mostly real pallet and call indexes with random argument
//! bytes, and 3 calls in 10 structured calls of storage's, compute's and DA's life cycles,
//! which random bytes rarely make. It also writes the seeds AFL++ starts from.

use codec::{Decode, DecodeLimit, Encode};
use zg_runtime::RuntimeCall;

/// A seeded xorshift generator.
pub struct Rng(pub u64);

impl Rng {
	/// A generator drawn from `seed` (any value, zero included).
	pub fn seeded(seed: u64) -> Self {
		Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
	}

	pub fn next(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}
	pub fn below(&mut self, n: u64) -> u64 {
		self.next() % n.max(1)
	}
}

/// Every (pallet index, call index) pair that names a call of this runtime.
pub fn call_indexes() -> Vec<(u8, u8)> {
	let mut found = Vec::new();
	let padding = [0u8; 512];
	for pallet in 0..=255u8 {
		for call in 0..=63u8 {
			let mut bytes = vec![pallet, call];
			bytes.extend_from_slice(&padding);
			let decoded = RuntimeCall::decode(&mut &bytes[..]);
			// A call whose arguments cannot be all zeros still names a call if its first
			// bytes decode; count pairs whose index bytes are accepted.
			if decoded.is_ok() || !matches!(&decoded, Err(e) if e.to_string().contains("variant")) {
				found.push((pallet, call));
			}
		}
	}
	found
}

/// Files the structured calls draw from, so that a renewal or a second submission can name a
/// file submitted earlier in the input: file `f`'s root, size, `k`, `m` and shard roots (the
/// shard roots made up: nobody can confirm them, so the file is assigned, then dropped at its
/// confirmation deadline with its fee refunded).
const FILES: u8 = 6;

fn file(f: u8) -> (sp_core::H256, u64, u16, u16, Vec<sp_core::H256>) {
	let (k, m) = (2 + u16::from(f % 3), u16::from(f % 2));
	let size = u64::from(1 + f) << 20;
	let roots: Vec<_> =
		(0..k + m).map(|i| sp_core::H256::repeat_byte(16 * f + i as u8 + 1)).collect();
	let layout = zg_primitives::storage::FileLayout::new(size, k, m).expect("a valid layout");
	(zg_primitives::storage::file_root(&layout, &roots), size, k, m, roots)
}

/// An amount of $0G: one, a thousand, two thousand, or any.
fn amount(rng: &mut Rng) -> u128 {
	let zg = zg_runtime::ZG;
	match rng.below(4) {
		0 => zg,
		1 => 1_000 * zg,
		2 => 2_000 * zg,
		_ => u128::from(rng.next()),
	}
}

/// A call with valid arguments, which random bytes rarely make, of the storage life cycle
/// (half of them), of compute's or of DA's.
fn structured_call(rng: &mut Rng) -> RuntimeCall {
	match rng.below(4) {
		0 | 1 => storage_call(rng),
		2 => compute_call(rng),
		_ => da_call(rng),
	}
}

/// A provider's role bond and registration, one of [`FILES`] submitted, renewed, a departure.
fn storage_call(rng: &mut Rng) -> RuntimeCall {
	use pallet_zg_staking::Call as Staking;
	use pallet_zg_storage::Call as Storage;
	use zg_primitives::staking::Role;
	match rng.below(9) {
		0 | 1 => RuntimeCall::Staking(Staking::register_role {
			role: Role::StorageProvider,
			bond: amount(rng),
		}),
		2 | 3 => {
			RuntimeCall::Storage(Storage::register_provider { endpoint: b"http://p".to_vec() })
		},
		4 | 5 => {
			let (root, size, data_shards, parity_shards, shard_roots) =
				file(rng.below(u64::from(FILES)) as u8);
			let lifetimes = [zg_runtime::storage_params::MIN_LIFETIME, 1_000, 20_000];
			RuntimeCall::Storage(Storage::submit {
				root,
				size,
				data_shards,
				parity_shards,
				shard_roots,
				lifetime: lifetimes[rng.below(3) as usize],
				max_fee: u128::MAX,
			})
		},
		6 => RuntimeCall::Storage(Storage::renew {
			root: file(rng.below(u64::from(FILES)) as u8).0,
			extra: 1 + rng.below(1_000) as u32,
			max_fee: u128::MAX,
		}),
		7 => RuntimeCall::Storage(Storage::deregister_provider {}),
		_ => RuntimeCall::Staking(Staking::unregister_role { role: Role::StorageProvider }),
	}
}

/// One of the genesis's endowed accounts.
fn account(rng: &mut Rng) -> zg_runtime::AccountId {
	let accounts = zg_runtime::genesis_config_presets::endowed_accounts();
	accounts[rng.below(accounts.len() as u64) as usize].clone()
}

/// A compute provider's role bond and service, a user's deposit, allocation to a provider, a
/// job for one of the first services (nobody answers it: it expires and is refunded), a
/// refund and a withdrawal.
fn compute_call(rng: &mut Rng) -> RuntimeCall {
	use pallet_zg_compute::{Call as Compute, JobInput};
	use pallet_zg_staking::Call as Staking;
	use zg_primitives::{compute::ServiceKind, staking::Role};
	match rng.below(8) {
		0 => RuntimeCall::Staking(Staking::register_role {
			role: Role::ComputeProvider,
			bond: amount(rng),
		}),
		1 => RuntimeCall::Compute(Compute::register_service {
			kind: [ServiceKind::Inference, ServiceKind::FineTuning, ServiceKind::Agent]
				[rng.below(3) as usize],
			model: b"zg-tiny-gpt".to_vec(),
			model_root: sp_core::H256::repeat_byte(7),
			input_price: u128::from(rng.below(1_000_000)),
			output_price: u128::from(rng.below(1_000_000)),
			endpoint: b"http://c".to_vec(),
			hardware: b"cpu".to_vec(),
			max_concurrency: 1 + rng.below(8) as u32,
			max_tokens: 1 + rng.below(512) as u32,
			verifiable: rng.below(2) == 0,
		}),
		2 => RuntimeCall::Compute(Compute::deposit { amount: amount(rng) }),
		3 => {
			RuntimeCall::Compute(Compute::allocate { provider: account(rng), amount: amount(rng) })
		},
		4 | 5 => RuntimeCall::Compute(Compute::submit_job {
			service: rng.below(4),
			input: JobInput::Inline(
				b"Say hello"[..1 + rng.below(9) as usize].to_vec().try_into().expect("short"),
			),
			max_tokens: 1 + rng.below(256) as u32,
			max_fee: u128::MAX,
		}),
		6 => RuntimeCall::Compute(Compute::request_refund {
			provider: (rng.below(2) == 0).then(|| account(rng)),
			amount: amount(rng),
		}),
		_ => RuntimeCall::Compute(Compute::withdraw {}),
	}
}

/// Blobs the DA calls draw from: blob `b`'s root and size (the root made up: nobody attests
/// it, so it expires and its disperser's deposit and fee are settled).
fn blob(b: u8) -> (sp_core::H256, u64) {
	(sp_core::H256::repeat_byte(0xb0 + b), [1_000, 65_536, 1 << 20, 4 << 20][usize::from(b % 4)])
}

/// A DA signer's role bond and registration, one of a few blobs submitted, a challenge of a
/// signer, a departure.
fn da_call(rng: &mut Rng) -> RuntimeCall {
	use pallet_zg_da::Call as Da;
	use pallet_zg_staking::Call as Staking;
	use zg_primitives::staking::Role;
	match rng.below(6) {
		0 => {
			RuntimeCall::Staking(Staking::register_role { role: Role::DaSigner, bond: amount(rng) })
		},
		1 => RuntimeCall::Da(Da::register_signer { endpoint: b"http://d".to_vec() }),
		2 | 3 => {
			let (root, size) = blob(rng.below(6) as u8);
			match zg_primitives::da::BlobLayout::new(size) {
				Ok(layout) => RuntimeCall::Da(Da::submit_blob { root, layout, max_fee: u128::MAX }),
				Err(_) => RuntimeCall::Da(Da::deregister_signer {}),
			}
		},
		4 => RuntimeCall::Da(Da::challenge {
			root: blob(rng.below(6) as u8).0,
			signer: account(rng),
		}),
		_ => RuntimeCall::Da(Da::deregister_signer {}),
	}
}

/// An input of `items` items: mostly calls in the current block, sometimes a new block and
/// now and then a jump over many slots (sessions and eras). A call is a structured one
/// ([`structured_call`], 3 in 10), or a real pallet and call index followed by random argument
/// bytes until those decode; it is encoded back, so that every item of the input decodes.
pub fn random_input(rng: &mut Rng, indexes: &[(u8, u8)], items: usize) -> Vec<u8> {
	let mut out = Vec::new();
	for _ in 0..items {
		let lapse: u8 = match rng.below(10) {
			0..=5 => 0,
			6..=8 => 1 + rng.below(3) as u8,
			_ => 20 + rng.below(200) as u8,
		};
		let origin = rng.below(256) as u8;
		let call = if rng.below(10) < 3 {
			structured_call(rng)
		} else {
			loop {
				let (pallet, call) = indexes[rng.below(indexes.len() as u64) as usize];
				let mut bytes = vec![pallet, call];
				// Argument bytes: zeros, small numbers and noise.
				for _ in 0..rng.below(160) {
					bytes.push(match rng.below(4) {
						0 => 0,
						1 => rng.below(8) as u8,
						_ => rng.next() as u8,
					});
				}
				if let Ok(call) = RuntimeCall::decode_with_depth_limit(64, &mut &bytes[..]) {
					break call;
				}
			}
		};
		(lapse, origin, call).encode_to(&mut out);
	}
	out
}

/// Writes `count` inputs drawn from `seed` into `dir` (created), named by their content's hash
/// as `scripts/fuzz.sh` names corpus entries: the seeds AFL++ starts from.
pub fn write_seeds(dir: &std::path::Path, count: usize, seed: u64) -> std::io::Result<()> {
	std::fs::create_dir_all(dir)?;
	let indexes = call_indexes();
	let mut rng = Rng::seeded(seed);
	for _ in 0..count {
		let input = random_input(&mut rng, &indexes, crate::MAX_ITEMS);
		let name: String =
			sp_io::hashing::blake2_128(&input).iter().map(|byte| format!("{byte:02x}")).collect();
		std::fs::write(dir.join(name), input)?;
	}
	Ok(())
}
