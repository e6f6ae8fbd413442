using Microsoft.Extensions.Options;

namespace VitalTwin.TwinState.History.Tests;

public sealed class InMemoryVitalsStoreTests : VitalsStoreContract
{
    protected override Dictionary<string, string?> Settings() => [];

    [Fact]
    public async Task Each_series_keeps_only_its_newest_readings()
    {
        var store = NewStore(new Dictionary<string, string?> { ["History:Memory:MaxPointsPerSeries"] = "100" });
        var patient = Vitals.NewPatient();

        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 250, TimeSpan.FromSeconds(1), i => i), Ct);
        await store.WriteAsync(Vitals.Series(patient, Vitals.SpO2, 30, TimeSpan.FromSeconds(1), i => i), Ct);

        var series = await store.QueryAsync(Vitals.Raw(patient), Ct);
        Assert.Equal(Enumerable.Range(150, 100).Select(i => (double)i), series.Single(s => s.Loinc == Vitals.HeartRate).Points.Select(p => p.Mean));
        Assert.Equal(30, series.Single(s => s.Loinc == Vitals.SpO2).Points.Count);
    }

    [Fact]
    public async Task A_late_reading_is_kept_in_order_unless_it_is_older_than_everything_kept()
    {
        var store = NewStore(new Dictionary<string, string?> { ["History:Memory:MaxPointsPerSeries"] = "5" });
        var patient = Vitals.NewPatient();
        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 5, TimeSpan.FromSeconds(10), i => (i + 1) * 10, start: Vitals.Start.AddSeconds(10)), Ct);

        await store.WriteAsync(
        [
            new VitalPoint(patient, Vitals.HeartRate, 25, "/min", Vitals.Start.AddSeconds(25), "monitor-1"),
            new VitalPoint(patient, Vitals.HeartRate, -1, "/min", Vitals.Start, "monitor-1"),
        ], Ct);

        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        Assert.Equal([20.0, 25, 30, 40, 50], series.Points.Select(p => p.Mean));
    }

    [Fact]
    public async Task Replays_of_an_evicted_window_do_not_grow_a_series_past_its_bound()
    {
        var store = NewStore(new Dictionary<string, string?> { ["History:Memory:MaxPointsPerSeries"] = "10" });
        var patient = Vitals.NewPatient();
        var points = Vitals.Series(patient, Vitals.HeartRate, 25, TimeSpan.FromSeconds(1), i => i);

        await store.WriteAsync(points, Ct);
        await store.WriteAsync(points, Ct);
        await store.WriteAsync(points.Take(12).ToList(), Ct);

        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        Assert.Equal(Enumerable.Range(15, 10).Select(i => (double)i), series.Points.Select(p => p.Mean));
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_see_a_consistent_bounded_series()
    {
        const int writers = 8, perWriter = 2_000, bound = 5_000;
        var store = new InMemoryVitalsStore(Options.Create(new HistoryOptions { Memory = { MaxPointsPerSeries = bound } }));
        var patient = Vitals.NewPatient();
        using var stop = new CancellationTokenSource();
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var reader = Task.Run(async () =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested)
            {
                var series = await store.QueryAsync(Vitals.Raw(patient), Ct);
                if (series.Count == 1)
                {
                    var times = series[0].Points.Select(p => p.Time).ToList();
                    Assert.InRange(times.Count, 1, bound);
                    Assert.Equal(times.Order(), times);
                }

                reads++;
                reading.TrySetResult();
            }

            return reads;
        }, Ct);
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // Writers interleave in time, so most inserts land inside the ring rather than at its end.
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i += 100)
            {
                var batch = Enumerable.Range(i, 100)
                    .Select(k => new VitalPoint(patient, Vitals.HeartRate, k, "/min", Vitals.Start.AddMilliseconds((k * writers) + w), $"device-{w}"))
                    .ToList();
                await store.WriteAsync(batch, Ct);
            }
        }, Ct)));
        await stop.CancelAsync();

        Assert.InRange(await reader, 1, int.MaxValue);
        var final = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        var expected = Enumerable.Range(0, writers * perWriter).Select(n => Vitals.Start.AddMilliseconds(n)).TakeLast(bound);
        Assert.Equal(expected, final.Points.Select(p => p.Time));
    }
}
