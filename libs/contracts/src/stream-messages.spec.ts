import { closeCodeToError, classifyStreamMessage } from './stream-messages';
import { STREAM_CLOSE_CODES } from './streaming';

const result = {
  image: { width: 4, height: 3 },
  detections: [],
  texts: [],
  timings_ms: { decode: 0, inference: 0, postprocess: 0, total: 0 },
};

describe('classifyStreamMessage', () => {
  it('recognises every message of the contract', () => {
    expect(classifyStreamMessage(JSON.stringify({ frame_index: 3, result }))).toEqual({
      kind: 'result',
      message: { frame_index: 3, result },
    });
    expect(classifyStreamMessage('{"frame_index":4,"dropped":true,"reason":"saturated"}')).toEqual({
      kind: 'dropped',
      message: { frame_index: 4, dropped: true, reason: 'saturated' },
    });
    expect(classifyStreamMessage('{"warning":"slow_down","suggested_fps":6,"drop_rate":0.35}')).toEqual({
      kind: 'slow_down',
      message: { warning: 'slow_down', suggested_fps: 6, drop_rate: 0.35 },
    });
    expect(classifyStreamMessage('{"error":"invalid_frame","detail":"Not a JPEG","frame_index":9}')).toEqual({
      kind: 'error',
      message: { error: 'invalid_frame', detail: 'Not a JPEG', frame_index: 9 },
    });
  });

  it('fills in missing optional parts and ignores unknown drop reasons', () => {
    const { texts: _texts, ...withoutTexts } = result;
    expect(classifyStreamMessage(JSON.stringify({ frame_index: 0, result: withoutTexts }))).toEqual({
      kind: 'result',
      message: { frame_index: 0, result },
    });
    expect(classifyStreamMessage('{"frame_index":1,"dropped":true,"reason":"gremlins"}')).toEqual({
      kind: 'dropped',
      message: { frame_index: 1, dropped: true },
    });
    expect(classifyStreamMessage('{"warning":"slow_down"}')).toEqual({
      kind: 'slow_down',
      message: { warning: 'slow_down', suggested_fps: 0, drop_rate: 0 },
    });
    expect(classifyStreamMessage('{"error":"server_busy"}')).toEqual({
      kind: 'error',
      message: { error: 'server_busy', detail: '' },
    });
  });

  it.each([
    ['not json', 'nope'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['a fractional index', '{"frame_index":1.5,"dropped":true}'],
    ['a result without detections', '{"frame_index":1,"result":{"image":{}}}'],
    ['an unknown warning', '{"warning":"speed_up"}'],
  ])('returns null for %s', (_name, text) => {
    expect(classifyStreamMessage(text)).toBeNull();
  });
});

describe('closeCodeToError', () => {
  it('maps every application close code back to its error code', () => {
    for (const [name, code] of Object.entries(STREAM_CLOSE_CODES)) {
      expect(closeCodeToError(code)).toBe(name === 'normal' ? null : name);
    }
    expect(closeCodeToError(1006)).toBeNull();
  });
});
