/** Who is calling: always the verified token's subject, never a request field. */
export interface Caller {
  userId: string;
  /** Aborts when the client hangs up (or the call's deadline passes): downstream calls are cancelled with it. */
  signal?: AbortSignal;
}
