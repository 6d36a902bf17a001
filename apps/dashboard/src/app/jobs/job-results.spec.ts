import { type Detection, type JobFrameResult } from '@forgesyte/contracts';
import { classCounts, csvField, frameAt, lineTimeline, toCsv } from './job-results';

function det(label: string, score = 0.9): Detection {
  return { label, class_id: label === 'person' ? 0 : 56, score, box: { x1: 1.234, y1: 2, x2: 30, y2: 40.5 } };
}

function frame(
  frame_index: number,
  timestamp_ms: number,
  detections: Detection[],
  texts: string[] = [],
): JobFrameResult {
  return {
    frame_index,
    timestamp_ms,
    result: {
      image: { width: 768, height: 432 },
      detections,
      texts: texts.map((text) => ({ text, score: 0.8, box: { x1: 0, y1: 0, x2: 10, y2: 5 } })),
      timings_ms: { decode: 0, inference: 0, postprocess: 0, total: 0 },
    },
  };
}

const FRAMES = [
  frame(0, 0, []),
  frame(5, 500, [det('person'), det('chair')]),
  frame(10, 1000, [det('person'), det('person', 0.5)]),
  frame(15, 1500, [det('chair')], ['EXIT']),
];

describe('job results', () => {
  it('counts detections, frames and the most at once per class', () => {
    expect(classCounts(FRAMES)).toEqual([
      { label: 'person', detections: 3, frames: 2, maxInFrame: 2 },
      { label: 'chair', detections: 2, frames: 2, maxInFrame: 1 },
    ]);
    expect(classCounts([])).toEqual([]);
  });

  it('finds the sampled frame under the playhead', () => {
    expect(frameAt(FRAMES, -1)).toBeNull();
    expect(frameAt(FRAMES, 0)?.frame_index).toBe(0);
    expect(frameAt(FRAMES, 499)?.frame_index).toBe(0);
    expect(frameAt(FRAMES, 500)?.frame_index).toBe(5);
    expect(frameAt(FRAMES, 1200)?.frame_index).toBe(10);
    expect(frameAt(FRAMES, 99_000)?.frame_index).toBe(15);
    expect(frameAt([], 100)).toBeNull();
  });

  it('writes one CSV row per detection and text line', () => {
    const lines = toCsv(FRAMES).trimEnd().split('\n');
    expect(lines[0]).toBe('frame_index,timestamp_ms,kind,label,score,x1,y1,x2,y2');
    expect(lines).toHaveLength(1 + 5 + 1);
    expect(lines[1]).toBe('5,500,detection,person,0.9000,1.23,2,30,40.5');
    expect(lines[6]).toBe('15,1500,text,EXIT,0.8000,0,0,10,5');
  });

  it('quotes CSV fields and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
  });

  it('lists the line counts over time at the frames where they change', () => {
    const counted = (i: number, t: number, lines: { id: string; in: number; out: number }[]): JobFrameResult => {
      const f = frame(i, t, []);
      return { ...f, result: { ...f.result, lines } };
    };
    const frames = [
      counted(0, 0, [{ id: 'door', in: 0, out: 0 }]),
      counted(5, 500, [{ id: 'door', in: 0, out: 0 }]),
      counted(10, 1000, [
        { id: 'door', in: 1, out: 0 },
        { id: 'gate', in: 0, out: 2 },
      ]),
      counted(15, 1500, [
        { id: 'door', in: 1, out: 0 },
        { id: 'gate', in: 0, out: 2 },
      ]),
      counted(20, 2000, [
        { id: 'door', in: 1, out: 1 },
        { id: 'gate', in: 0, out: 2 },
      ]),
    ];
    expect(lineTimeline(frames)).toEqual({
      ids: ['door', 'gate'],
      steps: [
        {
          frame_index: 0,
          timestamp_ms: 0,
          counts: [
            { in: 0, out: 0 },
            { in: 0, out: 0 },
          ],
        },
        {
          frame_index: 10,
          timestamp_ms: 1000,
          counts: [
            { in: 1, out: 0 },
            { in: 0, out: 2 },
          ],
        },
        {
          frame_index: 20,
          timestamp_ms: 2000,
          counts: [
            { in: 1, out: 1 },
            { in: 0, out: 2 },
          ],
        },
      ],
    });
    expect(lineTimeline(FRAMES)).toEqual({ ids: [], steps: [] });
  });
});
