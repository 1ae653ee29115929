//! A mock runtime: system, timestamp, balances, the real staking pallet (for the providers'
//! role bonds and their slashing), the real beacon (its source a hash of a seed the tests can
//! set and the parent block's number) and the compute pallet. 0G Storage is a table of stored
//! files the tests fill; capabilities are signed with the test signature (account `n` signs
//! as `TestSignature(n, payload)`).

use crate::{self as pallet_zg_compute, *};
use frame_support::{
	assert_ok, derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Hooks, VariantCountOf},
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type BlockNumber = u64;

/// One $0G.
pub const ZG: Balance = zg_primitives::currency::ZG;
/// The treasury of the staking pallet, where slashed bonds go.
pub const TREASURY: AccountId = 999;
/// Accounts 1..=PROVIDERS have a ComputeProvider bond of [`PROVIDER_BOND`].
pub const PROVIDERS: AccountId = 5;
/// The role bond of each provider.
pub const PROVIDER_BOND: Balance = 1_000 * ZG;
/// The user in most tests.
pub const ALICE: AccountId = 50;
/// Another user.
pub const BOB: AccountId = 51;
/// Every account starts with this much.
pub const INITIAL: Balance = 10_000 * ZG;
/// The model root most tests use.
pub const MODEL: H256 = H256::repeat_byte(7);

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Staking: pallet_zg_staking,
		Beacon: pallet_zg_beacon,
		Compute: pallet_zg_compute,
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
	pub const ComputePalletId: PalletId = PalletId(*b"zg/cmpte");
	pub const Treasury: AccountId = TREASURY;
	pub const MissedJobSlash: Perbill = Perbill::from_percent(1);
	pub const WrongResultSlash: Perbill = Perbill::from_percent(10);
	pub const VerifierSlash: Perbill = Perbill::from_percent(1);
	pub const VerifierShare: Perbill = Perbill::from_percent(50);
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
	pub static RandomSeed: u64 = 0;
	/// Stored files of 0G Storage: root, size and expiry.
	pub static StoredFiles: Vec<(H256, u64, BlockNumber)> = vec![];
	pub static DeadlineWeight: Weight = Weight::from_parts(u64::MAX / 4, u64::MAX / 4);
}

/// 0G Storage in the tests: the files in [`StoredFiles`].
pub struct TestFiles;
impl zg_primitives::storage::FileRegistry<BlockNumber> for TestFiles {
	fn stored(root: &H256) -> Option<(u64, BlockNumber)> {
		let now = System::block_number();
		StoredFiles::get()
			.iter()
			.find(|(r, _, expires_at)| r == root && *expires_at > now)
			.map(|(_, size, expires_at)| (*size, *expires_at))
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn bench_store(root: H256, size: u64) {
		let mut files = StoredFiles::get();
		files.push((root, size, BlockNumber::MAX));
		StoredFiles::set(files);
	}
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
	type ReporterShare = ReporterShare;
	type PalletId = StakingPalletId;
	type Treasury = Treasury;
	type SessionInterface = pallet_zg_staking::testing::NoSessions<AccountId>;
	type Obligations = Compute;
	type AdminOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type SlashCancelOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type WeightInfo = ();
}

/// The beacon's source in the tests: `blake2(seed, subject, parent)` for the parent block.
pub struct TestRandomness;
impl frame_support::traits::Randomness<sp_core::H256, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (sp_core::H256, BlockNumber) {
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
pub type ProviderKey = sp_runtime::testing::UintAuthorityId;

impl frame_system::offchain::SigningTypes for Test {
	type Public = ProviderKey;
	type Signature = sp_runtime::testing::TestSignature;
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

/// Provider keys in tests: `UintAuthorityId(n)` is account `n`.
pub struct TestAuthId;
impl frame_system::offchain::AppCrypto<ProviderKey, sp_runtime::testing::TestSignature>
	for TestAuthId
{
	type RuntimeAppPublic = ProviderKey;
	type GenericPublic = ProviderKey;
	type GenericSignature = sp_runtime::testing::TestSignature;
}

impl Config for Test {
	type AuthorityId = TestAuthId;
	type CapabilitySignature = sp_runtime::testing::TestSignature;
	type Currency = Balances;
	type Staking = Staking;
	type Beacon = Beacon;
	type Files = TestFiles;
	type Treasury = Treasury;
	type PalletId = ComputePalletId;
	type MaxModelLen = ConstU32<32>;
	type MaxUrlLen = ConstU32<64>;
	type MaxInputLen = ConstU32<256>;
	type MaxStoredInput = ConstU64<10_000>;
	type MaxTokens = ConstU32<1000>;
	type MaxServicesPerProvider = ConstU32<2>;
	type MaxConcurrency = ConstU32<4>;
	type MaxOpenJobsPerProvider = ConstU32<6>;
	type MaxBatch = ConstU32<4>;
	type JobTimeout = ConstU64<5>;
	type ChallengeWindow = ConstU64<10>;
	type DisputePeriod = ConstU64<6>;
	type RefundLock = ConstU64<20>;
	type MaxCapabilityLifetime = ConstU64<1_000>;
	type JobSubmissionFee = ConstU128<JOB_FEE>;
	type RefusalFee = ConstU128<REFUSAL_FEE>;
	type MinDisputeDeposit = ConstU128<MIN_DEPOSIT>;
	type DisputeDepositFactor = ConstU32<10>;
	type VerifiersPerDispute = ConstU32<3>;
	type VerifierShare = VerifierShare;
	type MissedJobSlash = MissedJobSlash;
	type WrongResultSlash = WrongResultSlash;
	type VerifierSlash = VerifierSlash;
	type DeadlineWeight = DeadlineWeight;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchSigner;
}

/// Benchmarks sign capabilities as account 7 777.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchSigner;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, sp_runtime::testing::TestSignature> for BenchSigner {
	fn signer() -> AccountId {
		7_777
	}
	fn sign(payload: &[u8]) -> sp_runtime::testing::TestSignature {
		sp_runtime::testing::TestSignature(7_777, payload.to_vec())
	}
}

/// The job submission fee in the mock.
pub const JOB_FEE: Balance = ZG / 1_000;
/// What a refusal pays in the mock.
pub const REFUSAL_FEE: Balance = 7;
/// The smallest dispute deposit in the mock.
pub const MIN_DEPOSIT: Balance = ZG;

/// Builds the test externalities: accounts 1..=100 hold [`INITIAL`]; providers 1..=5 hold a
/// ComputeProvider bond; no service is listed.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(AccountId, Balance)> = (1..=100).map(|a| (a, INITIAL)).collect();
	balances.push((TREASURY, ExistentialDeposit::get()));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	pallet_zg_staking::GenesisConfig::<Test> {
		validator_count: 1,
		min_role_bonds: vec![(Role::ComputeProvider, 100 * ZG)],
		role_bonds: (1..=PROVIDERS).map(|p| (p, Role::ComputeProvider, PROVIDER_BOND)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_zg_compute::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` in fresh externalities and checks the pallet's invariants afterwards.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Compute::do_try_state().expect("invariants hold");
	});
}

/// Runs blocks up to and including `n`, calling the compute pallet's `on_initialize`.
pub fn run_to(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Beacon::on_initialize(next);
		Compute::on_initialize(next);
		Compute::do_try_state().expect("invariants hold after every block");
	}
}

/// The events of this pallet so far.
pub fn compute_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Compute(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// The free balance of `who`.
pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// The free ledger balance of `who`.
pub fn ledger(who: AccountId) -> Balance {
	Ledgers::<Test>::get(who).map_or(0, |l| l.free)
}

/// The ComputeProvider bond of `who`.
pub fn bond(who: AccountId) -> Balance {
	<Staking as RoleStaking<AccountId, Balance>>::role_stake(&who, Role::ComputeProvider)
}

/// Lists a verifiable inference service of `provider` for [`MODEL`] at 2 plancks per input
/// token and 5 per output token, concurrency 2, 100 tokens at most. Returns its id.
pub fn service(provider: AccountId) -> ServiceId {
	service_with(provider, MODEL, ServiceKind::Inference, 2, 5, 2)
}

/// Lists a service that is not verifiable (forwarded).
pub fn forwarded_service(provider: AccountId, root: H256) -> ServiceId {
	let id = NextServiceId::<Test>::get();
	assert_ok!(Compute::register_service(
		RuntimeOrigin::signed(provider),
		ServiceKind::Inference,
		b"llama".to_vec(),
		root,
		2,
		5,
		format!("http://p{provider}").into_bytes(),
		b"gpu".to_vec(),
		2,
		100,
		false,
	));
	id
}

/// Lists a service with the given terms. Returns its id.
pub fn service_with(
	provider: AccountId,
	root: H256,
	kind: ServiceKind,
	input_price: Balance,
	output_price: Balance,
	concurrency: u32,
) -> ServiceId {
	let id = NextServiceId::<Test>::get();
	assert_ok!(Compute::register_service(
		RuntimeOrigin::signed(provider),
		kind,
		b"zg-tiny-gpt".to_vec(),
		root,
		input_price,
		output_price,
		format!("http://p{provider}").into_bytes(),
		b"cpu".to_vec(),
		concurrency,
		100,
		true,
	));
	id
}

/// An inline input.
pub fn prompt(text: &str) -> JobInput<Test> {
	JobInput::Inline(text.as_bytes().to_vec().try_into().unwrap())
}

/// `who` deposits 1 000 and submits a job of 100 tokens at most (input "hi": 4 input tokens at
/// most), max fee 1 000, to `service`. Returns the job id.
pub fn job(who: AccountId, service: ServiceId) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(Compute::deposit(RuntimeOrigin::signed(who), 1_000));
	assert_ok!(Compute::submit_job(RuntimeOrigin::signed(who), service, prompt("hi"), 100, 1_000));
	id
}

/// The output outcome of `text` with the given usage.
pub fn output(text: &str, input_tokens: u32, output_tokens: u32) -> JobOutcome {
	JobOutcome::Output {
		output_hash: zg_primitives::compute::output_hash(text.as_bytes()),
		input_tokens,
		output_tokens,
	}
}

/// The job's provider reports `outcome`.
pub fn report(job: JobId, outcome: JobOutcome) -> DispatchResult {
	let provider = Jobs::<Test>::get(job).unwrap().provider;
	Compute::submit_results(
		RuntimeOrigin::signed(provider),
		vec![JobReport { job, outcome, output_root: None }].try_into().unwrap(),
	)
}

/// `who` votes `outcome` in the dispute on `job`.
pub fn vote(who: AccountId, job: JobId, outcome: JobOutcome) -> DispatchResult {
	Compute::submit_votes(RuntimeOrigin::signed(who), vec![(job, outcome)].try_into().unwrap())
}

/// A capability of `user` for `provider` with `cap`, expiring at `expires_at`, and its
/// signature.
pub fn capability(
	user: AccountId,
	provider: AccountId,
	cap: Balance,
	expires_at: BlockNumber,
	nonce: u64,
) -> (SpendingCapability<AccountId, BlockNumber>, sp_runtime::testing::TestSignature) {
	let genesis = frame_system::Pallet::<Test>::block_hash(0);
	let c = SpendingCapability { user, provider, cap, expires_at, genesis, nonce };
	let signature = sp_runtime::testing::TestSignature(user, c.signing_payload());
	(c, signature)
}
