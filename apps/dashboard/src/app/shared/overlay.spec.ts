import { type PipelineResult } from '@forgesyte/contracts';
import { colourFor, describeResult, drawOverlay, TrailBook } from './overlay';
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

describe('tracking on the overlay', () => {
  const tracked: PipelineResult = {
    ...RESULT,
    texts: [],
    detections: [{ ...RESULT.detections[0]!, track_id: 7 }],
    lines: [{ id: 'door', in: 3, out: 1 }],
    zones: [{ id: 'bay', count: 1, track_ids: [7] }],
    events: [],
  };

  it('labels track ids, draws trails, and the lines and zones with their counts', () => {
    const canvas = document.createElement('canvas');
    canvas.width = 1280;
    canvas.height = 720;
    const { ctx, calls } = recordingContext(canvas);
    const trails = new TrailBook(3);
    trails.add({ ...tracked, detections: [{ ...tracked.detections[0]!, box: { x1: 80, y1: 200, x2: 280, y2: 690 } }] });
    drawOverlay(ctx, tracked, {
      scaleX: 1,
      scaleY: 1,
      trails: trails.add(tracked),
      geometry: {
        lines: [{ id: 'door', from: [0, 400], to: [1280, 400] }],
        zones: [
          {
            id: 'bay',
            points: [
              [0, 0],
              [640, 0],
              [640, 720],
            ],
          },
        ],
      },
    });
    const texts = calls.filter((c) => c.method === 'fillText').map((c) => c.args[0]);
    expect(texts).toEqual(['bay: 1', 'door: in 3 out 1', 'person #7 88%']);
    // The trail: from the earlier bottom centre (180, 690) to the current one (200, 700).
    const moves = calls.filter((c) => c.method === 'moveTo').map((c) => c.args);
    expect(moves).toContainEqual([180, 690]);
    expect(calls.filter((c) => c.method === 'lineTo').map((c) => c.args)).toContainEqual([200, 700]);
    expect(describeResult(tracked)).toEqual(['person #7 88%', 'line door: in 3, out 1', 'zone bay: 1']);
  });

  it('keeps the last points of tracks still seen and forgets the others', () => {
    const trails = new TrailBook(2);
    for (const x of [0, 10, 20])
      trails.add({ ...tracked, detections: [{ ...tracked.detections[0]!, box: { x1: x, y1: 0, x2: x + 10, y2: 5 } }] });
    expect([...trails.add(tracked)]).toEqual([
      [
        7,
        [
          [25, 5],
          [200, 700],
        ],
      ],
    ]);
    expect([...trails.add({ ...tracked, detections: [] })]).toEqual([]);
  });
});
