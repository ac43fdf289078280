/**
 * What the decision log keeps, and nothing more (ARCHITECTURE.md "Minimal data"): a decision is its
 * time, Proceed/Delay and cycle day; a reflection is its time, Yes/No/Skip and the cycle's start.
 * The user id is kept only to answer the user's own history, export and erasure.
 */
export const decisionValues = ['Proceed', 'Delay'] as const;
export type DecisionValue = (typeof decisionValues)[number];

export const reflectionResponses = ['Yes', 'No', 'Skip'] as const;
export type ReflectionValue = (typeof reflectionResponses)[number];

export const firstCycleDay = 1;
export const lastCycleDay = 7;

export interface DecisionRecord {
  decisionId: string;
  userId: string;
  decidedAt: Date;
  decision: DecisionValue;
  cycleDay: number;
}

export interface ReflectionRecord {
  reflectionId: string;
  userId: string;
  answeredAt: Date;
  response: ReflectionValue;
  cycleStart: Date;
}

/** A decision as its owner sees it in history and export (the user id is the question, not the answer). */
export type DecisionEntry = Omit<DecisionRecord, 'userId'>;

/** A reflection as its owner sees it in history and export. */
export type ReflectionEntry = Omit<ReflectionRecord, 'userId'>;
