// A horizontal bar chart of timings on a canvas: one group per operation
// (forward, backward), one bar per runner, the milliseconds written at the end.
export function drawBars(canvas, groups) {
  const ctx = canvas.getContext('2d');
  const barHeight = 20;
  const gap = 6;
  const labelWidth = 170;
  const rows = groups.reduce((n, g) => n + g.bars.length + 1, 0);
  canvas.width = 720;
  canvas.height = rows * (barHeight + gap) + 10;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = '13px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  const longest = Math.max(...groups.flatMap((g) => g.bars.map((b) => b.ms)), 1e-9);
  const room = canvas.width - labelWidth - 90;
  let y = 6;
  for (const group of groups) {
    ctx.fillStyle = '#1c2430';
    ctx.fillText(group.label, 4, y + barHeight / 2);
    y += barHeight + gap;
    for (const bar of group.bars) {
      ctx.fillStyle = '#5f6b7a';
      ctx.fillText(bar.name, 16, y + barHeight / 2);
      const width = Math.max(2, (bar.ms / longest) * room);
      ctx.fillStyle = bar.color;
      ctx.fillRect(labelWidth, y, width, barHeight);
      ctx.fillStyle = '#1c2430';
      ctx.fillText(`${bar.ms < 1 ? bar.ms.toFixed(3) : bar.ms.toFixed(2)} ms`, labelWidth + width + 6, y + barHeight / 2);
      y += barHeight + gap;
    }
  }
}

// Lines over epochs on a canvas: series [{ name, color, points: [[x, y]] }]
// with y in [0, yMax], x in [0, xMax]; axes labelled, a legend on top.
export function drawLines(canvas, series, { xMax, yMax, xLabel }) {
  const ctx = canvas.getContext('2d');
  canvas.width = 720;
  canvas.height = 240;
  const left = 44;
  const top = 28;
  const width = canvas.width - left - 16;
  const height = canvas.height - top - 34;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = '12px system-ui, sans-serif';
  ctx.strokeStyle = '#dfe3e8';
  ctx.fillStyle = '#5f6b7a';
  ctx.textBaseline = 'middle';
  for (let k = 0; k <= 4; k++) {
    const y = top + height - (k / 4) * height;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillText(((k / 4) * yMax).toFixed(yMax < 2 ? 2 : 1), 4, y);
  }
  ctx.fillText(xLabel, left + width / 2 - 20, canvas.height - 10);
  for (let k = 0; k <= xMax; k++) ctx.fillText(String(k), left + (k / xMax) * width - 3, top + height + 12);
  let legend = left;
  for (const { name, color, points } of series) {
    ctx.fillStyle = color;
    ctx.fillRect(legend, 8, 12, 12);
    ctx.fillStyle = '#1c2430';
    ctx.fillText(name, legend + 16, 14);
    legend += ctx.measureText(name).width + 40;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach(([x, y], i) => {
      const px = left + (x / xMax) * width;
      const py = top + height - (Math.min(y, yMax) / yMax) * height;
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.stroke();
    ctx.lineWidth = 1;
  }
}
