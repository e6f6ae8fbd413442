// uPlot glue for the patient view: one trend chart per vital (window means with their min-max band, the usual range,
// the forecast with its interval, anomaly markers, artifact episodes) and the NEWS2 history. A chart is built anew
// on each call: a chart holds at most ~1,500 points, which uPlot draws in a few milliseconds.
window.vitalTwinTrends = (() => {
  const colours = {
    mean: '#1f4e79',
    band: 'rgba(31, 78, 121, 0.18)',
    usual: 'rgba(46, 125, 50, 0.14)',
    usualEdge: 'rgba(46, 125, 50, 0.6)',
    forecast: '#6a1b9a',
    forecastBand: 'rgba(106, 27, 154, 0.16)',
    artifact: 'rgba(110, 110, 110, 0.22)',
    marker: '#b3261e',
    news2: '#7a2e00',
  };

  const axes = (unit) => [
    { stroke: '#333', grid: { stroke: '#e6e6e6' } },
    { stroke: '#333', grid: { stroke: '#e6e6e6' }, label: unit, size: 56 },
  ];

  // Times are shown in UTC, as the notes under the charts give them.
  const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

  function replace(host, options, data, hiddenInLegend = []) {
    if (!host) return;
    if (host._chart) host._chart.destroy();
    host._chart = new uPlot({ width: host.clientWidth || 640, height: 220, tzDate: utc, ...options }, data, host);
    const rows = host.querySelectorAll('.u-legend .u-series');
    hiddenInLegend.forEach(i => { if (rows[i]) rows[i].style.display = 'none'; });
  }

  // The series share uPlot's x values: the windows, then the forecast's start and end past them.
  function shape(chart) {
    const xs = [...chart.times];
    const columns = [[...chart.means], [...chart.mins], [...chart.maxes], [], [], []];
    const f = chart.forecast;
    let fromIndex = -1, atIndex = -1;
    if (f) {
      const push = (x) => { xs.push(x); columns.slice(0, 3).forEach(c => c.push(null)); return xs.length - 1; };
      fromIndex = xs.length > 0 && xs[xs.length - 1] >= f.from ? xs.length - 1 : push(f.from);
      atIndex = f.at > xs[xs.length - 1] ? push(f.at) : -1;
    }
    for (let i = 0; i < xs.length; i++) {
      const forecastAt = (v, start) => (i === fromIndex ? start : i === atIndex ? v : null);
      columns[3].push(f ? forecastAt(f.value, f.fromValue) : null);
      columns[4].push(f && f.lower != null ? forecastAt(f.lower, f.fromValue) : null);
      columns[5].push(f && f.upper != null ? forecastAt(f.upper, f.fromValue) : null);
    }
    return [xs, ...columns];
  }

  function yRange(chart) {
    return (u, min, max) => {
      const extra = [];
      if (chart.baseline) extra.push(chart.baseline.low, chart.baseline.high);
      chart.markers.forEach(m => extra.push(m.value));
      const all = [min, max, ...extra].filter(v => v != null && isFinite(v));
      if (all.length === 0) return [0, 1];
      let lo = Math.min(...all), hi = Math.max(...all);
      const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
      return [lo - pad, hi + pad];
    };
  }

  function drawUnderlays(chart) {
    return (u) => {
      const { ctx, bbox } = u;
      ctx.save();
      ctx.beginPath();
      ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
      ctx.clip();
      if (chart.baseline) {
        const top = u.valToPos(chart.baseline.high, 'y', true), bottom = u.valToPos(chart.baseline.low, 'y', true);
        ctx.fillStyle = colours.usual;
        ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
        ctx.strokeStyle = colours.usualEdge;
        ctx.setLineDash([2, 3]);
        ctx.strokeRect(bbox.left, top, bbox.width, bottom - top);
        ctx.setLineDash([]);
      }
      ctx.fillStyle = colours.artifact;
      for (const e of chart.episodes) {
        const left = u.valToPos(e.start, 'x', true), end = u.valToPos(e.end ?? chart.to, 'x', true);
        ctx.fillRect(left, bbox.top, Math.max(2, end - left), bbox.height);
      }
      ctx.restore();
    };
  }

  function drawMarkers(chart) {
    return (u) => {
      const { ctx } = u;
      ctx.save();
      ctx.setLineDash([]);
      for (const m of chart.markers) {
        const x = u.valToPos(m.at, 'x', true), y = u.valToPos(m.value, 'y', true);
        ctx.beginPath();
        ctx.moveTo(x, y - 7);
        ctx.lineTo(x + 6, y + 5);
        ctx.lineTo(x - 6, y + 5);
        ctx.closePath();
        ctx.fillStyle = m.open ? colours.marker : '#ffffff';
        ctx.strokeStyle = colours.marker;
        ctx.lineWidth = 2;
        ctx.fill();
        ctx.stroke();
      }
      ctx.restore();
    };
  }

  function trend(host, chart) {
    const data = shape(chart);
    const f = chart.forecast;
    const dashed = { stroke: colours.forecast, width: 1.5, dash: [6, 4], spanGaps: true, points: { show: false } };
    replace(host, {
      scales: { x: { time: true, range: () => [chart.from, Math.max(chart.to, f ? f.at : chart.to)] }, y: { range: yRange(chart) } },
      axes: axes(chart.unit),
      series: [
        {},
        { label: 'Mean (min–max band)', stroke: colours.mean, width: 1.5, points: { show: false } },
        { label: 'Min', stroke: 'transparent', points: { show: false } },
        { label: 'Max', stroke: 'transparent', points: { show: false } },
        { label: 'Forecast (80 % band)', ...dashed },
        { label: 'Forecast 80 % low', ...dashed, stroke: 'transparent' },
        { label: 'Forecast 80 % high', ...dashed, stroke: 'transparent' },
      ],
      bands: [
        { series: [3, 2], fill: colours.band },
        { series: [6, 5], fill: colours.forecastBand },
      ],
      hooks: { drawClear: [drawUnderlays(chart)], draw: [drawMarkers(chart)] },
    }, data, [2, 3, 5, 6]);
  }

  function news2(host, from, to, points) {
    replace(host, {
      scales: { x: { time: true, range: () => [from, to] }, y: { range: (u, min, max) => [0, Math.max(8, max + 1)] } },
      axes: axes('NEWS2'),
      series: [
        {},
        { label: 'NEWS2', stroke: colours.news2, width: 2, paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } },
      ],
    }, [points.map(p => p.time), points.map(p => p.total)]);
  }

  return { trend, news2 };
})();
