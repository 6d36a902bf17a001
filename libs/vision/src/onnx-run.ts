import { type InferenceSession, type Tensor } from 'onnxruntime-node';

/** The name of a model's first input: every model here takes one tensor. */
export function firstInputName(session: InferenceSession): string {
  const [name] = session.inputNames;
  if (name === undefined) throw new Error('the model has no input');
  return name;
}

/** Runs a model that takes one input tensor and returns its first output (every model here has one of each). */
export async function runSingle(session: InferenceSession, input: Tensor): Promise<Tensor> {
  const [outputName] = session.outputNames;
  if (outputName === undefined) throw new Error('the model has no output');
  const outputs = await session.run({ [firstInputName(session)]: input });
  const output = outputs[outputName];
  if (output === undefined) throw new Error(`the model returned no ${outputName} output`);
  return output;
}

/** `options` with ONNX Runtime's `session.intra_op.allow_spinning` set, the rest of `extra` kept. */
export function withSpinning(
  options: InferenceSession.SessionOptions,
  spinning: boolean,
): InferenceSession.SessionOptions {
  const extra = (options.extra ?? {}) as { session?: { intra_op?: Record<string, string> } };
  return {
    ...options,
    extra: {
      ...extra,
      session: {
        ...extra.session,
        intra_op: { ...extra.session?.intra_op, allow_spinning: spinning ? '1' : '0' },
      },
    },
  };
}
