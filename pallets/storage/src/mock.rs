//! A mock runtime: system, timestamp, balances, the real staking pallet (for the providers'
//! role bonds and their slashing), the real beacon and the storage pallet. The beacon's source
//! is a hash of a seed the tests can set and the parent block's number, as BABE's is of the
//! parent block's VRF output.

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
		Beacon: pallet_zg_beacon,
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
	pub const FaultSlash: Perbill = Perbill::from_percent(10);
	pub const InconsistencyReward: Perbill = Perbill::from_percent(10);
	pub static RandomSeed: u64 = 0;
	pub const SubmissionFee: Balance = SUBMISSION_FEE;
	pub static DeadlineWeight: Weight = Weight::from_parts(u64::MAX / 4, u64::MAX / 4);
}

/// The treasury of the staking pallet receives the submission fees too.
pub const SUBMISSION_FEE: Balance = ZG / 10;

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
	type Obligations = Storage;
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
	type Currency = Balances;
	type Staking = Staking;
	type Beacon = Beacon;
	type Treasury = Treasury;
	type PalletId = StoragePalletId;
	type MaxFileSize = ConstU64<{ 1 << 30 }>;
	type MinDataShards = ConstU32<2>;
	type MaxDataShards = ConstU32<8>;
	type MinParityShards = ConstU32<1>;
	type MaxParityShards = ConstU32<4>;
	type MinShardSize = ConstU64<{ MIN_SHARD }>;
	type SubmissionFee = SubmissionFee;
	type MinLifetime = ConstU64<40>;
	type MaxLifetime = ConstU64<10_000>;
	type ConfirmationPeriod = ConstU64<10>;
	type HandoverPeriod = ConstU64<10>;
	type ChallengeWindow = ConstU64<5>;
	type SweepPeriod = ConstU64<SWEEP>;
	type ChallengeRegion = ConstU32<{ REGION }>;
	type MaxChallengesPerBlock = ConstU32<4>;
	type FaultSlash = FaultSlash;
	type InconsistencyReward = InconsistencyReward;
	type MaxProviders = ConstU32<8>;
	type MaxEndpointLen = ConstU32<64>;
	type MaxBatch = ConstU32<8>;
	type HandoverPage = ConstU32<2>;
	type DeadlineWeight = DeadlineWeight;
	type AdminOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type WeightInfo = ();
}

/// Bytes a shard is charged for at least in the mock: 4 KiB.
pub const MIN_SHARD: u64 = 4 * 1024;
/// Blocks of a challenge sweep in the mock.
pub const SWEEP: u64 = 20;
/// Chunks per challenge region in the mock.
pub const REGION: u32 = 4;

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
		Beacon::on_initialize(next);
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

/// A test file: its layout, shards and the roots the chain is given.
pub struct TestFile {
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
		Self { layout, shards, shard_roots, root }
	}

	/// Like [`TestFile::new`], but shard `bad` is garbage committed under its own root: the
	/// shards are not one codeword (what a dishonest uploader can commit).
	pub fn with_bad_shard(size: usize, k: u16, m: u16, bad: usize) -> Self {
		let mut file = Self::new(size, k, m);
		file.shards[bad] =
			(0..file.shards[bad].len()).map(|i| (i * 7 % 251) as u8 ^ 0x5a).collect();
		file.shard_roots[bad] = shard_root(&file.shards[bad]);
		file.root = zg_primitives::storage::file_root(&file.layout, &file.shard_roots);
		file
	}

	/// Submits the file from `who` with `lifetime` blocks and no fee limit.
	pub fn submit(&self, who: AccountId, lifetime: BlockNumber) -> DispatchResult {
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

	/// Submits the file and runs blocks until its providers are drawn.
	pub fn submit_and_assign(&self, who: AccountId, lifetime: BlockNumber) {
		self.submit(who, lifetime).unwrap();
		run_to(Beacon::ready_at(System::block_number()));
		assert_eq!(self.info().status, FileStatus::Pending);
	}

	/// The file on chain.
	pub fn info(&self) -> FileInfo<Test> {
		Files::<Test>::get(self.root).expect("the file is on chain")
	}

	/// The provider of each shard (0 where none).
	pub fn providers(&self) -> Vec<AccountId> {
		self.info().shards.iter().map(|s| s.provider.unwrap_or(0)).collect()
	}

	/// The proof of `chunk` of `shard`.
	pub fn proof(&self, shard: u32, chunk: u32) -> ChunkProof {
		let bytes = &self.shards[shard as usize];
		let tree = zg_primitives::storage::MerkleTree::from_shard(bytes);
		let start = chunk as usize * CHUNK_SIZE;
		ChunkProof {
			chunk: bytes[start..start + CHUNK_SIZE].to_vec().try_into().unwrap(),
			path: tree.proof(chunk).unwrap().try_into().unwrap(),
		}
	}

	/// The confirmation of `shard` with the proof of the chunk the chain asks for (runs blocks
	/// until the chunk can be drawn).
	pub fn confirmation(&self, shard: u32) -> Confirmation {
		let ShardState::Assigned { at, .. } = self.info().shards[shard as usize].state else {
			panic!("shard {shard} is not awaiting confirmation");
		};
		run_to(Beacon::ready_at(at).max(System::block_number()));
		let chunk =
			Storage::confirm_chunk(self.root, shard, at, self.layout.chunks_per_shard()).unwrap();
		Confirmation { root: self.root, shard, proof: self.proof(shard, chunk) }
	}

	/// The provider of `shard` confirms it.
	pub fn confirm(&self, shard: u32) -> DispatchResult {
		let c = self.confirmation(shard);
		let provider = self.providers()[shard as usize];
		Storage::confirm_shards(RuntimeOrigin::signed(provider), vec![c].try_into().unwrap())
	}

	/// Every assigned provider confirms its shard.
	pub fn confirm_all(&self) {
		for (i, s) in self.info().shards.iter().enumerate() {
			if matches!(s.state, ShardState::Assigned { .. }) {
				self.confirm(i as u32).unwrap();
			}
		}
	}

	/// Submits, assigns and confirms the file: it is finalized.
	pub fn store(&self, who: AccountId, lifetime: BlockNumber) {
		self.submit_and_assign(who, lifetime);
		self.confirm_all();
		assert_eq!(self.info().status, FileStatus::Finalized);
	}
}

/// The open challenges of `provider`.
pub fn challenges_of(provider: AccountId) -> Vec<(ChallengeId, Challenge<AccountId, BlockNumber>)> {
	let mut ids: Vec<ChallengeId> = ProviderChallenges::<Test>::iter_key_prefix(provider).collect();
	ids.sort();
	ids.into_iter().map(|id| (id, Challenges::<Test>::get(id).unwrap())).collect()
}

/// Answers challenge `id` with a valid proof from `file`.
pub fn answer(file: &TestFile, id: ChallengeId) -> DispatchResult {
	let c = Challenges::<Test>::get(id).expect("an open challenge");
	let proof = file.proof(c.shard, c.chunk);
	Storage::answer_challenges(
		RuntimeOrigin::signed(c.provider),
		vec![Answer { challenge: id, proof }].try_into().unwrap(),
	)
}
