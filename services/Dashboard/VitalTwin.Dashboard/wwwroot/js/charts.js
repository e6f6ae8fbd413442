// uPlot glue for the dashboard: sparklines on the ward tiles. Each chart lives on its element and is updated in place.
window.vitalTwinCharts = (() => {
  const sparkOptions = (width, height) => ({
    width, height,
    legend: { show: false },
    cursor: { show: false },
    select: { show: false },
    scales: { x: { time: false } },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: '#1f4e79', width: 1.5, points: { show: false } }],
  });

  function sparklines(tile, series) {
    if (!tile) return;
    for (const { loinc, values } of series) {
      const host = tile.querySelector(`.sparkline[data-loinc="${loinc}"]`);
      if (!host) continue;
      const data = [values.map((_, i) => i), values];
      if (host._chart) {
        host._chart.setData(data);
      } else if (values.length > 1) {
        host._chart = new uPlot(sparkOptions(host.clientWidth || 96, host.clientHeight || 24), data, host);
      }
    }
  }

  return { sparklines };
})();
