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
