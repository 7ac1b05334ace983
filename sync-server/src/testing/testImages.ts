import sharp from 'sharp';

/**
 * A real image of `width` × `height` in one colour, encoded by sharp: for tests of type
 * detection and thumbnails here and in the browser tests (which cannot import sharp
 * themselves: it is a dependency of this package only).
 */
export function testImage(format: 'png' | 'jpeg', width: number, height: number): Promise<Buffer> {
  const canvas = sharp({ create: { width, height, channels: 3, background: '#3a7' } });
  return (format === 'png' ? canvas.png() : canvas.jpeg()).toBuffer();
}
