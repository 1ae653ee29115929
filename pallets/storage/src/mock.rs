//! A mock runtime: system, timestamp, balances, the real staking pallet (for the providers'
//! role bonds and their slashing) and the storage pallet. Randomness is a hash of a seed the
//! tests can set, the subject and the block number.

use crate::{self as pallet_zg_storage, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks, VariantCountOf},
};
use sp_runtime::BuildStorage;
use zg_primitives::{erasure, storage::shard_root};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type BlockNumber = u64;

/// One $0G.
pub const ZG: Balance = zg_primitives::currency::ZG;
/// The treasury of the staking pallet, where slashed bonds go.
pub const TREASURY: AccountId = 999;
/// Accounts 1..=PROVIDERS have a StorageProvider bond of [`PROVIDER_BOND`] and are registered.
pub const PROVIDERS: AccountId = 5;
/// The role bond of each provider.
pub const PROVIDER_BOND: Balance = 1_000 * ZG;
/// The uploader in most tests.
pub const ALICE: AccountId = 50;
/// Price in the mock: plancks per byte and block.
pub const PRICE: Balance = 1_000;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Staking: pallet_zg_staking,
		Storage: pallet_zg_storage,
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
	pub const StoragePalletId: PalletId = PalletId(*b"zg/store");
	pub const Treasury: AccountId = TREASURY;
	pub const MissedChallengeSlash: Perbill = Perbill::from_percent(10);
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
	type ReporterShare = ();
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
	type PalletId = StoragePalletId;
	type MaxFileSize = ConstU64<{ 1 << 30 }>;
	type MaxDataShards = ConstU32<8>;
	type MinParityShards = ConstU32<1>;
	type MaxParityShards = ConstU32<4>;
	type MinLifetime = ConstU64<20>;
	type MaxLifetime = ConstU64<10_000>;
	type ConfirmationPeriod = ConstU64<10>;
	type ChallengePeriod = ConstU64<10>;
	type ChallengesPerPeriod = ConstU32<4>;
	type MissedChallengeSlash = MissedChallengeSlash;
	type MaxProviders = ConstU32<32>;
	type MaxEndpointLen = ConstU32<64>;
	type MaxDeadlinesPerBlock = ConstU32<4>;
	type WeightInfo = ();
}

/// Builds the test externalities: accounts 1..=100 hold 10 000 0G; providers 1..=5 are bonded
/// and registered with endpoints `http://p<N>`.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(AccountId, Balance)> = (1..=100).map(|a| (a, 10_000 * ZG)).collect();
	balances.push((TREASURY, ExistentialDeposit::get()));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	pallet_zg_staking::GenesisConfig::<Test> {
		validator_count: 1,
		min_role_bonds: vec![(Role::StorageProvider, 100 * ZG)],
		role_bonds: (1..=PROVIDERS).map(|p| (p, Role::StorageProvider, PROVIDER_BOND)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_zg_storage::GenesisConfig::<Test> { price: PRICE, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		for p in 1..=PROVIDERS {
			Storage::register_provider(
				RuntimeOrigin::signed(p),
				format!("http://p{p}").into_bytes(),
			)
			.unwrap();
		}
		System::reset_events();
	});
	ext
}

/// Runs `test` in fresh externalities and checks the pallet's invariants afterwards.
pub fn execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Storage::do_try_state().expect("invariants hold");
	});
}

/// Runs blocks up to and including `n`, calling the storage pallet's `on_initialize`.
pub fn run_to(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Storage::on_initialize(next);
		Storage::do_try_state().expect("invariants hold after every block");
	}
}

/// The events of this pallet so far.
pub fn storage_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Storage(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// The free balance of `who`.
pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// A test file: its bytes, layout, shards and the roots the chain is given.
pub struct TestFile {
	pub data: Vec<u8>,
	pub layout: FileLayout,
	pub shards: Vec<Vec<u8>>,
	pub shard_roots: Vec<H256>,
	pub root: H256,
}

impl TestFile {
	/// `size` pseudo-random bytes coded with `k` data and `m` parity shards.
	pub fn new(size: usize, k: u16, m: u16) -> Self {
		let data: Vec<u8> = (0..size).map(|i| (i * 31 % 253) as u8).collect();
		let layout = FileLayout::new(size as u64, k, m).unwrap();
		let shards = erasure::encode(&layout, &data).unwrap();
		let shard_roots: Vec<H256> = shards.iter().map(|s| shard_root(s)).collect();
		let root = zg_primitives::storage::file_root(&layout, &shard_roots);
		Self { data, layout, shards, shard_roots, root }
	}

	/// Submits the file from `who` with `lifetime` blocks and no fee limit.
	pub fn submit(&self, who: AccountId, lifetime: BlockNumber) -> DispatchResultWithPostInfo {
		Storage::submit(
			RuntimeOrigin::signed(who),
			self.root,
			self.layout.size,
			self.layout.data_shards,
			self.layout.parity_shards,
			self.shard_roots.clone(),
			lifetime,
			Balance::MAX,
		)
	}

	/// The provider of each shard.
	pub fn providers(&self) -> Vec<AccountId> {
		Files::<Test>::get(self.root).unwrap().shards.iter().map(|s| s.provider).collect()
	}

	/// Every assigned provider confirms its shard.
	pub fn confirm_all(&self) {
		for (i, p) in self.providers().into_iter().enumerate() {
			Storage::confirm_shard(RuntimeOrigin::signed(p), self.root, i as u32).unwrap();
		}
	}

	/// The chunk and Merkle path that answer a challenge for `chunk` of `shard`.
	pub fn proof(&self, shard: u32, chunk: u32) -> (Vec<u8>, Vec<H256>) {
		let bytes = &self.shards[shard as usize];
		let tree = zg_primitives::storage::MerkleTree::from_shard(bytes);
		let start = chunk as usize * CHUNK_SIZE;
		(bytes[start..start + CHUNK_SIZE].to_vec(), tree.proof(chunk).unwrap())
	}
}

/// Answers challenge `index` of the current round with a valid proof from its provider.
pub fn answer(file: &TestFile, index: u32) -> DispatchResult {
	let round = CurrentRound::<Test>::get();
	let c = round.challenges[index as usize].clone();
	let (chunk, path) = file.proof(c.shard, c.chunk);
	Storage::answer_challenge(
		RuntimeOrigin::signed(c.provider),
		round.number,
		index,
		chunk.try_into().unwrap(),
		path.try_into().unwrap(),
	)
}
