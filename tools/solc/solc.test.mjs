// Tests of the solc wrapper against every pitfall of solc-js behind forge (see the developers' guide).
// Run: node --test tools/
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const solc = path.join(here, 'solc');

function input(sources, outputs = ['abi', 'evm.bytecode.object'], extra = {}) {
  return JSON.stringify({
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, { content: v }])),
    settings: { optimizer: { enabled: false }, outputSelection: { '*': { '*': outputs, '': ['ast'] } }, ...extra },
  });
}

// Feeds stdin through a real pipe, in small chunks with pauses, as a slow writer would.
function runPiped(args, stdin) {
  return new Promise((resolve, reject) => {
    const child = spawn(solc, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    const buf = Buffer.from(stdin);
    let off = 0;
    const pump = () => {
      if (off >= buf.length) return child.stdin.end();
      child.stdin.write(buf.subarray(off, off + 4096));
      off += 4096;
      setTimeout(pump, 1);
    };
    pump();
  });
}

// The npm shim `node_modules/.bin/forge` (1.7.1) exits 0 even when forge fails, so the Makefile puts the native
// binary of the platform package first on PATH; the test uses the same binary.
function nativeForge() {
  const dir = path.join(root, 'node_modules', '@foundry-rs');
  const pkg = fs.readdirSync(dir).find((d) => d.startsWith('forge-') && fs.existsSync(path.join(dir, d, 'bin', 'forge')));
  assert.ok(pkg, 'no native forge under node_modules/@foundry-rs: run `npm ci`');
  return path.join(dir, pkg, 'bin', 'forge');
}

const ok = 'pragma solidity ^0.8.0; contract A { function f() external pure returns (uint256) { return 1; } }';

test('--version prints the line forge parses', () => {
  const out = execFileSync(solc, ['--version']).toString();
  assert.match(out, /^Version: 0\.8\.\d+\+commit\.[0-9a-f]{8}/m);
});

test('standard JSON from a slowly written pipe compiles', async () => {
  const r = await runPiped(['--standard-json'], input({ 'a.sol': ok }));
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.ok(json.contracts['a.sol'].A.evm.bytecode.object.length > 0);
});

test('--allow-paths, --base-path and --include-path are accepted', async () => {
  const r = await runPiped(
    ['--base-path', root, '--include-path', path.join(root, 'node_modules'), '--allow-paths', root, '--standard-json'],
    input({ 'a.sol': ok }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).contracts['a.sol'].A);
});

test('imports missing from the input are read from the base and include paths', async () => {
  const src = 'pragma solidity ^0.8.20; import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";'
    + ' contract B { function f(uint256 a) external pure returns (uint256) { return Math.sqrt(a); } }';
  const r = await runPiped(['--base-path', root, '--include-path', path.join(root, 'node_modules'), '--standard-json'],
    input({ 'b.sol': src }));
  const json = JSON.parse(r.stdout);
  const errors = (json.errors || []).filter((e) => e.severity === 'error');
  assert.deepEqual(errors, []);
  assert.ok(json.contracts['b.sol'].B);
});

test('an output over 1 MiB reaches a slow reader whole', () => {
  // Many contracts, with assembly and AST requested: several MiB of JSON.
  let src = 'pragma solidity ^0.8.0;\n';
  for (let i = 0; i < 60; i++) {
    src += `contract C${i} {\n`;
    for (let j = 0; j < 12; j++) src += `  function f${j}(uint256 x) external pure returns (uint256) { return x * ${j + 1} + ${i}; }\n`;
    src += '}\n';
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'solc-big-'));
  const inFile = path.join(dir, 'in.json');
  const outFile = path.join(dir, 'out.json');
  fs.writeFileSync(inFile, input({ 'big.sol': src }, ['abi', 'evm.bytecode', 'evm.deployedBytecode', 'evm.assembly']));
  // stdin is a pipe (cat), stdout a pipe whose reader starts late: the 64 KiB pipe buffer fills up.
  const r = spawnSync('sh', ['-c', `cat "${inFile}" | "${solc}" --standard-json | (sleep 1; cat > "${outFile}")`]);
  assert.equal(r.status, 0, r.stderr.toString());
  const text = fs.readFileSync(outFile, 'utf8');
  assert.ok(text.length > 1024 * 1024, `output is only ${text.length} bytes`);
  const json = JSON.parse(text);
  assert.equal(Object.keys(json.contracts['big.sol']).length, 60);
  fs.rmSync(dir, { recursive: true });
});

test('nothing but JSON reaches stdout, even with the SMT checker requested', async () => {
  const src = 'pragma solidity ^0.8.0; contract S { function f(uint256 x) external pure { assert(x + 1 > x); } }';
  const r = await runPiped(['--standard-json'], input({ 's.sol': src }, ['abi'], {
    modelChecker: { engine: 'chc', targets: ['assert'] },
  }));
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, />>>/);
  JSON.parse(r.stdout);
});

test('a compile error comes back as solc error JSON, not as a wrapper failure', async () => {
  const r = await runPiped(['--standard-json'], input({ 'bad.sol': 'pragma solidity ^0.8.0; contract A { function f( }' }));
  assert.equal(r.code, 0);
  const json = JSON.parse(r.stdout);
  const errors = json.errors.filter((e) => e.severity === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].type, 'ParserError');
  assert.match(errors[0].formattedMessage, /bad\.sol:1:/);
});

test('invalid JSON on stdin is reported as a compiler error, still as JSON', async () => {
  const r = await runPiped(['--standard-json'], '{not json');
  assert.equal(r.code, 0);
  const json = JSON.parse(r.stdout);
  assert.ok(json.errors.some((e) => e.severity === 'error'));
});

test('forge shows solc\'s own message when a contract is broken', () => {
  const forge = nativeForge();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'solc-forge-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'foundry.toml'), `[profile.default]\nsrc = "src"\nsolc = "${solc}"\noffline = true\n`);
  fs.writeFileSync(path.join(dir, 'src', 'Broken.sol'), 'pragma solidity ^0.8.0;\ncontract Broken {\n  function f( returns (uint) {}\n}\n');
  const r = spawnSync(forge, ['build', '--root', dir], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true });
  assert.notEqual(r.status, 0, 'forge build of a broken contract must fail');
  const all = r.stdout + r.stderr;
  assert.match(all, /Error \(3546\): Expected type name/);
  assert.match(all, /Broken\.sol:3:15/);
  assert.doesNotMatch(all, /parse|deserializ/i, 'the error must be solc\'s, not a JSON failure');
});
