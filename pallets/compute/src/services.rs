//! Services: listing and delisting, the indexes they live in (by provider, by provider and
//! model root, by model for discovery, and the verifier pool of each model root), and the
//! paged discovery that the runtime API serves.

use super::*;

impl<T: Config> Pallet<T> {
	pub(crate) fn check_limits(max_concurrency: u32, max_tokens: u32) -> DispatchResult {
		ensure!(
			max_concurrency > 0 && max_concurrency <= T::MaxConcurrency::get(),
			Error::<T>::BadConcurrency
		);
		ensure!(max_tokens > 0 && max_tokens <= T::MaxTokens::get(), Error::<T>::BadMaxTokens);
		Ok(())
	}

	#[allow(clippy::too_many_arguments)]
	pub(crate) fn do_register_service(
		who: T::AccountId,
		kind: ServiceKind,
		model: Vec<u8>,
		model_root: H256,
		(input_price, output_price): (Balance, Balance),
		endpoint: Vec<u8>,
		hardware: Vec<u8>,
		(max_concurrency, max_tokens): (u32, u32),
		verifiable: bool,
	) -> DispatchResult {
		ensure!(T::Staking::is_eligible(&who, Role::ComputeProvider), Error::<T>::NotEligible);
		ensure!(!model.is_empty(), Error::<T>::BadModel);
		let model: BoundedVec<u8, T::MaxModelLen> =
			model.try_into().map_err(|_| Error::<T>::BadModel)?;
		let endpoint: BoundedVec<u8, T::MaxUrlLen> =
			endpoint.try_into().map_err(|_| Error::<T>::TooLong)?;
		let hardware: BoundedVec<u8, T::MaxUrlLen> =
			hardware.try_into().map_err(|_| Error::<T>::TooLong)?;
		Self::check_limits(max_concurrency, max_tokens)?;
		ensure!(!ProviderModels::<T>::contains_key(&who, model_root), Error::<T>::DuplicateService);
		let id = NextServiceId::<T>::get();
		let mut mine = ProviderServices::<T>::get(&who);
		mine.try_push(id).map_err(|_| Error::<T>::TooManyServices)?;
		ProviderServices::<T>::insert(&who, mine);
		ProviderModels::<T>::insert(&who, model_root, id);
		ModelIndex::<T>::insert(&model, id, ());
		NextServiceId::<T>::put(id.saturating_add(1));
		let pool_index = verifiable.then(|| {
			let size = VerifierPoolSize::<T>::get(model_root);
			VerifierPool::<T>::insert(model_root, size, id);
			VerifierPoolSize::<T>::insert(model_root, size.saturating_add(1));
			size
		});
		Services::<T>::insert(
			id,
			Service {
				provider: who.clone(),
				kind,
				model: model.clone(),
				model_root,
				input_price,
				output_price,
				endpoint,
				hardware,
				max_concurrency,
				max_tokens,
				verifiable,
				active_jobs: 0,
				pool_index,
			},
		);
		Self::deposit_event(Event::ServiceRegistered { id, provider: who, model: model.into() });
		Ok(())
	}

	/// Removes service `id` from every index.
	pub(crate) fn delist(id: ServiceId, service: Service<T>) {
		ProviderServices::<T>::mutate(&service.provider, |ids| ids.retain(|s| *s != id));
		ProviderModels::<T>::remove(&service.provider, service.model_root);
		ModelIndex::<T>::remove(&service.model, id);
		if let Some(position) = service.pool_index {
			let root = service.model_root;
			let last = VerifierPoolSize::<T>::get(root).saturating_sub(1);
			if position != last {
				if let Some(moved) = VerifierPool::<T>::get(root, last) {
					VerifierPool::<T>::insert(root, position, moved);
					Services::<T>::mutate(moved, |s| {
						if let Some(s) = s {
							s.pool_index = Some(position);
						}
					});
				}
			}
			VerifierPool::<T>::remove(root, last);
			if last == 0 {
				VerifierPoolSize::<T>::remove(root);
			} else {
				VerifierPoolSize::<T>::insert(root, last);
			}
		}
		Services::<T>::remove(id);
	}

	/// One page of services: of `model` (all models when `None`), with prices at most the
	/// given ones, after service `start_after` in storage order. Looks at no more than
	/// [`MAX_SCAN`] services and returns at most `limit` (capped at [`MAX_QUERY`]); the second
	/// value is where the next page starts, if there may be more.
	pub fn find_services(
		model: Option<Vec<u8>>,
		max_input_price: Option<Balance>,
		max_output_price: Option<Balance>,
		start_after: Option<ServiceId>,
		limit: u32,
	) -> (Vec<(ServiceId, Service<T>)>, Option<ServiceId>) {
		let limit = limit.min(MAX_QUERY) as usize;
		let ids: alloc::boxed::Box<dyn Iterator<Item = ServiceId>> = match model {
			Some(model) => {
				let Ok(model) = BoundedVec::<u8, T::MaxModelLen>::try_from(model) else {
					return (Vec::new(), None);
				};
				match start_after {
					Some(start) => {
						let raw = ModelIndex::<T>::hashed_key_for(&model, start);
						alloc::boxed::Box::new(ModelIndex::<T>::iter_key_prefix_from(model, raw))
					},
					None => alloc::boxed::Box::new(ModelIndex::<T>::iter_key_prefix(model)),
				}
			},
			None => match start_after {
				Some(start) => alloc::boxed::Box::new(Services::<T>::iter_keys_from(
					Services::<T>::hashed_key_for(start),
				)),
				None => alloc::boxed::Box::new(Services::<T>::iter_keys()),
			},
		};
		let mut found = Vec::new();
		let mut last = None;
		for (scanned, id) in ids.enumerate() {
			if found.len() >= limit || scanned >= MAX_SCAN as usize {
				return (found, last);
			}
			last = Some(id);
			let Some(s) = Services::<T>::get(id) else { continue };
			if max_input_price.is_some_and(|p| s.input_price > p)
				|| max_output_price.is_some_and(|p| s.output_price > p)
			{
				continue;
			}
			found.push((id, s));
		}
		(found, None)
	}
}
