#!/usr/bin/env bash
# Starts an embedded anvil, deploys sonm through the one deploy definition (script/Deploy.s.sol), prints the
# deployed addresses and stops anvil. The deployer is anvil's first account, unlocked: no key is passed around.
set -euo pipefail
cd "$(dirname "$0")/.."

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
rpc="http://127.0.0.1:${port}"
log=$(mktemp)
anvil --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
anvil_pid=$!
trap 'kill $anvil_pid 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  cast chain-id --rpc-url "$rpc" >/dev/null 2>&1 && break
  kill -0 $anvil_pid 2>/dev/null || { echo "anvil failed to start:"; cat "$log"; exit 1; }
  sleep 0.1
done
deployer=$(cast rpc --rpc-url "$rpc" eth_accounts | node -p 'JSON.parse(require("fs").readFileSync(0))[0]')

echo "anvil on ${rpc}; deploying as ${deployer}"
forge script script/Deploy.s.sol --rpc-url "$rpc" --broadcast --slow --unlocked --sender "$deployer" --quiet
chain_id=$(cast chain-id --rpc-url "$rpc")
node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`deployed on chain ${d.chainId} (deployments/${d.chainId}.json):`);
  for (const [name, address] of Object.entries(d.contracts).sort((a, b) => a[0].localeCompare(b[0])))
    if (!/^0x0{40}$/.test(address)) console.log(`  ${name.padEnd(20)} ${address}`);
' "deployments/${chain_id}.json"
