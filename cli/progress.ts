/**
 * Turns training events into terminal output: a cli-progress bar with loss, accuracy and
 * samples/s plus one summary line per epoch, or JSON lines (--json) for scripts.
 */
import cliProgress from 'cli-progress';
import type { TrainEvent } from '../runtime/train/loop.ts';

export type Reporter = ((event: TrainEvent) => void) & {
  /** releases what the reporter holds (the progress bar's redraw timer, which would keep the process alive after an error) */
  close?: () => void;
};

export function jsonReporter(write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Reporter {
  return (e) => {
    if (e.type === 'batch') return; // per-batch lines would swamp a log; epoch lines carry the metrics
    write(JSON.stringify(e, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
  };
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

/** `tokensPerSample`: text models count characters (tokens/s) instead of samples. */
export function barReporter(stream: NodeJS.WriteStream = process.stderr, tokensPerSample?: number): Reporter {
  const unit = tokensPerSample ? 'tokens' : 'samples', per = tokensPerSample ?? 1;
  let bar: cliProgress.SingleBar | null = null;
  let skippedShown = 0;
  const stop = () => { bar?.stop(); bar = null; };
  const report: Reporter = (e) => {
    switch (e.type) {
      case 'epoch-start':
        bar = new cliProgress.SingleBar({
          stream, hideCursor: true, clearOnComplete: true, etaBuffer: 50,
          // In a log (no TTY) print a line every few seconds instead of redrawing.
          noTTYOutput: true, notTTYSchedule: 5000,
          format: `epoch ${e.epoch}/${e.epochs} {bar} {value}/{total} | loss {loss} | acc {acc} | {rate} ${unit}/s | eta {eta_formatted}`,
        }, cliProgress.Presets.shades_classic);
        bar.start(e.batches, 0, { loss: '—', acc: '—', rate: '0' });
        break;
      case 'batch':
        bar?.update(e.batch, { loss: fmt(e.loss), acc: fmt(e.accuracy, 3), rate: Math.round(e.samplesPerSecond * per).toString() });
        break;
      case 'skipped-step':
        if (++skippedShown <= 5) {
          stream.write(`\nskipped step ${e.batch} of epoch ${e.epoch}: loss or gradients not finite (loss ${e.loss}); params unchanged`
            + `${skippedShown === 5 ? ' (further skips are counted in the epoch lines)' : ''}\n`);
        }
        break;
      case 'nonfinite-loss':
        stream.write(`\nwarning: the loss is ${e.loss} at step ${e.batch} of epoch ${e.epoch}; the params have likely turned non-finite too. `
          + 'Check the data and the learning rate, or pass --skip-nonfinite to skip such steps.\n');
        break;
      case 'eval-start':
        stop();
        break;
      case 'epoch-end': {
        stop();
        const m = e.metrics;
        stream.write(`Epoch ${m.epoch}\t train loss: ${fmt(m.trainLoss, 3)}, train acc: ${fmt(m.trainAccuracy, 3)}\t`
          + `val loss: ${fmt(m.valLoss, 3)}, val acc: ${fmt(m.valAccuracy, 3)}\t time: ${m.seconds.toFixed(1)}s`
          + `, ${Math.round(m.samplesPerSecond * per)} ${unit}/s${m.skippedSteps ? `, ${m.skippedSteps} steps skipped (non-finite)` : ''}${e.improved ? '  (best so far, saved)' : `  (patience left ${e.patienceLeft})`}\n`);
        break;
      }
      case 'early-stop':
        stream.write(`Run out of patience at epoch ${e.epoch}; best epoch was ${e.bestEpoch}.\n`);
        break;
      case 'stopped':
        stop();
        stream.write(`Stopped on request in epoch ${e.epoch} after ${e.batchesDone} batches; checkpoint saved, continue with --resume.\n`);
        break;
    }
  };
  report.close = stop;
  return report;
}
