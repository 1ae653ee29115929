//! `zg-node new-network`: the chain spec of a network of your own validators.
//!
//! The validators are given by their accounts and session keys (public keys only: the secret
//! keys stay with their owners, who insert them into their nodes' keystores). No dev account is
//! endowed and there is no sudo key: the network is governed by referenda from its first block,
//! its validators forming the technical committee. See `docs/own-network.md`.

use crate::chain_spec::{properties, wasm, ChainSpec, Speed};
use sc_network::config::MultiaddrWithPeerId;
use sc_service::ChainType;
use sp_core::{crypto::Ss58Codec, ed25519, sr25519};
use zg_runtime::{
	genesis_config_presets::{NetworkGenesis, DA_SIGNER_BOND, ENDOWMENT, VALIDATOR_BOND},
	AccountId, Balance, SessionKeys, ZG,
};

/// Builds the chain spec of a network of your own validators and prints it (JSON).
#[derive(Debug, clap::Parser)]
pub struct NewNetworkCmd {
	/// The network's name, shown by wallets and explorers.
	#[arg(long)]
	pub name: String,

	/// The network's id (lower-case letters, digits and `_`): nodes keep its database under
	/// `<base-path>/chains/<id>`.
	#[arg(long, value_parser = parse_id)]
	pub id: String,

	/// A genesis validator: `ACCOUNT,BABE,GRANDPA`, its stash account and its session keys
	/// (the BABE key is sr25519, the GRANDPA key ed25519), each as an SS58 address or 0x-prefixed
	/// hex public key. Each validator bonds 100 000 0G and sits on the technical committee.
	/// Repeat for each validator (at most 16, the elected count).
	#[arg(long = "validator", required = true, value_parser = parse_validator)]
	pub validators: Vec<Validator>,

	/// An account endowed at genesis: `ACCOUNT=AMOUNT`, the amount in whole 0G. A validator or
	/// DA signer without one is endowed with 1 000 000 0G. Repeat for each account.
	#[arg(long = "endow", value_parser = parse_endowment)]
	pub endowed: Vec<(AccountId, Balance)>,

	/// A DA signer: `ACCOUNT=URL`, the account (it bonds 2 000 0G) and the public URL of its
	/// worker. Epoch 0's DA committee is drawn from these at genesis: give none, or at least
	/// four. Repeat for each signer.
	#[arg(long = "da-signer", value_parser = parse_da_signer)]
	pub da_signers: Vec<(AccountId, String)>,

	/// The multiaddress of a node that new nodes first connect to
	/// (`/ip4/203.0.113.7/tcp/30333/p2p/12D3KooW…`, the peer id printed by
	/// `zg-node key generate-node-key`). Repeat for each bootnode.
	#[arg(long = "bootnode")]
	pub bootnodes: Vec<MultiaddrWithPeerId>,

	/// Run the fast runtime (2 s blocks, 40 s epochs: for tests) instead of the normal one.
	#[arg(long)]
	pub fast: bool,

	/// Print the raw chain spec (storage keys and values, what nodes should be given).
	#[arg(long)]
	pub raw: bool,
}

/// A genesis validator: its account and session keys.
#[derive(Clone, Debug)]
pub struct Validator {
	/// The stash account.
	pub account: AccountId,
	/// The BABE and GRANDPA public keys.
	pub keys: SessionKeys,
}

impl NewNetworkCmd {
	/// Prints the chain spec.
	pub fn run(&self) -> sc_cli::Result<()> {
		let spec = self.chain_spec()?;
		let json = sc_chain_spec::ChainSpec::as_json(&spec, self.raw)?;
		println!("{json}");
		Ok(())
	}

	/// The chain spec of this network.
	pub fn chain_spec(&self) -> Result<ChainSpec, String> {
		let genesis = self.genesis()?;
		let speed = if self.fast { Speed::Fast } else { Speed::Normal };
		let patch = genesis.patch();
		Ok(ChainSpec::builder(wasm(speed)?, None)
			.with_name(&self.name)
			.with_id(&self.id)
			.with_chain_type(ChainType::Live)
			.with_protocol_id(&self.id)
			.with_boot_nodes(self.bootnodes.clone())
			.with_genesis_config_patch(patch)
			.with_properties(properties())
			.build())
	}

	/// Checks the arguments and turns them into the runtime's genesis description.
	fn genesis(&self) -> Result<NetworkGenesis, String> {
		if let Some(v) = first_repeat(&self.validators, |v| v.account.clone()) {
			return Err(format!("validator {} is given twice", v.account));
		}
		if let Some(v) = first_repeat(&self.validators, |v| v.keys.babe.clone())
			.or_else(|| first_repeat(&self.validators, |v| v.keys.grandpa.clone()))
		{
			return Err(format!(
				"validator {} reuses another validator's session key: each validator needs \
				 keys of its own",
				v.account
			));
		}
		if let Some((account, _)) = first_repeat(&self.endowed, |(a, _)| a.clone()) {
			return Err(format!("{account} is endowed twice"));
		}
		if let Some((account, _)) = first_repeat(&self.da_signers, |(a, _)| a.clone()) {
			return Err(format!("DA signer {account} is given twice"));
		}
		let validators: Vec<(AccountId, SessionKeys)> =
			self.validators.iter().map(|v| (v.account.clone(), v.keys.clone())).collect();
		let mut endowed = self.endowed.clone();
		let da_signers: Vec<(AccountId, Vec<u8>)> =
			self.da_signers.iter().map(|(a, url)| (a.clone(), url.clone().into_bytes())).collect();
		// Every bonded account needs its bonds and something to pay fees with.
		let mut needs: Vec<(AccountId, Balance)> = Vec::new();
		let mut need =
			|account: &AccountId, bond: Balance| match needs.iter_mut().find(|(a, _)| a == account)
			{
				Some((_, total)) => *total = total.saturating_add(bond),
				None => needs.push((account.clone(), bond)),
			};
		validators.iter().for_each(|(a, _)| need(a, VALIDATOR_BOND));
		da_signers.iter().for_each(|(a, _)| need(a, DA_SIGNER_BOND));
		for (account, bonds) in needs {
			match endowed.iter().find(|(a, _)| *a == account) {
				Some((_, balance)) if *balance <= bonds => {
					return Err(format!(
						"{account} is endowed with {} 0G but bonds {} 0G: endow it with more",
						balance / ZG,
						bonds / ZG
					))
				},
				Some(_) => {},
				None => endowed.push((account, ENDOWMENT.max(bonds.saturating_mul(2)))),
			}
		}
		let genesis = NetworkGenesis { validators, endowed, da_signers, root: None };
		genesis.check()?;
		Ok(genesis)
	}
}

/// The first item whose key an earlier item has.
fn first_repeat<T, K: PartialEq>(items: &[T], key: impl Fn(&T) -> K) -> Option<&T> {
	items
		.iter()
		.enumerate()
		.find(|(i, item)| items[..*i].iter().any(|e| key(e) == key(item)))
		.map(|(_, item)| item)
}

fn parse_id(id: &str) -> Result<String, String> {
	if !id.is_empty()
		&& id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
	{
		Ok(id.to_owned())
	} else {
		Err("use lower-case letters, digits and `_`".into())
	}
}

/// A 32-byte public key, as an SS58 address or as 0x-prefixed hex.
fn parse_public(what: &str, text: &str) -> Result<[u8; 32], String> {
	let text = text.trim();
	if let Some(hex) = text.strip_prefix("0x") {
		let bytes = sp_core::bytes::from_hex(hex).map_err(|e| format!("{what} `{text}`: {e}"))?;
		return bytes.try_into().map_err(|_| format!("{what} `{text}`: not 32 bytes"));
	}
	sr25519::Public::from_ss58check(text)
		.map(|p| p.0)
		.map_err(|e| format!("{what} `{text}`: neither an SS58 address nor 0x hex ({e:?})"))
}

fn parse_account(text: &str) -> Result<AccountId, String> {
	parse_public("account", text).map(AccountId::from)
}

fn parse_validator(text: &str) -> Result<Validator, String> {
	let parts: Vec<&str> = text.split(',').collect();
	let [account, babe, grandpa] = parts[..] else {
		return Err(format!("`{text}`: expected ACCOUNT,BABE,GRANDPA"));
	};
	Ok(Validator {
		account: parse_account(account)?,
		keys: SessionKeys {
			babe: sr25519::Public::from_raw(parse_public("BABE key", babe)?).into(),
			grandpa: ed25519::Public::from_raw(parse_public("GRANDPA key", grandpa)?).into(),
		},
	})
}

fn parse_endowment(text: &str) -> Result<(AccountId, Balance), String> {
	let (account, amount) =
		text.split_once('=').ok_or_else(|| format!("`{text}`: expected ACCOUNT=AMOUNT"))?;
	let whole: Balance =
		amount.trim().parse().map_err(|e| format!("amount `{amount}`: {e} (whole 0G)"))?;
	let balance = whole.checked_mul(ZG).ok_or_else(|| format!("amount `{amount}`: too large"))?;
	if balance == 0 {
		return Err(format!("`{text}`: the amount must be positive"));
	}
	Ok((parse_account(account)?, balance))
}

fn parse_da_signer(text: &str) -> Result<(AccountId, String), String> {
	let (account, url) =
		text.split_once('=').ok_or_else(|| format!("`{text}`: expected ACCOUNT=URL"))?;
	if !(url.starts_with("http://") || url.starts_with("https://")) {
		return Err(format!("`{url}`: the worker's URL must start with http:// or https://"));
	}
	Ok((parse_account(account)?, url.to_owned()))
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;
	use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

	fn validator_arg(v: Sr25519Keyring, g: Ed25519Keyring) -> String {
		format!("{},{},{}", v.to_account_id(), v.public().to_ss58check(), g.public().to_ss58check())
	}

	fn cmd(args: &[&str]) -> Result<NewNetworkCmd, clap::Error> {
		NewNetworkCmd::try_parse_from(
			["new-network", "--name", "Mine", "--id", "mine"].iter().chain(args),
		)
	}

	#[test]
	fn builds_a_governed_spec_of_the_given_validators_and_bootnodes() {
		let alice = validator_arg(Sr25519Keyring::Alice, Ed25519Keyring::Alice);
		let bob = format!(
			"{},0x{},0x{}",
			Sr25519Keyring::Bob.to_account_id(),
			hex(&Sr25519Keyring::Bob.public().0),
			hex(&Ed25519Keyring::Bob.public().0)
		);
		let boot =
			"/ip4/127.0.0.1/tcp/30333/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";
		let ferdie = format!("{}=5", Sr25519Keyring::Ferdie.to_account_id());
		let cmd = cmd(&[
			"--validator",
			&alice,
			"--validator",
			&bob,
			"--bootnode",
			boot,
			"--endow",
			&ferdie,
		])
		.expect("parses");
		let spec = cmd.chain_spec().expect("builds");
		let json: serde_json::Value =
			serde_json::from_str(&sc_chain_spec::ChainSpec::as_json(&spec, false).unwrap())
				.unwrap();
		assert_eq!(json["id"], "mine");
		assert_eq!(json["chainType"], "Live");
		assert_eq!(json["bootNodes"][0], boot);
		let patch = &json["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(patch["sudo"]["key"], serde_json::Value::Null);
		let members = patch["technicalMembership"]["members"].as_array().unwrap();
		assert_eq!(members.len(), 2);
		let balances = patch["balances"]["balances"].as_array().unwrap();
		// Ferdie as given, then each validator with the default endowment; no dev account else.
		assert_eq!(balances.len(), 3);
		assert_eq!(balances[0][1], serde_json::json!(5 * ZG));
		assert_eq!(balances[1][1], serde_json::json!(ENDOWMENT));
		// The genesis builds: the raw form runs the runtime's genesis.
		sc_chain_spec::ChainSpec::as_json(&spec, true).expect("the genesis builds");
	}

	#[test]
	fn bad_arguments_are_refused_clearly() {
		let alice = validator_arg(Sr25519Keyring::Alice, Ed25519Keyring::Alice);
		let alice_again = validator_arg(Sr25519Keyring::Bob, Ed25519Keyring::Alice);
		let refuse = |args: &[&str], expected: &str| {
			let err = match cmd(args) {
				Err(e) => e.to_string(),
				Ok(cmd) => cmd.chain_spec().err().expect("refused"),
			};
			assert!(err.contains(expected), "{args:?}: {err}");
		};
		refuse(&[], "--validator");
		refuse(&["--validator", "5Grw"], "expected ACCOUNT,BABE,GRANDPA");
		refuse(&["--validator", "x,y,z"], "neither an SS58 address nor 0x hex");
		refuse(&["--validator", &alice, "--validator", &alice], "given twice");
		refuse(&["--validator", &alice, "--validator", &alice_again], "reuses");
		let poor = format!("{}=10", Sr25519Keyring::Alice.to_account_id());
		refuse(&["--validator", &alice, "--endow", &poor], "endow it with more");
		refuse(&["--validator", &alice, "--endow", "5Grw=ten"], "whole 0G");
		let ftp = format!("{}=ftp://x", Sr25519Keyring::Alice.to_account_id());
		refuse(&["--validator", &alice, "--da-signer", &ftp], "http://");
		refuse(&["--validator", &alice, "--bootnode", "/ip4/127.0.0.1/tcp/1"], "bootnode");
		let signer = format!("{}=http://127.0.0.1:8700", Sr25519Keyring::Alice.to_account_id());
		refuse(&["--validator", &alice, "--da-signer", &signer], "at least 4");
		let long = format!("{}=http://{}", Sr25519Keyring::Alice.to_account_id(), "x".repeat(300));
		let mut args = vec!["--validator".to_string(), alice.clone()];
		for k in [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave] {
			args.extend([
				"--da-signer".to_string(),
				format!("{}=http://127.0.0.1:1", k.to_account_id()),
			]);
		}
		args.extend(["--da-signer".to_string(), long]);
		refuse(&args.iter().map(String::as_str).collect::<Vec<_>>(), "longer than 256 bytes");
		let bad_id = NewNetworkCmd::try_parse_from(["n", "--name", "M", "--id", "My Net"]);
		assert!(bad_id.unwrap_err().to_string().contains("lower-case"));
	}

	fn hex(bytes: &[u8]) -> String {
		bytes.iter().map(|b| format!("{b:02x}")).collect()
	}
}
