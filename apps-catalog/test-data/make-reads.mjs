#!/usr/bin/env node
// Deterministic test reads: a random genome with ORF-like genes, sequenced as
// error-free single-end 150 bp reads at ~30x, written as FASTQ.
//   node apps-catalog/test-data/make-reads.mjs OUT.fastq [--seed N]
//   import { makeReads } from './make-reads.mjs'; makeReads({ seed: 1 })
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const READ_LEN = 150;
const COVERAGE = 30;
const STOPS = new Set(['TAA', 'TAG', 'TGA']);

// mulberry32: tiny, seedable, and the same in every JavaScript engine.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const revcomp = (s) => [...s].reverse().map((c) => ({ A: 'T', C: 'G', G: 'C', T: 'A' })[c]).join('');

/** The genome: intergenic spacers and genes (RBS, ATG, codons without stops, stop), some on the minus strand. */
export function makeGenome({ seed = 1, genes = 24 } = {}) {
  const rnd = mulberry32(seed);
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const base = () => 'ACGT'[int(0, 3)];
  const random = (n) => Array.from({ length: n }, base).join('');
  const codon = () => {
    for (;;) {
      const c = random(3);
      if (!STOPS.has(c)) return c;
    }
  };
  const parts = [random(int(100, 300))];
  for (let g = 0; g < genes; g++) {
    const codons = int(100, 500); // 300-1500 bp including ATG and stop
    // A Shine-Dalgarno site 8 bp upstream helps Prodigal call the start.
    const gene = 'AGGAGG' + random(6) + 'ATG' + Array.from({ length: codons - 2 }, codon).join('') + [...STOPS][int(0, 2)];
    parts.push(rnd() < 0.3 ? revcomp(gene) : gene, random(int(50, 300)));
  }
  return parts.join('');
}

/** Error-free single-end reads from both strands, uniformly placed, as FASTQ text. */
export function makeReads({ seed = 1 } = {}) {
  const genome = makeGenome({ seed });
  const rnd = mulberry32(seed ^ 0x5eed);
  const count = Math.round((genome.length * COVERAGE) / READ_LEN);
  const quality = 'I'.repeat(READ_LEN);
  const out = [];
  for (let i = 1; i <= count; i++) {
    const start = Math.floor(rnd() * (genome.length - READ_LEN + 1));
    let read = genome.slice(start, start + READ_LEN);
    if (rnd() < 0.5) read = revcomp(read);
    out.push(`@read${i}\n${read}\n+\n${quality}\n`);
  }
  return out.join('');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--seed');
  const seed = at >= 0 ? Number(args.splice(at, 2)[1]) : 1;
  if (args.length !== 1 || !Number.isInteger(seed)) {
    console.error('usage: node make-reads.mjs OUT.fastq [--seed N]');
    process.exit(2);
  }
  writeFileSync(args[0], makeReads({ seed }));
}
