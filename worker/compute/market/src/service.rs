//! The compute role's state: engines by model id, their prices, the meter, the metrics, and
//! the checks every request of the API passes.

use crate::{
	meter::{Grant, Meter, MeterError, Prices, Reservation},
	metrics::{JobStatus, Metrics},
	Account,
};
use std::{
	collections::{BTreeMap, HashMap},
	sync::{
		atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering},
		Arc, Mutex, RwLock,
	},
	time::{Duration, Instant},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zg_compute_engine::{ChatMessage, Cut, Embeddings, Engine, GenerateParams, Generation};
use zg_primitives::{
	compute::{decode_api_key, SpendingCapability, API_KEY_PREFIX},
	Signature,
};

/// How the compute role is configured.
#[derive(Clone, Debug)]
pub struct ComputeConfig {
	/// The provider account this worker serves (its services' owner on chain).
	pub provider: Account,
	/// The largest `max_tokens` a request may ask for.
	pub max_tokens_cap: u32,
	/// Prices of the models that have none of their own ([`ComputeState::set_prices`]).
	pub prices: Prices,
	/// Append [`crate::FAULT_SUFFIX`] to job outputs that are not verifications (tests of
	/// disputes).
	pub fault_outputs: bool,
	/// Append [`crate::FAULT_SUFFIX`] to verification outputs: a dishonest verifier (tests of
	/// disputes).
	pub fault_votes: bool,
	/// The chain's genesis hash: API keys must name it.
	pub genesis: [u8; 32],
	/// API requests that may run in the engines at once; more are refused
	/// ([`ComputeError::Busy`]) until one ends. Jobs of the node do not count.
	pub max_inflight: usize,
	/// Of those, the most one user (the signer of the API keys) may hold at once; more are
	/// refused ([`ComputeError::UserBusy`]), so that one user cannot take every place from
	/// the others. The open API (no keys) has no users to tell apart.
	pub max_inflight_per_user: usize,
	/// How long an answer may take: past it, one that is not streamed is stopped and charged
	/// nothing ([`Deadline`]); a streamed one is cut there and pays what was sent. The HTTP
	/// layer keeps it under its request timeout.
	pub answer_deadline: Duration,
	/// A key that expires within this many blocks of the best block is refused: whatever it
	/// pays for must be settled before it expires (the chain settles nothing under an expired
	/// capability), so this covers the longest answer, the time to the next settlement and
	/// the settlement's finality ([`expiry_margin`]).
	pub expiry_margin: u32,
	/// The chain's `MaxCapabilityLifetime`: a key that expires further than this from the best
	/// block is refused, since the chain would refuse every settlement under it.
	pub max_key_lifetime: u32,
}

/// The expiry margin in blocks of `block_time` for answers of at most `answer_deadline` and
/// settlements every `settle_every`: the answer, two settlement periods (one may start just
/// before the answer ends, and fail) and a minute for the settlement to be finalized.
pub fn expiry_margin(
	answer_deadline: Duration,
	settle_every: Duration,
	block_time: Duration,
) -> u32 {
	let needed = answer_deadline + settle_every * 2 + Duration::from_secs(60);
	let block_ms = block_time.as_millis().max(1);
	u32::try_from(needed.as_millis().div_ceil(block_ms)).unwrap_or(u32::MAX)
}

/// The server's deadline for one answer, raced against the run's end: whichever comes first
/// decides whether the run is charged. The deadline passing first ([`Deadline::pass`]) makes
/// the run free (the client got nothing through no choice of its own); the run ending first
/// charges it, and the answer is delivered even if the deadline passes just after.
#[derive(Debug, Default)]
pub struct Deadline(AtomicU8);

impl Deadline {
	const RUNNING: u8 = 0;
	const ENDED: u8 = 1;
	const PASSED: u8 = 2;

	/// The deadline passed. Returns `true` if it came before the run's end (stop the run: it
	/// is charged nothing), `false` if the run had ended (and been charged): deliver it.
	pub fn pass(&self) -> bool {
		self.0
			.compare_exchange(Self::RUNNING, Self::PASSED, Ordering::SeqCst, Ordering::SeqCst)
			.is_ok()
	}

	/// The run ended. Returns `true` if before the deadline (charge it).
	fn end(&self) -> bool {
		self.0
			.compare_exchange(Self::RUNNING, Self::ENDED, Ordering::SeqCst, Ordering::SeqCst)
			.is_ok()
	}
}

/// Why a request of the API is refused. Nothing is charged or counted for any of them.
#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
	/// No `Authorization` header.
	#[error("missing Authorization: Bearer <API key>")]
	MissingKey,
	/// An `Authorization` header that is not `Bearer <key>`.
	#[error("malformed Authorization: expected Bearer <API key>")]
	MalformedAuthorization,
	/// Not a signed capability.
	#[error("not a 0G API key: expected {API_KEY_PREFIX} and a signed spending capability")]
	NotAnApiKey,
	/// Signed with another scheme than sr25519.
	#[error("only sr25519-signed API keys are accepted")]
	NotSr25519,
	/// For another provider.
	#[error("this API key is for provider 0x{}, not 0x{}", hex::encode(.key), hex::encode(.here))]
	OtherProvider {
		/// The key's provider.
		key: Account,
		/// This worker's.
		here: Account,
	},
	/// For another chain.
	#[error("this API key is for another chain")]
	OtherChain,
	/// Expired, or too close to its expiry for what it pays to be settled in time.
	#[error("this API key expires at block {expires_at}, within {margin} blocks: sign a new one")]
	Expired {
		/// The key's expiry.
		expires_at: u32,
		/// The margin this worker keeps.
		margin: u32,
	},
	/// Expires later than the chain lets a capability be settled.
	#[error(
		"this API key expires at block {expires_at}, after block {latest}, the latest the chain \
		 settles a capability signed now: sign one that expires sooner"
	)]
	TooLong {
		/// The key's expiry.
		expires_at: u32,
		/// The latest expiry the chain accepts now.
		latest: u32,
	},
	/// The user has too many keys with spend outstanding (see [`MeterError::TooManyKeys`]).
	#[error("{0}")]
	TooManyKeys(String),
	/// The key reuses a nonce with other terms (see [`MeterError::OtherTerms`]).
	#[error("{0}")]
	OtherTerms(String),
	/// The signature is not the user's.
	#[error("the API key's signature is not its user's")]
	BadSignature,
	/// No such model here.
	#[error("the model {0} does not exist here")]
	UnknownModel(String),
	/// The model cannot do what is asked (`what`: embeddings, text generation).
	#[error("the model {model} does not do {what}")]
	Unsupported {
		/// The model.
		model: String,
		/// What it cannot do.
		what: &'static str,
	},
	/// The key does not allow the request's largest cost.
	#[error("{detail}; allocate more to provider 0x{} or sign a key with a larger cap", hex::encode(.provider))]
	Insufficient {
		/// The meter's account of it.
		detail: String,
		/// This provider.
		provider: Account,
	},
	/// The budget could not be read from the chain.
	#[error("{0}")]
	Chain(String),
	/// Too many requests in the engines at once.
	#[error("too many requests at once ({0} run at a time): try again shortly")]
	Busy(usize),
	/// Too many requests of this key's user in the engines at once.
	#[error(
		"too many of your requests at once ({0} run at a time per user): try again when one ends"
	)]
	UserBusy(usize),
	/// The engine failed.
	#[error("the engine failed: {0}")]
	Engine(String),
}

/// The compute part of the worker's state: the engines by model id, the meter, the metrics.
pub struct ComputeState {
	pub(crate) engines: BTreeMap<String, Arc<dyn Engine>>,
	prices: RwLock<BTreeMap<String, Prices>>,
	pub(crate) config: ComputeConfig,
	meter: Option<Arc<Meter>>,
	pub(crate) metrics: Metrics,
	best_block: AtomicU32,
	inflight: Arc<Semaphore>,
	per_user: Arc<Mutex<HashMap<Account, usize>>>,
	pub(crate) runs: Mutex<HashMap<(u64, bool), crate::jobs::RunState>>,
}

impl ComputeState {
	/// Serves `engines` (by their model ids). With `meter`, requests must be signed and are
	/// metered; without, the API is open to anybody for free.
	pub fn new(
		config: ComputeConfig,
		engines: Vec<Arc<dyn Engine>>,
		meter: Option<Arc<Meter>>,
	) -> Self {
		let engines = engines.into_iter().map(|e| (e.model_id().to_string(), e)).collect();
		let inflight = Arc::new(Semaphore::new(config.max_inflight.max(1)));
		Self {
			engines,
			prices: RwLock::default(),
			config,
			meter,
			metrics: Metrics::default(),
			best_block: AtomicU32::new(0),
			inflight,
			per_user: Arc::default(),
			runs: Mutex::default(),
		}
	}

	/// Notes the chain's best block (for the expiry of API keys).
	pub fn set_best_block(&self, number: u32) {
		self.best_block.store(number, Ordering::Relaxed);
	}

	/// Sets the prices of `model` (from its service on chain).
	pub fn set_prices(&self, model: &str, prices: Prices) {
		if let Ok(mut all) = self.prices.write() {
			all.insert(model.to_string(), prices);
		}
	}

	/// The prices of `model`.
	pub fn prices(&self, model: &str) -> Prices {
		self.prices
			.read()
			.ok()
			.and_then(|all| all.get(model).copied())
			.unwrap_or(self.config.prices)
	}

	/// The model ids served.
	pub fn models(&self) -> impl Iterator<Item = &str> {
		self.engines.keys().map(String::as_str)
	}

	/// The engine of `model`.
	pub fn engine(&self, model: &str) -> Option<&Arc<dyn Engine>> {
		self.engines.get(model)
	}

	/// The metrics.
	pub fn metrics(&self) -> &Metrics {
		&self.metrics
	}

	/// The meter (`None`: open API).
	pub fn meter(&self) -> Option<&Arc<Meter>> {
		self.meter.as_ref()
	}

	/// The configuration.
	pub fn config(&self) -> &ComputeConfig {
		&self.config
	}

	/// The provider account.
	pub fn provider(&self) -> Account {
		self.config.provider
	}

	/// The user's grant in the `Authorization` header's value `header`, checked: this
	/// provider, this chain, not expired, signed by the user. `None` when the API is open.
	pub fn authenticate(&self, header: Option<&str>) -> Result<Option<Grant>, ComputeError> {
		if self.meter.is_none() {
			return Ok(None);
		}
		let header = header.ok_or(ComputeError::MissingKey)?;
		let key = header
			.trim()
			.strip_prefix("Bearer ")
			.map(str::trim)
			.ok_or(ComputeError::MalformedAuthorization)?;
		let (capability, signature): (SpendingCapability<Account, u32>, Signature) =
			decode_api_key(key).ok_or(ComputeError::NotAnApiKey)?;
		let Signature::Sr25519(signature) = signature else {
			return Err(ComputeError::NotSr25519);
		};
		let bytes = <[u8; 64]>::try_from(AsRef::<[u8]>::as_ref(&signature))
			.map_err(|_| ComputeError::NotAnApiKey)?;
		if capability.provider != self.config.provider {
			return Err(ComputeError::OtherProvider {
				key: capability.provider,
				here: self.config.provider,
			});
		}
		if capability.genesis.0 != self.config.genesis {
			return Err(ComputeError::OtherChain);
		}
		let best = self.best_block.load(Ordering::Relaxed);
		if capability.expires_at <= best.saturating_add(self.config.expiry_margin) {
			return Err(ComputeError::Expired {
				expires_at: capability.expires_at,
				margin: self.config.expiry_margin,
			});
		}
		let latest = best.saturating_add(self.config.max_key_lifetime);
		if capability.expires_at > latest {
			return Err(ComputeError::TooLong { expires_at: capability.expires_at, latest });
		}
		if !subxt_signer::sr25519::verify(
			&subxt_signer::sr25519::Signature(bytes),
			capability.signing_payload(),
			&subxt_signer::sr25519::PublicKey(capability.user),
		) {
			return Err(ComputeError::BadSignature);
		}
		Ok(Some(Grant { capability, signature: bytes }))
	}

	/// The prompt `messages` become under `model`'s chat template (`None`: no such model; an
	/// error: the template refuses them).
	pub fn chat_prompt(
		&self,
		model: &str,
		messages: &[ChatMessage],
	) -> Option<anyhow::Result<String>> {
		Some(self.engines.get(model)?.chat_prompt(messages))
	}

	/// Finds the model's engine (one that can embed when `embed`, else generate), takes a
	/// place among the requests in flight, and reserves the request's largest cost
	/// (`prompt_bound` input tokens, `max_tokens` output tokens) under the caller's grant.
	pub async fn admit(
		self: &Arc<Self>,
		caller: Option<Grant>,
		model: &str,
		embed: bool,
		prompt_bound: u32,
		max_tokens: u32,
	) -> Result<Admitted, ComputeError> {
		let engine = self
			.engines
			.get(model)
			.cloned()
			.ok_or_else(|| ComputeError::UnknownModel(shown(model)))?;
		let can = if embed { engine.can_embed() } else { engine.can_generate() };
		if !can {
			let what = if embed { "embeddings" } else { "text generation" };
			return Err(ComputeError::Unsupported { model: shown(model), what });
		}
		let prices = self.prices(model);
		let reservation = match (&self.meter, caller) {
			(Some(meter), Some(grant)) => {
				let max_cost = prices.cost(prompt_bound, max_tokens);
				match meter.reserve(&grant, max_cost).await {
					Ok(reservation) => Some(reservation),
					Err(e @ MeterError::Insufficient { .. }) => {
						return Err(ComputeError::Insufficient {
							detail: e.to_string(),
							provider: self.config.provider,
						})
					},
					Err(e @ MeterError::OtherTerms { .. }) => {
						return Err(ComputeError::OtherTerms(e.to_string()))
					},
					Err(e @ MeterError::TooManyKeys) => {
						return Err(ComputeError::TooManyKeys(e.to_string()))
					},
					Err(e) => return Err(ComputeError::Chain(e.to_string())),
				}
			},
			_ => None,
		};
		// The places are taken after the chain was read: a caller the chain does not fund gets
		// 402 without holding a place meanwhile. The user's place first: a user at its limit
		// never holds one of the shared places.
		let user_place = match reservation.as_ref() {
			Some(reservation) => Some(self.user_place(reservation.user())?),
			None => None,
		};
		let permit = self
			.inflight
			.clone()
			.try_acquire_owned()
			.map_err(|_| ComputeError::Busy(self.config.max_inflight))?;
		Ok(Admitted {
			compute: self.clone(),
			engine,
			model: model.to_string(),
			prices,
			reservation,
			_permit: Some(permit),
			_user_place: user_place,
			cancelled: None,
			deadline: None,
			streaming: false,
		})
	}

	/// Takes one of `user`'s places among the requests in flight, if it has one left.
	fn user_place(&self, user: Account) -> Result<UserPlace, ComputeError> {
		let limit = self.config.max_inflight_per_user.max(1);
		let mut places = self.per_user.lock().unwrap_or_else(|p| p.into_inner());
		let taken = places.entry(user).or_default();
		if *taken >= limit {
			return Err(ComputeError::UserBusy(limit));
		}
		*taken += 1;
		Ok(UserPlace { places: self.per_user.clone(), user })
	}
}

/// One of a user's places among the requests in flight, given back when dropped.
struct UserPlace {
	places: Arc<Mutex<HashMap<Account, usize>>>,
	user: Account,
}

impl Drop for UserPlace {
	fn drop(&mut self) {
		let mut places = self.places.lock().unwrap_or_else(|p| p.into_inner());
		if let Some(taken) = places.get_mut(&self.user) {
			*taken = taken.saturating_sub(1);
			if *taken == 0 {
				places.remove(&self.user);
			}
		}
	}
}

/// What a finished request cost and left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Charge {
	/// Charged for the tokens used, in plancks.
	pub cost: u128,
	/// Left under the API key (`None` when the API is open).
	pub left: Option<u128>,
}

/// A request that passed every check: its engine, its place in flight, its reservation.
pub struct Admitted {
	compute: Arc<ComputeState>,
	engine: Arc<dyn Engine>,
	model: String,
	prices: Prices,
	reservation: Option<Reservation>,
	_permit: Option<OwnedSemaphorePermit>,
	_user_place: Option<UserPlace>,
	cancelled: Option<Arc<AtomicBool>>,
	deadline: Option<Arc<Deadline>>,
	streaming: bool,
}

impl Admitted {
	/// A job of the node: no reservation, no place among the API's requests.
	pub(crate) fn job(compute: Arc<ComputeState>, engine: Arc<dyn Engine>, model: String) -> Self {
		Self {
			compute,
			engine,
			model,
			prices: Prices::default(),
			reservation: None,
			_permit: None,
			_user_place: None,
			cancelled: None,
			deadline: None,
			streaming: false,
		}
	}

	/// Stops the run once `flag` is set (the request timed out, or its client left before the
	/// answer started). What the engine did until then is charged, as for a streamed answer
	/// whose client leaves: asking for a long prompt's work and leaving is not free.
	pub fn cancel_on(mut self, flag: Arc<AtomicBool>) -> Self {
		self.cancelled = Some(flag);
		self
	}

	/// Charges nothing for the run if `deadline` passes before it ends (see [`Deadline`]).
	pub fn with_deadline(mut self, deadline: Arc<Deadline>) -> Self {
		self.deadline = Some(deadline);
		self
	}

	/// The answer streams to the client as it comes: a run broken off after part of it
	/// ([`Cut`]) is charged that part, which the client got. Otherwise a `Cut` is a failure
	/// like any other, charged nothing.
	pub fn streaming(mut self) -> Self {
		self.streaming = true;
		self
	}

	/// The engine's backend (`cpu`, `forward`, …).
	pub fn backend(&self) -> &str {
		self.engine.backend()
	}

	/// Generates (on the calling thread: call it on a blocking one), then charges the tokens
	/// the engine reports and counts the run. A failed run is charged nothing.
	pub fn generate(
		self,
		prompt: &str,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> (anyhow::Result<Generation>, Charge) {
		self.run(|engine, on_token| engine.generate(prompt, params, on_token), on_token)
	}

	/// Answers a chat ([`Engine::chat`]; `prompt` is what [`ComputeState::chat_prompt`]
	/// rendered), then charges and counts as [`Admitted::generate`] does.
	pub fn chat(
		self,
		messages: &[ChatMessage],
		prompt: &str,
		params: &GenerateParams,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> (anyhow::Result<Generation>, Charge) {
		self.run(|engine, on_token| engine.chat(messages, prompt, params, on_token), on_token)
	}

	fn run(
		mut self,
		run: impl FnOnce(&dyn Engine, &mut dyn FnMut(&str) -> bool) -> anyhow::Result<Generation>,
		on_token: &mut dyn FnMut(&str) -> bool,
	) -> (anyhow::Result<Generation>, Charge) {
		let _queued = self.compute.metrics.enqueue();
		let start = Instant::now();
		let cancelled = self.cancelled.clone();
		let mut on_token = |piece: &str| {
			!cancelled.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)) && on_token(piece)
		};
		let result = run(self.engine.as_ref(), &mut on_token);
		// A failure after part of a streamed answer was delivered charges that part.
		let counts = match &result {
			Ok(g) => Ok((g.prompt_tokens, g.completion_tokens)),
			Err(e) if self.streaming => {
				e.downcast_ref::<Cut>().map(|c| (c.prompt_tokens, c.completion_tokens)).ok_or(())
			},
			Err(_) => Err(()),
		};
		let counts =
			if self.deadline.as_ref().is_some_and(|d| !d.end()) { Err(()) } else { counts };
		let charge = self.finish(counts, result.is_ok(), start);
		(result, charge)
	}

	/// Embeds `inputs` (on the calling thread), then charges and counts as
	/// [`Admitted::generate`] does.
	pub fn embed(mut self, inputs: &[String]) -> (anyhow::Result<Embeddings>, Charge) {
		let _queued = self.compute.metrics.enqueue();
		let start = Instant::now();
		// Embeddings cannot be stopped half-way: computed, they are charged even if the
		// client left meanwhile, unless the server's deadline passed first.
		let result = self.engine.embed(inputs);
		let counts = result.as_ref().map(|e| (e.prompt_tokens, 0)).map_err(|_| ());
		let counts =
			if self.deadline.as_ref().is_some_and(|d| !d.end()) { Err(()) } else { counts };
		let charge = self.finish(counts, result.is_ok(), start);
		(result, charge)
	}

	/// Charges `counts` (none: the run failed before delivering anything), and counts the
	/// run as `ok` or not.
	fn finish(&mut self, counts: Result<(u32, u32), ()>, ok: bool, start: Instant) -> Charge {
		let seconds = start.elapsed().as_secs_f64();
		match counts {
			Ok((prompt_tokens, completion_tokens)) => {
				let cost = self.prices.cost(prompt_tokens, completion_tokens);
				let left = self.reservation.take().map(|r| r.commit(cost));
				self.compute.metrics.record(
					&self.model,
					if ok { JobStatus::Ok } else { JobStatus::Error },
					prompt_tokens,
					completion_tokens,
					seconds,
				);
				Charge { cost, left }
			},
			Err(()) => {
				// Dropping the reservation releases it.
				self.reservation = None;
				self.compute.metrics.record(&self.model, JobStatus::Error, 0, 0, seconds);
				Charge::default()
			},
		}
	}
}

/// A model name as a refusal shows it: at most 64 characters.
fn shown(model: &str) -> String {
	zg_compute_engine::request::cut(model, 64)
}

#[cfg(test)]
mod tests {
	use super::{expiry_margin, Deadline};
	use std::time::Duration;

	/// 290 s answers, settlements every 30 s, and a minute for finality: 410 s, in blocks of
	/// the chain (6 s; 2 s on the fast runtime of the tests).
	#[test]
	fn the_expiry_margin_covers_an_answer_and_its_settlement() {
		let (answer, settle) = (Duration::from_secs(290), Duration::from_secs(30));
		assert_eq!(expiry_margin(answer, settle, Duration::from_secs(6)), 69);
		assert_eq!(expiry_margin(answer, settle, Duration::from_secs(2)), 205);
		assert_eq!(expiry_margin(answer, settle, Duration::ZERO), 410_000);
	}

	/// Whichever of the deadline and the run's end comes first decides, once: a run that
	/// ended is delivered (and charged) even if the deadline passes after; a run the deadline
	/// overtook is free even though it ends after.
	#[test]
	fn the_first_of_deadline_and_end_decides() {
		let ended_first = Deadline::default();
		assert!(ended_first.end(), "charged");
		assert!(!ended_first.pass(), "delivered, not stopped");
		let passed_first = Deadline::default();
		assert!(passed_first.pass(), "stopped");
		assert!(!passed_first.end(), "free");
	}

	#[test]
	fn a_refusal_shows_at_most_64_characters_of_a_model_name() {
		assert_eq!(super::shown("tiny"), "tiny");
		let long = "é".repeat(1 << 20);
		assert_eq!(super::shown(&long), format!("{}…", "é".repeat(64)));
	}
}
