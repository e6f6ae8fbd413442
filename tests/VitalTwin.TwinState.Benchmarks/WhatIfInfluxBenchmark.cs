using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.History;
using VitalTwin.TwinState.History.Tests.Influx;
using VitalTwin.TwinState.WhatIf;

namespace VitalTwin.TwinState.Benchmarks;

/// <summary>
/// SettingsSimulation as the service runs it on InfluxDB: the patient's 72 h written to a real influxd 1.6.7 (Debian's, on
/// free ports, behind the tests' write proxy), then read back in slices by <see cref="SettingsSimulationHistory"/> and
/// replayed. Three timed runs; the read and the replay are reported apart.
/// </summary>
internal sealed class WhatIfInfluxBenchmark(TimeSpan window, int seed, TextWriter log)
{
    private const string Patient = "whatif-benchmark";
    private const int Runs = 3;

    public async Task<IReadOnlyList<(TimeSpan Read, TimeSpan Replay)>> RunAsync()
    {
        await using var influxd = await InfluxServer.StartAsync();
        await using var proxy = await InfluxWriteProxy.StartAsync(influxd.Url);
        await influxd.ExecuteAsync("CREATE DATABASE \"vitaltwin\"", CancellationToken.None);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["History:Influx:Url"] = proxy.Url.ToString(),
            ["History:Influx:Database"] = "vitaltwin",
            ["History:Influx:Username"] = "vitaltwin",
            ["History:Influx:Password"] = "vitaltwin",
            ["History:Influx:RequestTimeout"] = "00:02:00",
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddVitalsHistory(configuration).BuildServiceProvider();
        var store = services.GetRequiredService<IVitalsStore>();

        var written = Stopwatch.StartNew();
        var points = RecordedPatient.Readings(window, seed)
            .Select(r => new VitalPoint(Patient, VitalCatalogue.Default[r.Sign].Loinc, r.Value, VitalCatalogue.Default[r.Sign].CanonicalUnit, r.At, "monitor-1"))
            .Chunk(50_000);
        var count = 0;
        foreach (var batch in points)
        {
            await store.WriteAsync(batch, CancellationToken.None);
            count += batch.Length;
        }
        log.WriteLine($"{count:N0} readings written to influxd in {written.Elapsed.TotalSeconds:N1} s.");

        var history = new SettingsSimulationHistory(store, services.GetRequiredService<IOptions<HistoryOptions>>(), VitalCatalogue.Default);
        var replay = new SettingsReplay(ReplayConfiguration.Shipped, VitalCatalogue.Default);
        var (from, to) = (RecordedPatient.Start, RecordedPatient.Start + window);
        var results = new List<(TimeSpan, TimeSpan)>();
        for (var run = 0; run <= Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var readings = await history.ReadAsync(Patient, from, to, CancellationToken.None);
            var read = clock.Elapsed;
            clock.Restart();
            var result = WhatIfBenchmark.Replay(replay, readings, window, WhatIfBenchmark.WiderLimit);
            var replayed = clock.Elapsed;
            // Run 0 warms the JIT and influxd's caches.
            if (run > 0)
            {
                results.Add((read, replayed));
                log.WriteLine($"influxd run {run}: read {readings.Count:N0} readings in {read.TotalSeconds:N2} s, replayed in {replayed.TotalSeconds:N2} s, " +
                    $"{(read + replayed).TotalSeconds:N2} s in all; {result.Disappeared.Count} alerts disappear.");
            }
        }
        return results;
    }
}
