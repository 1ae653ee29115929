//! The runtime API of the compute marketplace: service discovery for wallets, SDKs and workers.

use alloc::vec::Vec;
use codec::Codec;
use zg_primitives::Balance;

/// A service as the runtime API returns it.
#[derive(codec::Encode, codec::Decode, scale_info::TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ServiceView<AccountId> {
	/// The service's id.
	pub id: u64,
	/// The provider that runs it.
	pub provider: AccountId,
	/// Inference, fine-tuning or agent.
	pub kind: zg_primitives::compute::ServiceKind,
	/// The model identifier.
	pub model: Vec<u8>,
	/// The content root of the model's weights.
	pub model_root: sp_core::H256,
	/// Plancks per input token (per job for fine-tuning).
	pub input_price: Balance,
	/// Plancks per output token.
	pub output_price: Balance,
	/// The worker's OpenAI-compatible API.
	pub endpoint: Vec<u8>,
	/// Hardware description.
	pub hardware: Vec<u8>,
	/// Most open jobs at once.
	pub max_concurrency: u32,
	/// Most output tokens a job may ask for.
	pub max_tokens: u32,
	/// Whether its results can be challenged (deterministic engine).
	pub verifiable: bool,
	/// Open jobs now.
	pub active_jobs: u32,
}

/// One page of services, and where the next page starts.
#[derive(codec::Encode, codec::Decode, scale_info::TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ServicePage<AccountId> {
	/// The services found.
	pub services: Vec<ServiceView<AccountId>>,
	/// Pass this as `start_after` for the next page; `None` when there is no more.
	pub next: Option<u64>,
}

sp_api::decl_runtime_apis! {
	/// Finds compute services.
	pub trait ComputeApi<AccountId> where AccountId: Codec {
		/// A page of services of `model` (all models when `None`) whose prices are at most
		/// the given ones, starting after service `start_after`: at most `limit` of them
		/// (never more than [`crate::MAX_QUERY`]). With a model the lookup goes through an
		/// index by model, so its cost does not grow with the other models' services.
		fn services(
			model: Option<Vec<u8>>,
			max_input_price: Option<Balance>,
			max_output_price: Option<Balance>,
			start_after: Option<u64>,
			limit: u32,
		) -> ServicePage<AccountId>;
	}
}

impl<T: crate::Config> crate::Pallet<T> {
	/// [`ComputeApi::services`] for the runtime to call.
	pub fn services_view(
		model: Option<Vec<u8>>,
		max_input_price: Option<Balance>,
		max_output_price: Option<Balance>,
		start_after: Option<u64>,
		limit: u32,
	) -> ServicePage<T::AccountId> {
		let (found, next) =
			Self::find_services(model, max_input_price, max_output_price, start_after, limit);
		let services = found
			.into_iter()
			.map(|(id, s)| ServiceView {
				id,
				provider: s.provider,
				kind: s.kind,
				model: s.model.into(),
				model_root: s.model_root,
				input_price: s.input_price,
				output_price: s.output_price,
				endpoint: s.endpoint.into(),
				hardware: s.hardware.into(),
				max_concurrency: s.max_concurrency,
				max_tokens: s.max_tokens,
				verifiable: s.verifiable,
				active_jobs: s.active_jobs,
			})
			.collect();
		ServicePage { services, next }
	}
}
