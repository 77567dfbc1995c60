// Draws a rows x cols Float32Array as a heatmap: blue (negative) - white (0) -
// red (positive), scaled by the largest |value|. Returns the value range.
export function drawHeatmap(canvas, data, rows, cols) {
  const ctx = canvas.getContext('2d');
  const maxWidth = 640;
  const maxHeight = 320;
  const cell = Math.max(1, Math.min(28, Math.floor(maxWidth / Math.max(cols, 1)), Math.floor(maxHeight / Math.max(rows, 1))));
  canvas.width = Math.max(cols * cell, 1);
  canvas.height = Math.max(rows * cell, 1);
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (data.length === 0) min = max = 0;
  const scale = Math.max(Math.abs(min), Math.abs(max)) || 1;
  const image = ctx.createImageData(canvas.width, canvas.height);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [red, green, blue] = color(data[r * cols + c] / scale);
      for (let y = r * cell; y < (r + 1) * cell; y++) {
        for (let x = c * cell; x < (c + 1) * cell; x++) {
          const p = (y * canvas.width + x) * 4;
          image.data[p] = red;
          image.data[p + 1] = green;
          image.data[p + 2] = blue;
          image.data[p + 3] = 255;
        }
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  return { min, max };
}

// t in [-1, 1] -> a diverging colour (the legend's gradient in style.css).
function color(t) {
  const low = [49, 99, 190];
  const high = [200, 55, 45];
  const end = t < 0 ? low : high;
  const a = Math.min(1, Math.abs(t));
  return end.map((channel) => Math.round(255 + (channel - 255) * a));
}
