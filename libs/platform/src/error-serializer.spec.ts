import { describe, expect, it } from '@jest/globals';
import { captureLogs } from '../test/support.ts';

/** Shaped like pg's DatabaseError for a check violation on a row holding a meeting title and an HRV value. */
function violation(): Error {
  return Object.assign(new Error('new row for relation "high_stakes_events" violates check constraint'), {
    code: '23514',
    detail: 'Failing row contains (u1, Board: acquisition of Acme, 41.7).',
    where: 'SQL statement "insert into high_stakes_events …"',
    table: 'high_stakes_events',
  });
}

describe('logged errors', () => {
  it('keep type, message, code and stack, and drop every other field, along the cause chain too', () => {
    const { logger, lines } = captureLogs();
    logger.error({ err: new Error('storing the event failed', { cause: violation() }) }, 'handler failed');
    logger.warn({ error: violation() }, 'again under another key');

    const text = JSON.stringify(lines);
    expect(text).not.toContain('Acme');
    expect(text).not.toContain('41.7');
    expect(text).not.toContain('SQL statement');
    const [first, second] = lines as Array<Record<string, { type: string; message: string; code?: string; stack?: string; cause?: { code?: string; message: string } }>>;
    expect(first!.err!.message).toBe('storing the event failed');
    expect(first!.err!.stack).toContain('error-serializer.spec.ts');
    expect(first!.err!.cause).toMatchObject({ code: '23514', message: expect.stringContaining('violates check constraint') });
    expect(Object.keys(second!.error!).sort()).toEqual(['code', 'message', 'stack', 'type']);
  });

  it('survives a cause cycle and leaves non-errors as they are', () => {
    const { logger, lines } = captureLogs();
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = new Error('b', { cause: a });
    logger.error({ err: a, cause: 'plain text' }, 'cyclic');
    expect(lines[0]!.msg).toBe('cyclic');
    expect((lines[0] as Record<string, unknown>).cause).toBe('plain text');
  });
});
