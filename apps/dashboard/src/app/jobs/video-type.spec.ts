import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkVideoFile } from './video-type';

const MEDIA = join(__dirname, '../../../../../../shared/media');

function fileFrom(path: string, name: string, type: string, bytes = 4096): File {
  return new File([readFileSync(path).subarray(0, bytes)], name, { type });
}

describe('checkVideoFile', () => {
  it('accepts a real MP4', async () => {
    const file = fileFrom(join(MEDIA, 'one-by-one-person-detection.mp4'), 'people.mp4', 'video/mp4');
    await expect(checkVideoFile(file)).resolves.toBeNull();
  });

  it('refuses a JPEG, also when it is named .mp4', async () => {
    const jpeg = join(MEDIA, 'bus.jpg');
    await expect(checkVideoFile(fileFrom(jpeg, 'bus.jpg', 'image/jpeg'))).resolves.toMatch(/not an MP4/);
    await expect(checkVideoFile(fileFrom(jpeg, 'bus.mp4', 'video/mp4'))).resolves.toMatch(/ftyp/);
  });

  it('refuses an AVI and an empty file', async () => {
    const avi = fileFrom(join(MEDIA, 'crowd_walking_720p_h264.avi'), 'crowd.avi', 'video/x-msvideo');
    await expect(checkVideoFile(avi)).resolves.toMatch(/not an MP4/);
    await expect(checkVideoFile(new File([], 'empty.mp4', { type: 'video/mp4' }))).resolves.toMatch(/too small/);
  });
});
