// A profile picture as the page sends it. Everyone who sees a person shows their picture
// small, and the server takes pictures of at most 4096 px and 1 MiB: a photo from a phone
// (4000 px, 5 MB) is shrunk here to SIDE px on its longest side.

export const SIDE = 512;

/**
 * `file` itself when it is small enough, or not a picture this browser decodes (the server
 * then says what is wrong with it); otherwise a WebP of at most `side` px a side.
 */
export async function shrinkPicture(file, side = SIDE) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file;
  }
  try {
    const scale = side / Math.max(bitmap.width, bitmap.height);
    if (scale >= 1) return file;
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
    const context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await canvas.convertToBlob({ type: "image/webp", quality: 0.9 });
  } finally {
    bitmap.close();
  }
}
