// Helpers shared by the zombienet js-scripts (staking.js, storage.js).

// Signs and sends `tx`; resolves with its events once in a block (once finalized when
// `finalized` is set), rejects with the module error (`section.Name`) if it failed.
function send(api, tx, signer, finalized = false) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, dispatchError, events }) => {
      if (dispatchError) {
        const err = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        reject(new Error(err ? `${err.section}.${err.name}` : dispatchError.toString()));
      } else if (finalized ? status.isFinalized : status.isInBlock) {
        resolve(events);
      }
    }).catch(reject);
  });
}

// Polls `check` every 2 s until it returns a truthy value (returned), or throws after
// `timeoutMs`.
async function waitFor(what, check, timeoutMs) {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

module.exports = { send, waitFor };
