import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { barReporter } from '../../cli/progress.ts';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('barReporter', () => {
  it('close() stops the bar so its redraw timer cannot keep the process alive after an error', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const before = timers();
    const report = barReporter(stream);
    report({ type: 'epoch-start', epoch: 1, epochs: 3, batches: 100 } as Parameters<typeof report>[0]);
    expect(timers()).toBeGreaterThan(before); // the bar is running, as during a step that throws
    report.close!();
    expect(timers()).toBe(before);
  });
});
