import { type SceneGeometry } from '@forgesyte/contracts';
import { sameSize, scaleGeometry, scalePoint } from './frame-space';

const display = { width: 640, height: 360 };
const sent = { width: 416, height: 234 };

describe('frame space', () => {
  it('maps a point between the pixels of two frames of one picture', () => {
    expect(scalePoint([320, 180], display, sent)).toEqual([208, 117]);
    expect(scalePoint([0, 360], display, sent)).toEqual([0, 234]);
    expect(scalePoint([100, 50], sent, display)).toEqual([153.85, 76.92]);
  });

  it('scales lines, zones and hysteresis, and keeps ids and classes', () => {
    const geometry: SceneGeometry = {
      lines: [{ id: 'door', from: [0, 180], to: [640, 180], classes: ['person'], hysteresis_px: 16 }],
      zones: [
        {
          id: 'desk',
          points: [
            [64, 36],
            [320, 36],
            [320, 180],
          ],
        },
      ],
    };
    expect(scaleGeometry(geometry, display, sent)).toEqual({
      lines: [{ id: 'door', from: [0, 117], to: [416, 117], classes: ['person'], hysteresis_px: 10.4 }],
      zones: [
        {
          id: 'desk',
          points: [
            [41.6, 23.4],
            [208, 23.4],
            [208, 117],
          ],
        },
      ],
    });
    // A round trip lands where it started, and the same size leaves the geometry as it is.
    expect(scaleGeometry(scaleGeometry(geometry, display, sent), sent, display)).toEqual(geometry);
    expect(scaleGeometry(geometry, sent, sent)).toBe(geometry);
    expect(sameSize(sent, { width: 416, height: 234 })).toBe(true);
    expect(sameSize(sent, display)).toBe(false);
  });
});
