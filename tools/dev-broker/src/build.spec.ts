import { describe, expect, it } from '@jest/globals';
import { explainBuildFailure } from './build.ts';

describe('explainBuildFailure', () => {
  it('names librdkafka-dev when the header is missing', () => {
    const error = Object.assign(new Error('Command failed'), {
      stderr: 'mock-broker.c:16:10: fatal error: librdkafka/rdkafka.h: No such file or directory\n',
    });
    expect(explainBuildFailure(error).message).toMatch(/apt-get install librdkafka-dev/);
  });

  it('names librdkafka-dev when the library is missing', () => {
    const error = Object.assign(new Error('Command failed'), { stderr: '/usr/bin/ld: cannot find -lrdkafka: No such file\n' });
    expect(explainBuildFailure(error).message).toMatch(/librdkafka-dev/);
  });

  it('names gcc when the compiler is missing', () => {
    const error = Object.assign(new Error('spawn gcc ENOENT'), { code: 'ENOENT' });
    expect(explainBuildFailure(error).message).toMatch(/gcc not found/);
  });

  it('passes other compiler output through', () => {
    const error = Object.assign(new Error('Command failed'), { stderr: "mock-broker.c:3: error: expected ';'\n" });
    const explained = explainBuildFailure(error);
    expect(explained.message).toMatch(/compiling .*mock-broker\.c failed\n.*expected ';'/s);
    expect(explained.cause).toBe(error);
  });
});
