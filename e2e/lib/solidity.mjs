// Compiles Solidity offline with the npm `solc` package (no compiler download).
import solc from 'solc';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Compiles one .sol file; returns `{ abi, bytecode }` (bytecode as 0x-hex) of `contractName`. */
export function compile(path, contractName) {
  const name = basename(path);
  const input = {
    language: 'Solidity',
    sources: { [name]: { content: readFileSync(path, 'utf8') } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contract = output.contracts[name][contractName];
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}
