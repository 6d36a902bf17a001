import { StreamSession } from './stream-session';

describe('StreamSession', () => {
  it('numbers frames from 0 in the order they arrive', () => {
    const s = new StreamSession('yolo', { dropThreshold: 0.1, slowdownThreshold: 0.3 });
    expect([s.nextFrame(), s.nextFrame(), s.nextFrame()]).toEqual([0, 1, 2]);
    expect(s.frameIndex).toBe(3);
  });

  it('has a UUID, starts normal and summarises itself for the close log', () => {
    const s = new StreamSession('ocr', { dropThreshold: 0.1, slowdownThreshold: 0.3 });
    expect(s.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(s.backpressureState).toBe('normal');
    expect(s.summary()).toMatchObject({ pipeline_id: 'ocr', frames: 0, processed: 0, drops: 0 });
  });

  it('stays well under 50 KB however many frames it has seen', () => {
    const s = new StreamSession('yolo', { dropThreshold: 0.1, slowdownThreshold: 0.3 });
    for (let i = 0; i < 100_000; i++) {
      s.nextFrame();
      s.policy.record(i * 5, i % 3 ? 'accepted' : 'busy');
      s.policy.recordProcessing(12);
    }
    expect(Buffer.byteLength(JSON.stringify(s))).toBeLessThan(50 * 1024);
    expect(Buffer.byteLength(JSON.stringify(s))).toBeLessThan(4 * 1024);
  });
});
