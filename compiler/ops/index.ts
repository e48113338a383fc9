/**
 * The op rule table: one entry per primitive, typed so that a primitive without its rules
 * (gradient, lowering; and its shape rule in shapes.ts) does not compile.
 */
import type { RuleTable } from './rule.ts';
import { binaryRules, selectRules, unaryRules } from './elementwise.ts';
import { reduceRules } from './reduce.ts';
import { movementRules } from './movement.ts';
import { matmulRules } from './matmul.ts';
import { convRules } from './conv.ts';
import { poolRules } from './pool.ts';
import { indexingRules } from './indexing.ts';

export const rules: RuleTable = {
  ...unaryRules,
  ...binaryRules,
  ...selectRules,
  ...reduceRules,
  ...movementRules,
  ...matmulRules,
  ...convRules,
  ...poolRules,
  ...indexingRules,
};

export { shapeRules } from './shapes.ts';

export type { OpAttrs, OpName } from './attrs.ts';
