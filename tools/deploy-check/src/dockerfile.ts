import dockerfileUtils from 'dockerfile-utils';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/**
 * The instructions of a Dockerfile by stage: comments and parser directives dropped, continuation lines
 * joined. Enough to state invariants (the final stage's user, stop signal, entrypoint); heredocs are not
 * used in this repository and are refused rather than misread.
 */
export function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const start = index;
    let line = lines[index] ?? '';
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.trimEnd().endsWith('\\') && index + 1 < lines.length) {
      index += 1;
      const next = lines[index] ?? '';
      if (/^\s*#/.test(next)) continue;
      line = `${line.trimEnd().slice(0, -1)} ${next.trim()}`;
    }
    if (line.includes('<<')) throw new Error(`line ${start + 1}: heredocs are not supported by this parser`);
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (!match) throw new Error(`line ${start + 1}: not an instruction`);
    const instruction = { keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim(), line: start + 1 };
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from) throw new Error(`line ${start + 1}: unreadable FROM`);
      stages.push({ from: from[1] as string, ...(from[2] ? { name: from[2] } : {}), instructions: [] });
    } else if (stages.length === 0) {
      args.push(instruction);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** dockerfile-utils' linter (the one behind the Docker VS Code extension), every check as an error. */
export function dockerfileLintProblems(text: string): string[] {
  const { validate, ValidationSeverity } = dockerfileUtils;
  const error = ValidationSeverity.ERROR;
  return validate(text, {
    deprecatedMaintainer: error,
    directiveCasing: error,
    emptyContinuationLine: error,
    instructionCasing: error,
    instructionCmdMultiple: error,
    instructionEntrypointMultiple: error,
    instructionHealthcheckMultiple: error,
    instructionJSONInSingleQuotes: error,
    instructionWorkdirRelative: error,
  }).map((diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
}

/** ENV of a stage as key/value pairs (`ENV A=1 B=2` form). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const pair of instruction.args.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g) ?? []) {
      const [key, ...value] = pair.split('=');
      env[key as string] = value.join('=').replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** The JSON (exec form) arguments of ENTRYPOINT or CMD. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  if (instruction === undefined) return undefined;
  const parsed: unknown = JSON.parse(instruction.args);
  return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
}
