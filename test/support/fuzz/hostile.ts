import fc from 'fast-check';

/**
 * A value too big to print or to shrink usefully as plain JSON: 5,000 nested
 * arrays, a 600 KB string. It stays symbolic in generated requests (so a
 * reproduction reads "[×5000") and is expanded only when the body is sent.
 */
export class Big {
  constructor(readonly shape: 'deepArray' | 'deepObject' | 'longString' | 'wideArray' | 'manyKeys', readonly size: number) {}
  toString(): string {
    return `<${this.shape} ×${this.size}>`;
  }
}

/** Expands a Big into its JSON text without recursion, however deep. */
export function bigJson(big: Big): string {
  switch (big.shape) {
    case 'deepArray':
      return `${'['.repeat(big.size)}${']'.repeat(big.size)}`;
    case 'deepObject':
      return `${'{"a":'.repeat(big.size)}1${'}'.repeat(big.size)}`;
    case 'longString':
      return JSON.stringify('x'.repeat(big.size));
    case 'wideArray':
      return `[${Array.from({ length: big.size }, (_, i) => i % 10).join(',')}]`;
    case 'manyKeys':
      return `{${Array.from({ length: big.size }, (_, i) => `"k${i}":${i}`).join(',')}}`;
  }
}

export const bigValue: fc.Arbitrary<Big> = fc.oneof(
  fc.constantFrom(50, 101, 1000, 5000, 20_000).map((n) => new Big('deepArray', n)),
  fc.constantFrom(50, 101, 1000, 5000).map((n) => new Big('deepObject', n)),
  // Around the 512 KiB JSON limit of the fuzzed server, on both sides.
  fc.constantFrom(1024, 70_000, 300_000, 600_000).map((n) => new Big('longString', n)),
  fc.constantFrom(10_000, 100_000).map((n) => new Big('wideArray', n)),
  fc.constantFrom(1000, 20_000).map((n) => new Big('manyKeys', n)),
);

/** Numbers a store or a loop bound may not expect. JSON cannot carry NaN or Infinity: those go in as text (hostileNumberText). */
export const hostileNumber: fc.Arbitrary<number> = fc.constantFrom(
  1e20, 1e308, -1e308, -0, 0, -1, 0.5, -0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, 1e-300, 123456789012345678901234567890,
);

/** Numbers as query strings and path segments spell them, including what JSON cannot. */
export const hostileNumberText: fc.Arbitrary<string> = fc.constantFrom(
  '1e20', '1e308', '-1e308', '1e309', '-0', '0', '-1', 'NaN', 'Infinity', '-Infinity', '0x10', '0o7', '0b1', '1_000', ' 1', '1 ', '+1', '.5', '1.', '1.0', '01',
  '9007199254740993', '99999999999999999999999', '2147483648', '4294967296', '1e', 'e1', '١', '１',
);

/** Strings that reach the places names and paths end up: the file system, a shell, SQL, HTML, logs. `marker` names whatever they would create. */
export function hostileStrings(marker: string, canaryFile: string): string[] {
  return [
    '', ' ', '.', '..', '...', '/', '//', '\\', '~', '-', '--', '-rf', '*', '?', '%', '%00', '%2e%2e', '%2f', '%zz', '#', '&', '=', '+', ';',
    `../${marker}`, `../../${marker}`, `../../../../../../tmp/${marker}`, `..\\..\\${marker}`, `./${marker}`, `/${marker}`, `/tmp/${marker}`,
    `/etc/passwd`, `../../../../../../etc/passwd`, `....//....//${marker}`, `..%2f..%2f${marker}`, `%2e%2e%2f${marker}`, `~/${marker}`, `C:\\${marker}`, `\\\\host\\${marker}`,
    canaryFile, `../canary.txt`, `../../canary.txt`, `../../../canary.txt`, `file://${canaryFile}`,
    `$(touch /tmp/${marker}-sh)`, `\`touch ${marker}-bt\``, `; touch ${marker}-semi`, `| touch ${marker}-pipe`, `&& touch ${marker}-and`, `\n touch ${marker}-nl`, `$HOME/${marker}`, `\${IFS}${marker}`, `-o/tmp/${marker}-opt`, `--output=/tmp/${marker}-opt`,
    `' OR '1'='1`, `"; DROP TABLE users; --`, `1; SELECT 1`, '%s%s%s%n', '{{7*7}}', '${7*7}', '<script>alert(1)</script>', '"><img src=x>', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
    'null', 'undefined', 'true', 'NaN', '[]', '{}', '0', '-1', '1e20', '999999999', '9007199254740993',
    '1/2/3', '0/0/0', '999999/1/1', '1/999999/1', '1/1/999999', 'a/b/c/d', '/1/1', '1//1', 'x'.repeat(256), 'x'.repeat(5000), `${marker}.ipynb`, `${marker} (999999).ipynb`, `Untitled (999999).ipynb`, ` (0).ipynb`, `x (0).ipynb`, `x (-1).ipynb`, `x (1e20).ipynb`,
    'sha256:' + '0'.repeat(64), 'f'.repeat(64), 'F'.repeat(64), '00000000-0000-0000-0000-000000000000', 'python3/../x', 'nrt_' + 'A'.repeat(43),
    // JSON inside a string, for the fields the server parses again (a settings `raw`, a multipart `data` field): deep enough to overflow a recursive walk.
    `${'['.repeat(5000)}${']'.repeat(5000)}`, `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, '{"a":1,"a":2}', '{"__proto__":{"x":1}}',
    '\u0000', `a\u0000b`, '\u0001\u0002\u0007\u0008', '\t', '\r\n', `x\r\nX-Injected: ${marker}`, '\u001b[31mred\u001b[0m', '\u007f', '\u0085', '\u2028\u2029', '\u200b', '\ufeff', '\uffff', '\ud800', '\udfff', '\ud83d\ude00', 'é', 'e\u0301', 'İ', 'ß', '\u202e' + 'txt.exe', 'ｆｕｌｌ',
  ];
}

export function hostileString(marker: string, canaryFile: string): fc.Arbitrary<string> {
  return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...hostileStrings(marker, canaryFile)) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) });
}

/** Any JSON value of the wrong kind, small or Big. */
export function hostileValue(marker: string, canaryFile: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: hostileString(marker, canaryFile) },
    { weight: 3, arbitrary: hostileNumber },
    { weight: 2, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { '': null }, [[[]]], { length: -1 }) },
    { weight: 2, arbitrary: bigValue },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as unknown) },
  );
}
