using System.Diagnostics;
using System.Net;
using InfluxDB.Client.Core.Exceptions;
using VitalTwin.TwinState.History.Tests.Influx;
using Xunit.Abstractions;

namespace VitalTwin.TwinState.History.Tests;

[Collection(InfluxCollection.Name)]
public sealed class InfluxVitalsStoreTests(InfluxFixture influx, ITestOutputHelper output) : VitalsStoreContract
{
    private static readonly TimeSpan OutageTimeout = TimeSpan.FromSeconds(60);

    protected override Dictionary<string, string?> Settings() => influx.Settings();

    [Fact]
    public void Configuration_with_a_url_selects_the_influx_adapter()
    {
        Assert.IsType<InfluxVitalsStore>(NewStore());
    }

    [Fact]
    public async Task A_write_that_started_while_influxd_was_down_completes_once_it_is_back()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var before = Vitals.Series(patient, Vitals.HeartRate, 100, TimeSpan.FromSeconds(1), i => 60 + (i % 20));
        var during = Vitals.Series(patient, Vitals.HeartRate, 100, TimeSpan.FromSeconds(1), i => 80 + (i % 20), start: Vitals.Start.AddMinutes(5));
        await store.WriteAsync(before, Ct);

        await influx.Server.StopAsync();
        Task write;
        try
        {
            var refused = influx.Proxy.NextWriteAnswered(HttpStatusCode.BadGateway);
            write = store.WriteAsync(during, Ct);
            await refused.WaitAsync(OutageTimeout, Ct);
            Assert.False(write.IsCompleted, "WriteAsync must not complete while InfluxDB has not accepted the batch.");
        }
        finally
        {
            await influx.Server.StartAsync(Ct);
        }

        await write.WaitAsync(OutageTimeout, Ct);

        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        Assert.Equal(before.Concat(during).Select(p => (p.ObservedAt, p.Value)), series.Points.Select(p => (p.Time, p.Mean)));
    }

    [Fact]
    public async Task A_write_fails_once_its_retries_are_exhausted()
    {
        var store = NewStore(new Dictionary<string, string?> { ["History:Influx:MaxRetryAttempts"] = "3" });
        var patient = Vitals.NewPatient();

        await influx.Server.StopAsync();
        int attempts;
        Exception failure;
        try
        {
            var before = influx.Proxy.WriteAttempts;
            failure = await Record.ExceptionAsync(() => store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 5, TimeSpan.FromSeconds(1), i => i), Ct));
            attempts = influx.Proxy.WriteAttempts - before;
        }
        finally
        {
            await influx.Server.StartAsync(Ct);
        }

        Assert.IsType<BadGatewayException>(failure);
        Assert.Equal(4, attempts);
    }

    [Fact]
    public async Task A_write_the_server_refuses_is_not_retried()
    {
        var store = NewStore(new Dictionary<string, string?> { ["History:Influx:Database"] = "no_such_database" });
        var before = influx.Proxy.WriteAttempts;

        var refused = await Assert.ThrowsAsync<VitalsWriteRejectedException>(() =>
            store.WriteAsync(Vitals.Series(Vitals.NewPatient(), Vitals.HeartRate, 5, TimeSpan.FromSeconds(1), i => i), Ct));

        Assert.Equal(404, refused.StatusCode);
        Assert.Equal(1, influx.Proxy.WriteAttempts - before);
    }

    [Fact]
    public async Task Writes_are_split_into_batches_and_all_arrive()
    {
        var store = NewStore(new Dictionary<string, string?> { ["History:Influx:BatchSize"] = "7" });
        var patient = Vitals.NewPatient();
        var before = influx.Proxy.WriteAttempts;

        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 50, TimeSpan.FromSeconds(1), i => i), Ct);

        Assert.Equal(8, influx.Proxy.WriteAttempts - before);
        Assert.Equal(50, Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct)).Points.Count);
    }

    [Fact]
    public async Task Write_rate_into_influxd()
    {
        const int patients = 20, perPatient = 5_000;
        var store = NewStore();
        var ids = Enumerable.Range(0, patients).Select(_ => Vitals.NewPatient()).ToList();
        var points = ids
            .SelectMany(id => Vitals.Series(id, Vitals.HeartRate, perPatient, TimeSpan.FromSeconds(1), i => 60 + (i % 40)))
            .ToList();
        await store.WriteAsync(Vitals.Series(Vitals.NewPatient(), Vitals.HeartRate, 10, TimeSpan.FromSeconds(1), i => i), Ct);

        var clock = Stopwatch.StartNew();
        await store.WriteAsync(points, Ct);
        clock.Stop();

        var rate = points.Count / clock.Elapsed.TotalSeconds;
        output.WriteLine($"{points.Count} points in {clock.Elapsed.TotalMilliseconds:F0} ms: {rate:F0} points/s (5,000-line batches through the /api/v2/write proxy)");
        var window = new HistoryQuery(ids[^1], [], Vitals.Start, Vitals.Start.AddDays(1), TimeSpan.FromDays(1));
        Assert.Equal(perPatient, Assert.Single(Assert.Single(await store.QueryAsync(window, Ct)).Points).Count);
    }
}
