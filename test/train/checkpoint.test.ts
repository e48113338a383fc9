import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../../runtime/node/checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../runtime/train/checkpoint-format.ts';

const ckpt = (epoch: number): Checkpoint => ({
  modelId: 'fashion-simple-net',
  epoch,
  params: { 'conv1.w': Float32Array.of(1.5, -2.25, 3e-8, epoch), 'fc.b': Float32Array.of(0.1) },
  state: { 'adam.step': Int32Array.of(epoch * 100, -7), 'adam.m': Float32Array.of(0.5, 0.25) },
  metadata: { bestLoss: 0.31, history: [{ epoch: 1 }] },
});

describe('checkpoints', () => {
  it('round-trips params, state, ids and metadata bit for bit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'axon-ckpt-'));
    const path = join(dir, 'last.axckpt');
    saveCheckpoint(path, ckpt(3));
    const back = loadCheckpoint(path, 'fashion-simple-net');
    expect(back.epoch).toBe(3);
    expect(back.modelId).toBe('fashion-simple-net');
    expect(back.params['conv1.w']).toEqual(Float32Array.of(1.5, -2.25, 3e-8, 3));
    expect(back.params['fc.b']).toEqual(Float32Array.of(0.1));
    expect(back.state['adam.step']).toEqual(Int32Array.of(300, -7));
    expect(back.state['adam.m']).toEqual(Float32Array.of(0.5, 0.25));
    expect(back.metadata).toEqual({ bestLoss: 0.31, history: [{ epoch: 1 }] });
  });

  it('a crash after the temp file is written leaves the previous checkpoint intact and no temp files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'axon-ckpt-'));
    const path = join(dir, 'last.axckpt');
    saveCheckpoint(path, ckpt(1));
    const before = readFileSync(path);
    const crash = {
      writeFileSync: (fd: number, data: Uint8Array) => writeFileSync(fd, data),
      renameSync: () => { throw new Error('simulated power loss'); },
    };
    expect(() => saveCheckpoint(path, ckpt(2), crash)).toThrow(/saving .*last\.axckpt failed \(the previous file, if any, is unchanged\): simulated power loss/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(loadCheckpoint(path).epoch).toBe(1);
    expect(readdirSync(dir)).toEqual(['last.axckpt']);
  });

  it('a write failing midway also leaves the previous checkpoint intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'axon-ckpt-'));
    const path = join(dir, 'best.axckpt');
    saveCheckpoint(path, ckpt(4));
    const halfWrite = {
      writeFileSync: (fd: number, data: Uint8Array) => { writeFileSync(fd, data.subarray(0, 10)); throw new Error('ENOSPC'); },
      renameSync: () => { throw new Error('unreachable'); },
    };
    expect(() => saveCheckpoint(path, ckpt(5), halfWrite)).toThrow(/ENOSPC/);
    expect(loadCheckpoint(path).epoch).toBe(4);
    expect(readdirSync(dir)).toEqual(['best.axckpt']);
  });

  it('refuses another model, another version, bad magic and truncation with clear errors', () => {
    const bytes = encodeCheckpoint(ckpt(1));
    expect(() => decodeCheckpoint(bytes, { expectModelId: 'mlp', what: 'x.axckpt' }))
      .toThrow(/x\.axckpt: checkpoint is for model "fashion-simple-net", not "mlp"/);
    const v2 = new TextDecoder().decode(bytes).includes('"version":1');
    expect(v2).toBe(true);
    const bumped = Uint8Array.from(bytes);
    const at = new TextDecoder().decode(bumped).indexOf('"version":1') + '"version":'.length;
    bumped[at] = '9'.charCodeAt(0);
    expect(() => decodeCheckpoint(bumped)).toThrow(/checkpoint version 9 is not supported \(this Axon reads version 1\)/);
    expect(() => decodeCheckpoint(new TextEncoder().encode('PK\x03\x04 not a checkpoint'))).toThrow(/not an Axon checkpoint/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated: tensor "adam.m"/);
    expect(() => loadCheckpoint('/nonexistent/dir/c.axckpt')).toThrow(/does not exist/);
    expect(existsSync('/nonexistent/dir')).toBe(false);
  });
});
