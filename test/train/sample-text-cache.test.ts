/**
 * sampleText over a KV-cache decode session (runtime/train/sample-text.ts), with a fake session
 * that records what it is fed: the prompt is prefilled token by token from position 0, each new
 * character is one step at the next position, and when the text outgrows the context the cache
 * restarts at position 0 with the last half context re-prefilled.
 */
import { describe, expect, it } from 'vitest';
import { buildVocabulary } from '../../runtime/data/text.ts';
import { isDecodeSession, sampleText } from '../../runtime/train/sample-text.ts';
import type { Feeds, Session } from '../../runtime/session.ts';

const spec = (name: string, shape: number[], dtype: 'f32' | 'i32' = 'f32') => ({ name, shape, dtype, offset: 0 });

/** predicts "next id = (this token + 1) mod 3" and records every (token, pos) fed */
function fakeDecoder(context: number, fed: [number, number][]): Session {
  return {
    manifest: { name: 'fake-decode', inputs: [spec('token', [1], 'i32'), spec('pos', [1], 'i32')], state: [spec('cache/block1/k', [context, 4])] },
    run: async (feeds: Feeds) => {
      const token = (feeds.token as Int32Array)[0]!, pos = (feeds.pos as Int32Array)[0]!;
      fed.push([token, pos]);
      const logits = new Float32Array(3);
      logits[(token + 1) % 3] = 10;
      return { logits };
    },
  } as unknown as Session;
}

describe('sampleText with a KV-cache decode step', () => {
  it('prefills the prompt, steps once per character, and restarts the cache past the context', async () => {
    const fed: [number, number][] = [];
    const session = fakeDecoder(4, fed);
    expect(isDecodeSession(session)).toBe(true);
    const r = await sampleText(session, buildVocabulary('abc'), { prompt: 'ab', tokens: 5, topK: 1 });
    expect(r.mode).toBe('kv-cache');
    expect(r.text).toBe('cabca');
    // ids a b (prompt) c a b c a: a b c a fill positions 0..3 of the context of 4; the 5th id
    // (b) does not fit, so the last half context (a b) is re-prefilled at 0 and 1, and the
    // next step (c) goes on at 2
    expect(fed).toEqual([[0, 0], [1, 1], [2, 2], [0, 3], [0, 0], [1, 1], [2, 2]]);
  });

  it('says when a decode session has no cache state', async () => {
    const session = { manifest: { name: 'odd', inputs: [spec('token', [1], 'i32'), spec('pos', [1], 'i32')], state: [] } } as unknown as Session;
    await expect(sampleText(session, buildVocabulary('ab'), { prompt: 'a', tokens: 1 })).rejects.toThrow(/no cache\/… state/);
  });
});
