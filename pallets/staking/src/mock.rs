//! A mock runtime: system, timestamp, balances and staking. Sessions are driven by the tests
//! through the `SessionManager` calls that pallet-session would make; [`Session`] keeps what
//! pallet-session would (the validators, the disabled ones, the pruned history).

use crate::{self as pallet_zg_staking, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, Hooks, VariantCountOf},
	PalletId,
};
use pallet_session::SessionManager;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

/// One $0G in the mock (the real denomination).
pub const ZG: Balance = zg_primitives::currency::ZG;
/// Slashed funds go here.
pub const TREASURY: AccountId = 999;
/// Milliseconds per session in the mock.
pub const SESSION_MS: u64 = 60_000;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Staking: pallet_zg_staking,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
	// Weighed reads and writes, as on a chain: the multi-block migration meters them.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
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
	pub const Treasury: AccountId = TREASURY;
	pub static SessionsPerEra: SessionIndex = 3;
	pub static BondingDuration: EraIndex = 2;
	pub static SlashDeferDuration: EraIndex = 1;
	pub static YearlyInflation: Perbill = Perbill::from_percent(10);
	pub static OffenceSlashFraction: Perbill = Perbill::from_percent(10);
	pub static ReporterShare: Perbill = Perbill::from_percent(20);
	pub static MinimumValidatorCount: u32 = 1;
	/// Accounts and roles that the service pallets report obligations for.
	pub static OpenObligations: Vec<(AccountId, Role)> = vec![];
}

/// The service pallets in the tests: obligations are whatever [`OpenObligations`] lists.
pub struct TestObligations;
impl RoleObligations<AccountId> for TestObligations {
	fn has_obligations(who: &AccountId, role: Role) -> bool {
		OpenObligations::get().contains(&(*who, role))
	}
}

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnixTime = Timestamp;
	type SessionsPerEra = SessionsPerEra;
	type BondingDuration = BondingDuration;
	type SlashDeferDuration = SlashDeferDuration;
	type HistoryDepth = ConstU32<8>;
	type MaxValidators = ConstU32<8>;
	type MaxCandidates = ConstU32<16>;
	type MaxDelegationTargets = ConstU32<3>;
	type MaxBackersPerValidator = ConstU32<8>;
	type MaxExposurePageSize = ConstU32<2>;
	type MaxUnlockingChunks = ConstU32<4>;
	type MaxSlashesPerBlock = ConstU32<2>;
	type MinimumValidatorCount = MinimumValidatorCount;
	type MinBondFloor = ConstU128<ZG>;
	type YearlyInflation = YearlyInflation;
	type OffenceSlashFraction = OffenceSlashFraction;
	type ReporterShare = ReporterShare;
	type PalletId = StakingPalletId;
	type Treasury = Treasury;
	type SessionInterface = Session;
	type Obligations = TestObligations;
	type AdminOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type SlashCancelOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type WeightInfo = ();
}

/// Builds the test externalities.
pub struct ExtBuilder {
	validator_count: u32,
	stakers: Vec<(AccountId, Balance, StakerStatus<AccountId>)>,
	role_bonds: Vec<(AccountId, Role, Balance)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self {
			validator_count: 2,
			// Validators 10, 20, 30 with own stakes 1000, 2000, 500 0G; 10 charges 10 %.
			stakers: vec![
				(10, 1_000 * ZG, StakerStatus::Validator(Perbill::from_percent(10))),
				(20, 2_000 * ZG, StakerStatus::Validator(Perbill::zero())),
				(30, 500 * ZG, StakerStatus::Validator(Perbill::zero())),
			],
			role_bonds: vec![],
		}
	}
}

impl ExtBuilder {
	/// No stakers at all.
	pub fn bare() -> Self {
		Self { validator_count: 2, stakers: vec![], role_bonds: vec![] }
	}

	pub fn validator_count(mut self, n: u32) -> Self {
		self.validator_count = n;
		self
	}
	pub fn staker(
		mut self,
		who: AccountId,
		bond: Balance,
		status: StakerStatus<AccountId>,
	) -> Self {
		self.stakers.push((who, bond, status));
		self
	}
	pub fn role_bond(mut self, who: AccountId, role: Role, bond: Balance) -> Self {
		self.role_bonds.push((who, role, bond));
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		// Accounts 1..=100 (and the stakers) hold 10 000 0G each.
		let mut balances: Vec<(AccountId, Balance)> = (1..=100).map(|a| (a, 10_000 * ZG)).collect();
		balances.push((TREASURY, ExistentialDeposit::get()));
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_zg_staking::GenesisConfig::<Test> {
			validator_count: self.validator_count,
			min_validator_bond: 100 * ZG,
			min_delegator_bond: 10 * ZG,
			min_role_bonds: vec![
				(Role::StorageProvider, 100 * ZG),
				(Role::DaSigner, 100 * ZG),
				(Role::ComputeProvider, 200 * ZG),
			],
			stakers: self.stakers,
			role_bonds: self.role_bonds,
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			Timestamp::set_timestamp(1);
			// What pallet-session does at genesis.
			let first = <Staking as SessionManager<AccountId>>::new_session_genesis(0);
			Session::set_validators(first.unwrap_or_default());
			let _ = <Staking as SessionManager<AccountId>>::new_session_genesis(1);
			<Staking as SessionManager<AccountId>>::start_session(0);
			Staking::on_finalize(1);
		});
		ext
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Staking::do_try_state().expect("invariants hold");
		});
	}
}

parameter_types! {
	/// The session index and the validators of the mock session, as pallet-session keeps them.
	pub static CurrentSession: SessionIndex = 0;
	pub static SessionValidators: Vec<AccountId> = vec![];
	pub static QueuedValidators: Option<Vec<AccountId>> = None;
	/// The validators disabled in the current session, with the severity reported.
	pub static DisabledValidators: Vec<(AccountId, Perbill)> = vec![];
	/// The session before which the historical sessions were pruned.
	pub static PrunedUpTo: SessionIndex = 0;
}

/// The parts of pallet-session the tests need.
pub struct Session;

impl Session {
	pub fn set_validators(v: Vec<AccountId>) {
		SessionValidators::set(v);
	}

	pub fn validators() -> Vec<AccountId> {
		SessionValidators::get()
	}

	/// Every validator of the session authors one block, then the session rotates.
	pub fn author_and_rotate() {
		author_blocks(1);
		Self::rotate();
	}

	/// Rotates to the next session the way pallet-session does: the queued set becomes
	/// active, the session ends and starts, and the set for the session after is asked for.
	/// Time moves on by one session.
	/// Staking's `on_initialize` runs in the same block, before pallet-session's (as in the
	/// runtime, where Staking comes first), and the block's timestamp is set after both.
	pub fn rotate() {
		Staking::on_initialize(System::block_number());
		let ending = CurrentSession::get();
		let starting = ending + 1;
		if let Some(queued) = QueuedValidators::take() {
			SessionValidators::set(queued);
		}
		DisabledValidators::set(vec![]);
		<Staking as SessionManager<AccountId>>::end_session(ending);
		<Staking as SessionManager<AccountId>>::start_session(starting);
		CurrentSession::set(starting);
		if let Some(next) = <Staking as SessionManager<AccountId>>::new_session(starting + 1) {
			QueuedValidators::set(Some(next));
		}
		let block = System::block_number();
		System::set_block_number(block + 1);
		Timestamp::set_timestamp(pallet_timestamp::Now::<Test>::get() + SESSION_MS);
		Staking::on_finalize(block + 1);
	}

	/// A block within the session: its `on_initialize` and `on_finalize`.
	pub fn next_block() {
		let block = System::block_number() + 1;
		System::set_block_number(block);
		Staking::on_initialize(block);
		Staking::on_finalize(block);
	}
}

/// What pallet-session offers the staking pallet. A reported offender of the current set is
/// disabled until the session ends (pallet-session's strategy, without its one-third limit).
impl pallet_session::SessionInterface for Session {
	type ValidatorId = AccountId;
	type AccountId = AccountId;
	type Keys = sp_runtime::testing::UintAuthorityId;

	fn validators() -> Vec<AccountId> {
		SessionValidators::get()
	}
	fn prune_up_to(index: SessionIndex) {
		PrunedUpTo::set(PrunedUpTo::get().max(index));
	}
	fn report_offence(offender: AccountId, severity: sp_staking::offence::OffenceSeverity) {
		if SessionValidators::get().contains(&offender) {
			DisabledValidators::mutate(|d| {
				d.retain(|(v, _)| *v != offender);
				d.push((offender, severity.0));
			});
		}
	}
	fn set_keys(_: &AccountId, _: Self::Keys) -> frame_support::dispatch::DispatchResult {
		Ok(())
	}
	fn purge_keys(_: &AccountId) -> frame_support::dispatch::DispatchResult {
		Ok(())
	}
	fn set_keys_weight() -> Weight {
		Weight::zero()
	}
	fn purge_keys_weight() -> Weight {
		Weight::zero()
	}
}

/// Every current validator authors `blocks` blocks.
pub fn author_blocks(blocks: u32) {
	for _ in 0..blocks {
		for v in Session::validators() {
			<Staking as pallet_authorship::EventHandler<AccountId, u64>>::note_author(v);
		}
	}
}

/// Rotates sessions until `era` is active; every validator authors a block each session.
pub fn start_era(era: EraIndex) {
	rotate_until(era, Session::author_and_rotate);
}

/// Rotates sessions until `era` is active, with no block authored on the way.
pub fn start_era_silently(era: EraIndex) {
	rotate_until(era, Session::rotate);
}

fn rotate_until(era: EraIndex, rotate: fn()) {
	for _ in 0..100 {
		if Staking::active_era() >= era {
			return;
		}
		rotate();
	}
	panic!("era {era} never started");
}

/// The events of this pallet so far.
pub fn staking_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Staking(e) => Some(e),
			_ => None,
		})
		.collect()
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

pub fn held(who: AccountId, reason: HoldReason) -> Balance {
	<Balances as fungible::InspectHold<AccountId>>::balance_on_hold(&reason.into(), &who)
}
