/**
 * The per-epoch stats CSV of lecture 003 (one row per epoch, header written once), appended
 * so that a resumed run continues the same file.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EpochMetrics } from '../train/loop.ts';

export const STATS_HEADER = 'epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds';

export function statsRow(m: EpochMetrics): string {
  const f = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '');
  return [m.epoch, f(m.trainLoss, 6), f(m.trainAccuracy, 6), f(m.valLoss, 6), f(m.valAccuracy, 6), f(m.seconds, 3)].join(',');
}

/** Starts a fresh stats file, or keeps the rows up to `keepEpochs` when resuming. */
export function startStatsCsv(path: string, keepEpochs = 0): void {
  mkdirSync(dirname(path), { recursive: true });
  const kept = keepEpochs > 0 && existsSync(path)
    ? readFileSync(path, 'utf8').split('\n').slice(1).filter((l) => l && Number(l.split(',')[0]) <= keepEpochs)
    : [];
  writeFileSync(path, [STATS_HEADER, ...kept].join('\n') + '\n');
}

export function appendStatsRow(path: string, m: EpochMetrics): void {
  appendFileSync(path, statsRow(m) + '\n');
}
