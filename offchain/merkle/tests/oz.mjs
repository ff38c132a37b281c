// Builds, dumps, loads and verifies trees with @openzeppelin/merkle-tree for
// the Rust interoperability test (tests/it/interop.rs).
//
// usage: node oz.mjs <cases.json>   (prints one result per case as JSON)
// case:  { encoding, values, sortLeaves, multi: [valueIndex...], rust: { dump, proofs } }
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');

const attempt = f => {
  try {
    return f();
  } catch (e) {
    return `error: ${e.message}`;
  }
};

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = cases.map(c => {
  const tree = StandardMerkleTree.of(c.values, c.encoding, { sortLeaves: c.sortLeaves });
  const proofs = c.values.map((_, i) => tree.getProof(i));
  const multi = c.multi ? tree.getMultiProof(c.multi) : null;
  // The Rust dump must load (load validates it) and every Rust proof verify.
  const rustCheck = attempt(() => {
    const loaded = StandardMerkleTree.load(JSON.parse(c.rust.dump));
    if (loaded.root !== tree.root) return `root differs: ${loaded.root} vs ${tree.root}`;
    for (const [i, proof] of c.rust.proofs.entries()) {
      if (!loaded.verify(i, proof)) return `loaded tree rejects the Rust proof of value ${i}`;
      if (!StandardMerkleTree.verify(tree.root, c.encoding, c.values[i], proof)) {
        return `StandardMerkleTree.verify rejects the Rust proof of value ${i}`;
      }
    }
    if (c.rust.multi && !StandardMerkleTree.verifyMultiProof(tree.root, c.encoding, c.rust.multi)) {
      return 'the Rust multiproof does not verify';
    }
    return 'ok';
  });
  return { root: tree.root, dump: JSON.stringify(tree.dump()), proofs, multi, rustCheck };
});
process.stdout.write(JSON.stringify(results));
