//! A mock runtime: system, timestamp, balances, the real staking pallet (the signers' role bonds
//! and their slashing), the real beacon and the DA pallet. Attestations are
//! `TestSignature(signer, payload)`, which verifies only for that signer and payload.

use crate::{self as pallet_zg_da, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks, VariantCountOf},
};
use sp_runtime::{testing::TestSignature, BuildStorage};
use zg_primitives::da::{extend, Extended};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type BlockNumber = u64;

/// One $0G.
pub const ZG: Balance = zg_primitives::currency::ZG;
/// The treasury, where slashed bonds, submission fees and forfeits go.
pub const TREASURY: AccountId = 999;
/// The disperser in most tests.
pub const ALICE: AccountId = 50;
/// A bonded account that is no signer (a storage provider).
pub const CHALLENGER: AccountId = 60;
/// The role bond of each signer.
pub const SIGNER_BOND: Balance = 1_000 * ZG;
/// Price in the mock: plancks per extended byte.
pub const PRICE: Balance = 1_000;
/// Blocks of an epoch in the mock.
pub const EPOCH: BlockNumber = 10;
/// Seats of a committee in the mock.
pub const SEATS: u32 = 12;
pub const SUBMISSION_FEE: Balance = ZG / 10;
pub const DEPOSIT: Balance = 10 * ZG;
pub const CHALLENGE_DEPOSIT: Balance = ZG;
pub const ATTEST_PERIOD: BlockNumber = 5;
pub const RETENTION: BlockNumber = 30;
pub const WINDOW: BlockNumber = 4;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Staking: pallet_zg_staking,
		Beacon: pallet_zg_beacon,
		Da: pallet_zg_da,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

parameter_types! {
	pub const ExistentialDeposit: Balance = ZG / 100;
	pub const StakingPalletId: PalletId = PalletId(*b"zg/stake");
	pub const DaPalletId: PalletId = PalletId(*b"zg/dablb");
	pub const Treasury: AccountId = TREASURY;
	pub static RandomSeed: u64 = 0;
	pub static MaxSeatShare: Perbill = Perbill::from_percent(50);
	pub static RandomChallenges: u32 = 0;
	pub const SubmissionFee: Balance = SUBMISSION_FEE;
	pub const DisperserDeposit: Balance = DEPOSIT;
	pub const ChallengeDeposit: Balance = CHALLENGE_DEPOSIT;
	pub const WithholdingSlash: Perbill = Perbill::from_percent(10);
	pub const BadLineSlash: Perbill = Perbill::from_percent(20);
	pub const ReporterShare: Perbill = Perbill::from_percent(50);
	pub static DeadlineWeight: Weight = Weight::from_parts(u64::MAX / 4, u64::MAX / 4);
}

impl pallet_zg_staking::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnixTime = Timestamp;
	type SessionsPerEra = ConstU32<3>;
	type BondingDuration = ConstU32<2>;
	type SlashDeferDuration = ConstU32<1>;
	type HistoryDepth = ConstU32<8>;
	type MaxValidators = ConstU32<8>;
	type MaxCandidates = ConstU32<16>;
	type MaxDelegationTargets = ConstU32<3>;
	type MaxBackersPerValidator = ConstU32<8>;
	type MaxExposurePageSize = ConstU32<2>;
	type MaxUnlockingChunks = ConstU32<4>;
	type MaxSlashesPerBlock = ConstU32<4>;
	type MinimumValidatorCount = ConstU32<1>;
	type MinBondFloor = frame_support::traits::ConstU128<1>;
	type YearlyInflation = ();
	type OffenceSlashFraction = ();
	type ReporterShare = ();
	type PalletId = StakingPalletId;
	type Treasury = Treasury;
	type SessionInterface = pallet_zg_staking::testing::NoSessions<AccountId>;
	type Obligations = Da;
	type AdminOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type SlashCancelOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type WeightInfo = ();
}

/// The beacon's source in the tests: `blake2(seed, subject, parent)` for the parent block.
pub struct TestRandomness;
impl frame_support::traits::Randomness<H256, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, BlockNumber) {
		let parent = System::block_number().saturating_sub(1);
		let hash = sp_io::hashing::blake2_256(&(RandomSeed::get(), subject, parent).encode());
		(hash.into(), parent)
	}
}

impl pallet_zg_beacon::Config for Test {
	type Source = TestRandomness;
	type History = ConstU32<64>;
	type Depth = ConstU32<2>;
	type WeightInfo = ();
}

/// Transactions submitted by the offchain worker in tests.
pub type Extrinsic = sp_runtime::testing::TestXt<RuntimeCall, ()>;
/// Provider keys in tests: `UintAuthorityId(n)` is account `n`.
pub type ProviderKey = sp_runtime::testing::UintAuthorityId;

impl frame_system::offchain::SigningTypes for Test {
	type Public = ProviderKey;
	type Signature = TestSignature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		_public: ProviderKey,
		account: AccountId,
		_nonce: u32,
	) -> Option<Extrinsic> {
		Some(Extrinsic::new_signed(call, account, (), ()))
	}
}

/// Signs offchain transactions with provider keys in tests.
pub struct TestAuthId;
impl frame_system::offchain::AppCrypto<ProviderKey, TestSignature> for TestAuthId {
	type RuntimeAppPublic = ProviderKey;
	type GenericPublic = ProviderKey;
	type GenericSignature = TestSignature;
}

impl Config for Test {
	type AuthorityId = TestAuthId;
	type AttestationSignature = TestSignature;
	type Currency = Balances;
	type Staking = Staking;
	type Beacon = Beacon;
	type Treasury = Treasury;
	type PalletId = DaPalletId;
	type MaxBlobSize = ConstU64<{ zg_primitives::da::MAX_BLOB_SIZE }>;
	type EpochLength = ConstU64<EPOCH>;
	type SnapshotLead = ConstU64<4>;
	type MaxSigners = ConstU32<8>;
	type MaxSeats = ConstU32<16>;
	type MaxSeatShare = MaxSeatShare;
	type SubmissionFee = SubmissionFee;
	type DisperserDeposit = DisperserDeposit;
	type ChallengeDeposit = ChallengeDeposit;
	type AttestationPeriod = ConstU64<ATTEST_PERIOD>;
	type Retention = ConstU64<RETENTION>;
	type ChallengeWindow = ConstU64<WINDOW>;
	type RandomChallenges = RandomChallenges;
	type WithholdingSlash = WithholdingSlash;
	type BadLineSlash = BadLineSlash;
	type ReporterShare = ReporterShare;
	type MaxEndpointLen = ConstU32<64>;
	type DeadlineWeight = DeadlineWeight;
	type AdminOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchSigner;
}

/// Benchmarks sign as the account itself.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchSigner;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, TestSignature> for BenchSigner {
	fn signer(i: u32) -> AccountId {
		10_000 + i as AccountId
	}
	fn sign(signer: &AccountId, payload: &[u8]) -> TestSignature {
		TestSignature(*signer, payload.to_vec())
	}
}

/// Builds the test externalities with signers `bonds` (each registered with endpoint
/// `http://s<N>`): accounts 1..=100 hold 10 000 0G, [`CHALLENGER`] has a storage bond.
pub fn ext_with(bonds: &[(AccountId, Balance)]) -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(AccountId, Balance)> = (1..=100).map(|a| (a, 10_000 * ZG)).collect();
	balances.push((TREASURY, ExistentialDeposit::get()));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut role_bonds: Vec<(AccountId, Role, Balance)> =
		bonds.iter().map(|(a, b)| (*a, Role::DaSigner, *b)).collect();
	role_bonds.push((CHALLENGER, Role::StorageProvider, 100 * ZG));
	pallet_zg_staking::GenesisConfig::<Test> {
		validator_count: 1,
		min_role_bonds: vec![(Role::DaSigner, 100 * ZG), (Role::StorageProvider, 100 * ZG)],
		role_bonds,
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_zg_da::GenesisConfig::<Test> {
		params: DaParams { seats: SEATS, price: PRICE },
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let bonds = bonds.to_vec();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		for (s, _) in &bonds {
			Da::register_signer(RuntimeOrigin::signed(*s), format!("http://s{s}").into_bytes())
				.unwrap();
		}
		System::reset_events();
	});
	ext
}

/// Signers 1..=4 with equal bonds.
pub fn new_test_ext() -> sp_io::TestExternalities {
	ext_with(&(1..=4).map(|s| (s, SIGNER_BOND)).collect::<Vec<_>>())
}

/// Runs `test` in fresh externalities and checks the pallet's invariants afterwards.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Da::do_try_state().expect("invariants hold");
	});
}

/// Runs blocks up to and including `n`, calling the beacon's and the pallet's
/// `on_initialize`, and checks the invariants after each.
pub fn run_to(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Beacon::on_initialize(next);
		Da::on_initialize(next);
		Da::do_try_state().expect("invariants hold after every block");
	}
}

/// Runs to the first block of epoch 1: its committee is drawn.
pub fn first_committee() -> Committee<Test> {
	run_to(EPOCH);
	Committees::<Test>::get(1).expect("a committee for epoch 1")
}

/// The events of this pallet so far.
pub fn da_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Da(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// The free balance of `who`.
pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// `size` pseudo-random bytes, extended.
pub fn square(size: usize) -> Extended {
	let data: Vec<u8> = (0..size).map(|i| (i * 31 % 253) as u8).collect();
	extend(&data).unwrap()
}

/// Submits `square` from `who` with no fee limit.
pub fn submit(who: AccountId, square: &Extended) -> DispatchResult {
	Da::submit_blob(RuntimeOrigin::signed(who), square.data_root(), square.layout, Balance::MAX)
}

/// The attestation of `signer` for the blob `root` of `epoch`.
pub fn attestation(
	signer: AccountId,
	root: H256,
	epoch: Epoch,
) -> Attestation<AccountId, TestSignature> {
	let payload =
		Blobs::<Test>::get(root).map(|b| Da::attestation_payload(&root, &b)).unwrap_or_default();
	Attestation { signer, epoch, signature: TestSignature(signer, payload) }
}

/// Submits the attestations of `signers` for `root` in one call.
pub fn attest(root: H256, signers: &[AccountId]) -> DispatchResult {
	let epoch = Blobs::<Test>::get(root).map_or(0, |b| b.epoch);
	let batch: Vec<_> = signers.iter().map(|s| attestation(*s, root, epoch)).collect();
	Da::attest(RuntimeOrigin::signed(ALICE), root, batch.try_into().unwrap())
}

/// The answer to challenge `id` from `square`.
pub fn answer_of(square: &Extended, id: ChallengeId) -> CellAnswer {
	let c = Challenges::<Test>::get(id).expect("an open challenge");
	CellAnswer::try_from(square.cell_proof(c.line, c.pos)).expect("a proof within the bounds")
}

/// The bounded form of a bad-encoding proof of `line` from the chunks at `positions`.
pub fn encoding_proof(square: &Extended, line: Line, positions: &[u32]) -> EncodingProof {
	let chunks = positions
		.iter()
		.map(|&pos| {
			let (cross, at) = match line {
				Line::Row(i) => (Line::Column(pos), i),
				Line::Column(j) => (Line::Row(pos), j),
			};
			let (chunk, path) = square.proof(cross, at);
			ProofChunk { pos, chunk: chunk.try_into().unwrap(), path: path.try_into().unwrap() }
		})
		.collect::<Vec<_>>();
	EncodingProof { line, chunks: chunks.try_into().unwrap() }
}
