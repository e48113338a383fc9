// Prints vitest's result counts as one plain line ("Tests: N passed, N failed, N skipped") for CI logs.
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync('node_modules/.cache/axon/vitest-results.json', 'utf8'));
console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`);
