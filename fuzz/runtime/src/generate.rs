//! The seeded generator of inputs: mostly real pallet and call indexes with random argument
//! bytes, and 3 calls in 10 structured calls of storage's, compute's and DA's life cycles,
//! which random bytes rarely make. It also writes the seeds AFL++ starts from.

use codec::{Decode, DecodeLimit, Encode};
use zg_runtime::RuntimeCall;

use crate::{
	providers::{files, FILES},
	signers::{blobs, BLOBS},
};

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

/// An amount of $0G: one, a thousand or two thousand (a role bond's minimum and more), or any.
fn amount(rng: &mut Rng) -> u128 {
	let zg = zg_runtime::ZG;
	match rng.below(6) {
		0 => zg,
		1 | 2 => 1_000 * zg,
		3 | 4 => 2_000 * zg,
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

/// A provider's role bond and registration (in one batch), one of the [`FILES`] submitted (real files, whose
/// shards the honest providers confirm), renewed, a departure.
fn storage_call(rng: &mut Rng) -> RuntimeCall {
	use pallet_zg_staking::Call as Staking;
	use pallet_zg_storage::Call as Storage;
	use zg_primitives::staking::Role;
	match rng.below(12) {
		0..=5 => RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: vec![
				RuntimeCall::Staking(Staking::register_role {
					role: Role::StorageProvider,
					bond: amount(rng),
				}),
				RuntimeCall::Storage(Storage::register_provider { endpoint: b"http://p".to_vec() }),
			],
		}),
		6..=8 => {
			let file = &files()[rng.below(u64::from(FILES)) as usize];
			let lifetimes = [zg_runtime::storage_params::MIN_LIFETIME, 1_000, 20_000];
			file.submit(lifetimes[rng.below(3) as usize])
		},
		9 => RuntimeCall::Storage(Storage::renew {
			root: files()[rng.below(u64::from(FILES)) as usize].root,
			extra: 1 + rng.below(1_000) as u32,
			max_fee: u128::MAX,
		}),
		10 => RuntimeCall::Storage(Storage::deregister_provider {}),
		_ => RuntimeCall::Staking(Staking::unregister_role { role: Role::StorageProvider }),
	}
}

/// One of the genesis's endowed accounts.
fn account(rng: &mut Rng) -> zg_runtime::AccountId {
	let accounts = zg_runtime::genesis_config_presets::endowed_accounts();
	accounts[rng.below(accounts.len() as u64) as usize].clone()
}

/// A compute provider's role bond with its first service, another service, a user's deposit,
/// allocation to a provider, a deposit with a job for one of the first services (answered by its provider, truly or not, or expiring
/// and refunded: [`crate::services`]), a challenge of one of the first jobs, a refund and a
/// withdrawal.
fn compute_call(rng: &mut Rng) -> RuntimeCall {
	use pallet_zg_compute::{Call as Compute, JobInput};
	use pallet_zg_staking::Call as Staking;
	use zg_primitives::{compute::ServiceKind, staking::Role};
	let service = RuntimeCall::Compute(Compute::register_service {
		kind: [ServiceKind::Inference, ServiceKind::FineTuning, ServiceKind::Agent]
			[rng.below(3) as usize],
		model: b"zg-tiny-gpt".to_vec(),
		model_root: sp_core::H256::repeat_byte(7),
		input_price: u128::from(rng.below(1_000_000)),
		output_price: u128::from(rng.below(1_000_000)),
		endpoint: b"http://c".to_vec(),
		hardware: b"cpu".to_vec(),
		max_concurrency: 1 + rng.below(4) as u32,
		max_tokens: 1 + rng.below(512) as u32,
		verifiable: rng.below(4) != 0,
	});
	match rng.below(10) {
		// A provider's role bond and its first service in one batch, as storage's.
		0 | 1 => RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: vec![
				RuntimeCall::Staking(Staking::register_role {
					role: Role::ComputeProvider,
					bond: amount(rng),
				}),
				service,
			],
		}),
		2 => service,
		3 => RuntimeCall::Compute(Compute::deposit { amount: amount(rng) }),
		4 => {
			RuntimeCall::Compute(Compute::allocate { provider: account(rng), amount: amount(rng) })
		},
		// A user's deposit and job.
		5..=7 => RuntimeCall::Utility(pallet_utility::Call::batch_all {
			calls: vec![
				RuntimeCall::Compute(Compute::deposit { amount: 10 * zg_runtime::ZG }),
				RuntimeCall::Compute(Compute::submit_job {
					service: rng.below(2),
					input: JobInput::Inline(
						b"Say hello"[..1 + rng.below(9) as usize]
							.to_vec()
							.try_into()
							.expect("short"),
					),
					max_tokens: 1 + rng.below(256) as u32,
					// Held from the ledger until the job is settled.
					max_fee: zg_runtime::ZG,
				}),
			],
		}),
		8 => RuntimeCall::Compute(Compute::challenge { job: rng.below(4) }),
		_ if rng.below(2) == 0 => RuntimeCall::Compute(Compute::request_refund {
			provider: (rng.below(2) == 0).then(|| account(rng)),
			amount: amount(rng),
		}),
		_ => RuntimeCall::Compute(Compute::withdraw {}),
	}
}

/// A DA signer's role bond and registration, one of the [`BLOBS`] blobs submitted (real blobs,
/// which the honest signers attest: [`crate::signers`]), a challenge of a signer, a departure.
fn da_call(rng: &mut Rng) -> RuntimeCall {
	use pallet_zg_da::Call as Da;
	use pallet_zg_staking::Call as Staking;
	use zg_primitives::staking::Role;
	match rng.below(6) {
		0 => {
			RuntimeCall::Staking(Staking::register_role { role: Role::DaSigner, bond: amount(rng) })
		},
		1 => RuntimeCall::Da(Da::register_signer { endpoint: b"http://d".to_vec() }),
		2 | 3 => blobs()[rng.below(u64::from(BLOBS)) as usize].submit(),
		4 => RuntimeCall::Da(Da::challenge {
			root: blobs()[rng.below(u64::from(BLOBS)) as usize].root,
			signer: account(rng),
		}),
		_ => RuntimeCall::Da(Da::deregister_signer {}),
	}
}

/// The accounts (indexes of the endowed ones) that the structured calls of providers, signers
/// and services come from, so that a few accounts go through a provider's whole life cycle
/// (bond, registration, assignments, departure) instead of many accounts one step each. One
/// in three of them is lazy ([`crate::providers`]).
const PROVIDERS: core::ops::Range<u8> = 3..9;

/// Whether `call` is a provider's, a signer's or a service's side of a life cycle (a batch
/// is when one of its calls is).
fn provider_side(call: &RuntimeCall) -> bool {
	use pallet_zg_staking::Call as Staking;
	match call {
		RuntimeCall::Utility(pallet_utility::Call::batch_all { calls }) => {
			calls.iter().any(provider_side)
		},
		_ => matches!(
			call,
			RuntimeCall::Staking(Staking::register_role { .. } | Staking::unregister_role { .. })
				| RuntimeCall::Storage(
					pallet_zg_storage::Call::register_provider { .. }
						| pallet_zg_storage::Call::deregister_provider { .. }
				) | RuntimeCall::Compute(pallet_zg_compute::Call::register_service { .. })
				| RuntimeCall::Da(
					pallet_zg_da::Call::register_signer { .. }
						| pallet_zg_da::Call::deregister_signer { .. }
				)
		),
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
		let mut origin = rng.below(256) as u8;
		let call = if rng.below(10) < 3 {
			let call = structured_call(rng);
			if provider_side(&call) {
				origin =
					PROVIDERS.start + rng.below(u64::from(PROVIDERS.end - PROVIDERS.start)) as u8;
			}
			call
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

/// A storage life cycle that random inputs rarely line up: four accounts bond and register
/// as providers, a user submits a file, and 40 blocks pass, in which the providers are drawn,
/// confirm their shards and answer challenges ([`crate::providers`]). A seed for AFL++, and a
/// test that the harness reaches confirmations.
pub fn life_cycle_input() -> Vec<u8> {
	use pallet_zg_staking::Call as Staking;
	use pallet_zg_storage::Call as Storage;
	let mut items: Vec<(u8, u8, RuntimeCall)> = [3, 4, 6, 7]
		.into_iter()
		.map(|origin| {
			let calls = vec![
				RuntimeCall::Staking(Staking::register_role {
					role: zg_primitives::staking::Role::StorageProvider,
					bond: 2_000 * zg_runtime::ZG,
				}),
				RuntimeCall::Storage(Storage::register_provider { endpoint: b"http://p".to_vec() }),
			];
			(0, origin, RuntimeCall::Utility(pallet_utility::Call::batch_all { calls }))
		})
		.collect();
	items.push((1, 0, files()[0].submit(zg_runtime::storage_params::MIN_LIFETIME)));
	items.extend(empty_blocks(40));
	encode_items(items)
}

/// `n` new blocks, each with an empty remark of account 1: time passing in a scripted input.
fn empty_blocks(n: usize) -> impl Iterator<Item = (u8, u8, RuntimeCall)> {
	(0..n).map(|_| (1, 1, RuntimeCall::System(frame_system::Call::remark { remark: Vec::new() })))
}

/// A scripted input's items, as [`crate::run_input`] reads them.
fn encode_items(items: Vec<(u8, u8, RuntimeCall)>) -> Vec<u8> {
	items.into_iter().flat_map(|item| item.encode()).collect()
}

/// A blob's life: Alice submits the 64 KiB blob, and blocks pass while the genesis committee
/// attests it and the chain challenges its signers, who answer (but the lazy one).
pub fn blob_input() -> Vec<u8> {
	let mut items: Vec<(u8, u8, RuntimeCall)> = vec![(0, 0, blobs()[1].submit())];
	items.extend(empty_blocks(30));
	encode_items(items)
}

/// A dispute's whole life: four compute providers (accounts 3 to 6; account 5 lies) bond and
/// register verifiable services of one model, a user deposits and sends a job to the liar's
/// service, the liar answers falsely, the user challenges the answer, and blocks pass while
/// the three others are drawn as verifiers and vote.
pub fn dispute_input() -> Vec<u8> {
	use pallet_zg_compute::{Call as Compute, JobInput};
	use pallet_zg_staking::Call as Staking;
	let zg = zg_runtime::ZG;
	let mut items: Vec<(u8, u8, RuntimeCall)> = [3, 4, 5, 6]
		.into_iter()
		.map(|origin| {
			let calls = vec![
				RuntimeCall::Staking(Staking::register_role {
					role: zg_primitives::staking::Role::ComputeProvider,
					bond: 2_000 * zg,
				}),
				RuntimeCall::Compute(Compute::register_service {
					kind: zg_primitives::compute::ServiceKind::Inference,
					model: b"zg-tiny-gpt".to_vec(),
					model_root: sp_core::H256::repeat_byte(7),
					input_price: 1_000,
					output_price: 1_000,
					endpoint: b"http://c".to_vec(),
					hardware: b"cpu".to_vec(),
					max_concurrency: 4,
					max_tokens: 64,
					verifiable: true,
				}),
			];
			(0, origin, RuntimeCall::Utility(pallet_utility::Call::batch_all { calls }))
		})
		.collect();
	let job = vec![
		RuntimeCall::Compute(Compute::deposit { amount: 10 * zg }),
		RuntimeCall::Compute(Compute::submit_job {
			// Services are numbered in registration order: account 5's is the third.
			service: 2,
			input: JobInput::Inline(b"Say hello".to_vec().try_into().expect("short")),
			max_tokens: 16,
			max_fee: zg,
		}),
	];
	items.push((1, 0, RuntimeCall::Utility(pallet_utility::Call::batch_all { calls: job })));
	// The liar answers at the start of the next block.
	items.extend(empty_blocks(1));
	items.push((1, 0, RuntimeCall::Compute(Compute::challenge { job: 0 })));
	items.extend(empty_blocks(20));
	encode_items(items)
}

/// Writes [`life_cycle_input`], [`dispute_input`], [`blob_input`] and `count` inputs drawn from `seed` into `dir` (created), named by their content's hash
/// as `scripts/fuzz.sh` names corpus entries: the seeds AFL++ starts from.
pub fn write_seeds(dir: &std::path::Path, count: usize, seed: u64) -> std::io::Result<()> {
	std::fs::create_dir_all(dir)?;
	let indexes = call_indexes();
	let mut rng = Rng::seeded(seed);
	let inputs = [life_cycle_input(), dispute_input(), blob_input()]
		.into_iter()
		.chain((0..count).map(|_| random_input(&mut rng, &indexes, crate::MAX_ITEMS)));
	for input in inputs {
		let name: String =
			sp_io::hashing::blake2_128(&input).iter().map(|byte| format!("{byte:02x}")).collect();
		std::fs::write(dir.join(name), input)?;
	}
	Ok(())
}
