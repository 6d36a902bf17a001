import { type PipelineResult } from '@forgesyte/contracts';
import { colourFor, describeResult, drawOverlay } from './overlay';
import { recordingContext } from './testing/recording-context';

const RESULT: PipelineResult = {
  image: { width: 1280, height: 720 },
  detections: [{ label: 'person', class_id: 0, score: 0.876, box: { x1: 100, y1: 200, x2: 300, y2: 700 } }],
  texts: [
    { text: 'EXIT', score: 0.9, box: { x1: 10, y1: 20, x2: 50, y2: 40 } },
    {
      text: 'LOUVRE',
      score: 0.8,
      box: { x1: 0, y1: 0, x2: 10, y2: 10 },
      polygon: [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
      ],
    },
  ],
  timings_ms: { decode: 1, inference: 2, postprocess: 3, total: 6 },
};

describe('drawOverlay', () => {
  it('scales boxes to the canvas and labels them with class, score, text and frame index', () => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const { ctx, calls } = recordingContext(canvas);
    drawOverlay(ctx, RESULT, { frameIndex: 42, scaleX: 0.5, scaleY: 0.5 });

    expect(calls.find((c) => c.method === 'strokeRect')?.args).toEqual([50, 100, 100, 250]);
    const texts = calls.filter((c) => c.method === 'fillText').map((c) => c.args[0]);
    expect(texts).toEqual(['person 88%', 'EXIT', 'LOUVRE', 'frame 42']);
    expect(calls.filter((c) => c.method === 'lineTo')).toHaveLength(3);
    expect(calls.some((c) => c.method === 'set strokeStyle' && c.args[0] === colourFor(0))).toBe(true);
    expect(calls.at(-1)?.method).toBe('restore');
  });

  it('describes what it draws for the DOM list', () => {
    expect(describeResult(RESULT)).toEqual(['person 88%', 'text "EXIT"', 'text "LOUVRE"']);
  });
});
