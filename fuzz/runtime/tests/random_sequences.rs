//! Random sequences of extrinsics through the whole runtime, every invariant checked after
//! each block (`zg_runtime_fuzz`): `ZG_SEQ_RUNS` inputs (default 20) drawn from `ZG_SEQ_SEED`
//! (default 1); `ZG_SEQ_TRACE=1` prints each call, its outcome and each block's weight;
//! `ZG_FUZZ_WRITE_SEEDS=1` first writes AFL++'s seeds into `fuzz/runtime/corpus/`. An input that breaks
//! an invariant is written to the temporary directory (replay it with AFL's binary, or add it
//! to `fuzz/runtime/regressions/`, which this test replays first).
//!
//! ```sh
//! SKIP_WASM_BUILD=1 cargo test --release -p zg-runtime-fuzz --features try-runtime --test random_sequences
//! ```

use zg_runtime_fuzz::{generate, run_input, Counts, Tally, COUNTS, MAX_ITEMS};

/// The inputs kept in `dir`, sorted by name (none if it does not exist).
fn kept(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
	let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
	let mut out: Vec<_> = entries
		.flatten()
		.filter(|e| e.path().is_file())
		.filter_map(|e| {
			Some((e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).ok()?))
		})
		.collect();
	out.sort();
	out
}

/// How many of `name` a tally's map counted.
fn count(map: &std::collections::BTreeMap<String, u32>, name: &str) -> u32 {
	map.get(name).copied().unwrap_or_default()
}

#[test]
fn random_sequences_keep_every_invariant() {
	let runs: u64 = std::env::var("ZG_SEQ_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
	let seed: u64 = std::env::var("ZG_SEQ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
	let genesis = zg_runtime_fuzz::genesis();
	let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
	if std::env::var_os("ZG_FUZZ_WRITE_SEEDS").is_some() {
		generate::write_seeds(&root.join("corpus"), 16, seed).expect("seeds written");
	}
	let mut total = Tally::default();
	// Every input that once broke an invariant, fixed since.
	for (name, input) in kept(&root.join("regressions")) {
		let outcome = std::panic::catch_unwind(|| run_input(&genesis, &input));
		total.add(outcome.unwrap_or_else(|e| {
			eprintln!("regression {name} breaks an invariant again");
			std::panic::resume_unwind(e)
		}));
	}
	let indexes = generate::call_indexes();
	assert!(indexes.len() > 50, "few calls found: {}", indexes.len());
	let mut rng = generate::Rng::seeded(seed);
	for run in 0..runs {
		let input = generate::random_input(&mut rng, &indexes, MAX_ITEMS);
		let tally = std::panic::catch_unwind(|| run_input(&genesis, &input)).unwrap_or_else(|e| {
			let path = std::env::temp_dir().join(format!("zg-seq-{seed}-{run}.bin"));
			std::fs::write(&path, &input).unwrap();
			eprintln!("input {run} of seed {seed} broke an invariant; it is in {}", path.display());
			std::panic::resume_unwind(e)
		});
		total.add(tally);
	}
	println!(
		"{runs} inputs from seed {seed}, {} call indexes: {} blocks, {} sessions and {} eras \
		 passed, {} calls applied, {} failed in dispatch, {} refused by the extensions",
		indexes.len(),
		total.blocks,
		total.sessions,
		total.eras,
		total.applied,
		total.failed,
		total.refused
	);
	println!("applied by call: {:?}", total.by_pallet);
	println!("events: {:?}", total.events);
	println!(
		"storage: {} shards assigned, {} files dropped (unserved, or at their confirmation \
		 deadline) with their fees refunded",
		Counts::get(&COUNTS.assigned),
		Counts::get(&COUNTS.dropped)
	);
	println!(
		"randomness: {} blocks carried their author's VRF signature",
		Counts::get(&COUNTS.vrf)
	);
	println!(
		"issuance: {} blocks minted and {} burned $0G, each change matching its events and \
		 each mint its recipient",
		Counts::get(&COUNTS.minting),
		Counts::get(&COUNTS.burning)
	);
}

#[test]
fn honest_providers_confirm_their_shards() {
	let tally = run_input(&zg_runtime_fuzz::genesis(), &generate::life_cycle_input());
	println!("life cycle: {tally:?}");
	let applied = |call: &str| count(&tally.by_pallet, call);
	assert_eq!(applied("Utility(Call::batch_all"), 4, "four providers registered");
	assert_eq!(applied("Storage(Call::submit"), 1, "the file submitted");
	// One confirmation per shard: each of the file's three shards is drawn to another provider.
	assert_eq!(applied("Storage(Call::confirm_shards"), 3, "every shard confirmed");
}

#[test]
fn signers_attest_and_answer_with_real_proofs() {
	let tally = run_input(&zg_runtime_fuzz::genesis(), &generate::blob_input());
	println!("blob: {tally:?}");
	let event = |name: &str| count(&tally.events, name);
	assert_eq!(event("Da(Event::BlobSubmitted"), 1);
	assert_eq!(event("Da(Event::BlobAvailable"), 1, "attested by a quorum");
	// Only attesters are challenged, and every attester here is honest.
	assert!(event("Da(Event::ChallengeIssued") > 0, "{tally:?}");
	assert_eq!(event("Da(Event::ChallengeAnswered"), event("Da(Event::ChallengeIssued"));
}

#[test]
fn verifiers_overturn_a_lying_provider() {
	let tally = run_input(&zg_runtime_fuzz::genesis(), &generate::dispute_input());
	println!("dispute: {tally:?}");
	let applied = |call: &str| count(&tally.by_pallet, call);
	assert_eq!(applied("Utility(Call::batch_all"), 5, "four services and the job");
	assert_eq!(applied("Compute(Call::submit_results"), 1, "the liar answered");
	assert_eq!(applied("Compute(Call::challenge"), 1, "the answer challenged");
	assert_eq!(applied("Compute(Call::submit_votes"), 3, "three verifiers drawn and voted");
	let event = |name: &str| count(&tally.events, name);
	assert_eq!(event("Compute(Event::DisputeResolved(Overturned)"), 1, "the lie overturned");
	assert_eq!(event("Compute(Event::DisputeResolved(Upheld)"), 0);
}

/// Runs `change` in block 1 and the checks after it: the message of the check that broke, if
/// one did.
fn checks_after(change: impl FnOnce()) -> Option<String> {
	sp_io::TestExternalities::new(zg_runtime_fuzz::genesis()).execute_with(|| {
		zg_runtime_fuzz::checks::before_block();
		// Events are kept from block 1 on.
		zg_runtime::System::set_block_number(1);
		change();
		std::panic::catch_unwind(|| zg_runtime_fuzz::checks::after_block(1))
			.err()
			.map(|e| e.downcast_ref::<String>().cloned().unwrap_or_else(|| "a panic".to_string()))
	})
}

/// Mints `amount` into `who` in block 1 and runs the checks after it.
fn checks_after_mint(who: zg_runtime::AccountId, amount: u128) -> Option<String> {
	use frame_support::traits::fungible::Mutate;
	checks_after(|| {
		zg_runtime::Balances::mint_into(&who, amount).expect("minted");
	})
}

#[test]
fn holds_beyond_the_reserved_balance_are_caught() {
	let broken = checks_after(|| {
		// A genesis hold (a role bond), its account's reserved balance moved to free behind
		// pallet-balances' back: the issuance still adds up, the hold is no longer backed.
		let (who, holds) =
			pallet_balances::Holds::<zg_runtime::Runtime>::iter().next().expect("a genesis hold");
		assert!(!holds.is_empty());
		frame_system::Account::<zg_runtime::Runtime>::mutate(&who, |a| {
			a.data.free += a.data.reserved;
			a.data.reserved = 0;
		});
	})
	.expect("a hold without its reserve is caught");
	assert!(broken.contains("held or reserved by name"), "{broken}");
}

#[test]
fn new_money_only_goes_where_the_runtime_may_mint_it() {
	let zg = zg_runtime::ZG;
	let alice = sp_keyring::Sr25519Keyring::Alice.to_account_id();
	let pot = pallet_zg_staking::Pallet::<zg_runtime::Runtime>::reward_pot();
	let escrow = pallet_zg_storage::Pallet::<zg_runtime::Runtime>::escrow_account();
	// Into an account, announced by its event and counted in the issuance: still caught.
	let broken = checks_after_mint(alice, zg).expect("a mint into Alice is caught");
	assert!(broken.contains("minted into"), "{broken}");
	// Into the reward pot outside an era's end.
	let broken = checks_after_mint(pot, zg).expect("inflation outside an era's end is caught");
	assert!(broken.contains("era ended: false"), "{broken}");
	// Into an escrow, even an existential deposit (escrows are endowed at genesis only).
	let broken = checks_after_mint(escrow, zg_runtime::fees::EXISTENTIAL_DEPOSIT)
		.expect("a mint into an escrow is caught");
	assert!(broken.contains("minted into"), "{broken}");
}
