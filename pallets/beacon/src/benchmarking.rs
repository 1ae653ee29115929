//! Benchmarks of `pallet-zg-beacon` (frame-benchmarking v2).

use super::*;
use frame_benchmarking::v2::*;

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Recording the parent block's output: one write, whatever the history.
	#[benchmark]
	fn on_initialize() {
		let n = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			Pallet::<T>::on_initialize(n);
		}
		assert!(Outputs::<T>::iter().next().is_some());
	}

	impl_benchmark_test_suite!(Pallet, crate::tests::new_test_ext(), crate::tests::Test);
}
