// Compiles Solidity offline with the npm `solc` package (no compiler download).
import solc from 'solc';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Compiles one .sol file; returns `{ abi, bytecode }` (bytecode as 0x-hex) of `contractName`.
 * Imports are read relative to the file (`import "../../precompiles/IStaking.sol";`).
 */
export function compile(path, contractName) {
  // The absolute path as the source's name: solc resolves imports against it.
  const name = resolve(path);
  const input = {
    language: 'Solidity',
    sources: { [name]: { content: readFileSync(path, 'utf8') } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const findImports = (imported) => {
    try {
      return { contents: readFileSync(imported, 'utf8') };
    } catch (e) {
      return { error: `cannot read ${imported}: ${e.message}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const contract = output.contracts[name][contractName];
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}

/** The ABI of `interfaceName` declared in the .sol file at `path`. */
export function interfaceAbi(path, interfaceName) {
  return compile(path, interfaceName).abi;
}
