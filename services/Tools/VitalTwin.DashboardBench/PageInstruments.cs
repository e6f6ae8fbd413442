namespace VitalTwin.DashboardBench;

/// <summary>
/// What the benchmark installs in each page before the dashboard's own scripts run, on the page's clock
/// (<c>performance.timeOrigin + performance.now()</c>, milliseconds since the epoch):
/// when the ward's tiles are first all drawn, when each vital value is first shown, frame intervals and long tasks.
/// </summary>
internal static class PageInstruments
{
    public const string Script = """
        (() => {
          const bench = window.vitalTwinBench = {
            tilesTarget: 0, tilesDrawnAt: null, tilesPaintedAt: null,
            // Which shown values to stamp: 'all', a single value's text, or none (null).
            recordValues: null, shown: new Map(),
            recordingFrames: false, frames: [], longTasks: [],
          };
          const now = () => performance.timeOrigin + performance.now();
          const allTilesDrawn = () => {
            const tiles = document.querySelectorAll('[data-testid=tile]');
            if (tiles.length < bench.tilesTarget) return false;
            for (const tile of tiles) {
              if (tile.querySelectorAll('[data-testid=vital-value]').length < 5) return false;
            }
            return true;
          };
          const stamp = (value, at) => {
            const text = value.textContent;
            if (bench.recordValues !== 'all' && text !== bench.recordValues) return;
            const row = value.closest('[data-testid=vital]');
            const tile = value.closest('[data-testid=tile]');
            if (!row || !tile) return;
            const key = tile.dataset.patient + '|' + row.dataset.loinc + '|' + text;
            if (!bench.shown.has(key)) bench.shown.set(key, at);
          };
          new MutationObserver(records => {
            const at = now();
            if (bench.tilesTarget > 0 && bench.tilesDrawnAt === null && allTilesDrawn()) {
              bench.tilesDrawnAt = at;
              requestAnimationFrame(() => { bench.tilesPaintedAt = now(); });
            }
            if (bench.recordValues === null) return;
            for (const record of records) {
              const target = record.target.nodeType === Node.TEXT_NODE ? record.target.parentElement : record.target;
              const value = target && target.closest('[data-testid=vital-value]');
              if (value) stamp(value, at);
              for (const added of record.addedNodes) {
                if (added.nodeType !== Node.ELEMENT_NODE) continue;
                if (added.matches('[data-testid=vital-value]')) stamp(added, at);
                for (const inner of added.querySelectorAll('[data-testid=vital-value]')) stamp(inner, at);
              }
            }
          }).observe(document, { subtree: true, childList: true, characterData: true });
          let last = null;
          const frame = t => {
            if (bench.recordingFrames && last !== null) bench.frames.push(t - last);
            last = t;
            requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
          try {
            new PerformanceObserver(list => {
              if (!bench.recordingFrames) return;
              for (const entry of list.getEntries()) bench.longTasks.push(entry.duration);
            }).observe({ type: 'longtask' });
          } catch { /* a browser without long-task timing reports none */ }
        })();
        """;

    public const string Now = "() => performance.timeOrigin + performance.now()";

    /// <summary>The shown values stamped so far, as [patient|loinc|text, page time].</summary>
    public const string Shown = "() => [...window.vitalTwinBench.shown.entries()]";
}
