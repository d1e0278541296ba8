import { describe } from 'node:test';
import { storeFactories } from './factories.js';
import { storesOf } from './harness.js';
import { contractParts } from './parts.js';

// Every Store implementation must pass every part: a new store joins by adding its factory to factories.ts.
for (const factory of storeFactories) {
  describe(`Store contract: ${factory.name}`, { skip: factory.skip }, () => {
    const stores = storesOf(factory);
    for (const part of contractParts) part(stores);
  });
}
