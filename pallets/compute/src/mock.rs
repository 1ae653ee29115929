//! A mock runtime: system, timestamp, balances, the real staking pallet (for the providers'
//! role bonds and their slashing) and the compute pallet. Randomness is a hash of a seed the
//! tests can set, the subject and the block number.

use crate::{self as pallet_zg_compute, *};
use frame_support::{
	assert_ok, derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks, VariantCountOf},
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
/// The challenger's deposit.
pub const DEPOSIT: Balance = 5 * ZG;
/// The model root most tests use.
pub const MODEL: H256 = H256::repeat_byte(7);

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Staking: pallet_zg_staking,
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
	pub const DisputeDeposit: Balance = DEPOSIT;
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
	pub static RandomSeed: u64 = 0;
}

impl pallet_zg_staking::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnixTime = Timestamp;
	type SessionsPerEra = ConstU32<3>;
	type BondingDuration = ConstU32<2>;
	type SlashDeferDuration = ConstU32<2>;
	type HistoryDepth = ConstU32<8>;
	type MaxValidators = ConstU32<8>;
	type MaxDelegationTargets = ConstU32<3>;
	type MaxBackersPerValidator = ConstU32<8>;
	type MaxExposurePageSize = ConstU32<2>;
	type MaxUnlockingChunks = ConstU32<4>;
	type MaxSlashesPerEra = ConstU32<4>;
	type MinimumValidatorCount = ConstU32<1>;
	type YearlyInflation = ();
	type OffenceSlashFraction = ();
	type ReporterShare = ReporterShare;
	type PalletId = StakingPalletId;
	type Treasury = Treasury;
	type WeightInfo = ();
}

/// Randomness for the tests: `blake2(seed, subject, block)`.
pub struct TestRandomness;
impl Randomness<sp_core::H256, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (sp_core::H256, BlockNumber) {
		let block = System::block_number();
		let hash = sp_io::hashing::blake2_256(&(RandomSeed::get(), subject, block).encode());
		(hash.into(), block)
	}
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
	type Currency = Balances;
	type Staking = Staking;
	type Randomness = TestRandomness;
	type PalletId = ComputePalletId;
	type MaxModelLen = ConstU32<32>;
	type MaxUrlLen = ConstU32<64>;
	type MaxInputLen = ConstU32<256>;
	type MaxTokens = ConstU32<1000>;
	type MaxServicesPerProvider = ConstU32<2>;
	type MaxServicesPerModel = ConstU32<8>;
	type MaxConcurrency = ConstU32<4>;
	type JobTimeout = ConstU64<5>;
	type ChallengeWindow = ConstU64<10>;
	type DisputePeriod = ConstU64<6>;
	type RefundLock = ConstU64<20>;
	type DisputeDeposit = DisputeDeposit;
	type VerifiersPerDispute = ConstU32<3>;
	type MissedJobSlash = MissedJobSlash;
	type WrongResultSlash = WrongResultSlash;
	type MaxDeadlinesPerBlock = ConstU32<4>;
	type WeightInfo = ();
}

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

/// Lists an inference service of `provider` for [`MODEL`] at 2 plancks per input token and
/// 5 per output token, concurrency 2. Returns its id.
pub fn service(provider: AccountId) -> ServiceId {
	service_with(provider, MODEL, ServiceKind::Inference, 2, 5, 2)
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
	));
	id
}

/// An inline input.
pub fn prompt(text: &str) -> JobInput<Test> {
	JobInput::Inline(text.as_bytes().to_vec().try_into().unwrap())
}

/// `who` deposits `amount` and submits a job of 100 tokens at most, max fee 1 000, to
/// `service`. Returns the job id.
pub fn job(who: AccountId, service: ServiceId) -> JobId {
	let id = NextJobId::<Test>::get();
	assert_ok!(Compute::deposit(RuntimeOrigin::signed(who), 1_000));
	assert_ok!(Compute::submit_job(RuntimeOrigin::signed(who), service, prompt("hi"), 100, 1_000));
	id
}
