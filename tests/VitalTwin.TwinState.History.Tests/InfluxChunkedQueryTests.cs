using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.TwinState.History.Tests.Influx;
using Xunit.Abstractions;

namespace VitalTwin.TwinState.History.Tests;

/// <summary>
/// Histories longer than one chunk of InfluxDB's answer (10,000 points): influxd 1.x flags such a series
/// <c>partial</c> even when it sends all of it, so these are read as a chunked stream and joined again.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class InfluxChunkedQueryTests(InfluxFixture influx, ITestOutputHelper output) : IDisposable
{
    private readonly List<StoreHost> _hosts = [];
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    private CancellationToken Ct => _timeout.Token;

    [Theory]
    [InlineData(12_000)]
    [InlineData(25_000)]
    public async Task Every_reading_of_a_vital_longer_than_a_chunk_comes_back_once_in_order(int count)
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var points = Vitals.Series(patient, Vitals.HeartRate, count, TimeSpan.FromSeconds(1), i => 50 + ((i % 97) * 0.5));
        await store.WriteAsync(points, Ct);

        var clock = Stopwatch.StartNew();
        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        clock.Stop();

        output.WriteLine($"{count} raw points of one vital read in {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(Vitals.HeartRate, series.Loinc);
        Assert.Equal(points.Select(p => new HistoryPoint(p.ObservedAt, p.Value, p.Value, p.Value, 1)), series.Points);
    }

    [Fact]
    public async Task Two_vitals_each_longer_than_a_chunk_come_back_as_two_whole_series()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var heartRate = Vitals.Series(patient, Vitals.HeartRate, 15_000, TimeSpan.FromSeconds(1), i => 60 + (i % 40));
        var spo2 = Vitals.Series(patient, Vitals.SpO2, 11_000, TimeSpan.FromSeconds(1), i => 90 + (i % 10));
        await store.WriteAsync([.. heartRate, .. spo2], Ct);

        var series = await store.QueryAsync(Vitals.Raw(patient), Ct);

        // Ordered by code, as InfluxDB orders tag groups.
        Assert.Equal([Vitals.SpO2, Vitals.HeartRate], series.Select(s => s.Loinc));
        Assert.Equal(spo2.Select(p => (p.ObservedAt, p.Value)), series[0].Points.Select(p => (p.Time, p.Mean)));
        Assert.Equal(heartRate.Select(p => (p.ObservedAt, p.Value)), series[1].Points.Select(p => (p.Time, p.Mean)));
    }

    [Fact]
    public async Task More_windows_than_a_chunk_holds_come_back_whole()
    {
        const int windows = 12_000;
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var points = Vitals.Series(patient, Vitals.HeartRate, windows * 2, TimeSpan.FromMilliseconds(500), i => 60 + i);
        await store.WriteAsync(points, Ct);

        var query = new HistoryQuery(patient, [Vitals.HeartRate], Vitals.Start, Vitals.Start.AddSeconds(windows), TimeSpan.FromSeconds(1));
        var series = Assert.Single(await store.QueryAsync(query, Ct));

        // Window w holds readings 2w and 2w+1, valued 60+2w and 61+2w.
        var expected = Enumerable.Range(0, windows)
            .Select(w => new HistoryPoint(Vitals.Start.AddSeconds(w), 60.5 + (2 * w), 60 + (2 * w), 61 + (2 * w), 2));
        Assert.Equal(expected, series.Points);
    }

    [Fact]
    public async Task The_configured_maximum_still_refuses_a_longer_history_and_admits_one_exactly_as_long()
    {
        var store = NewStore(maxPoints: 20_000);
        var patient = Vitals.NewPatient();
        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 25_000, TimeSpan.FromSeconds(1), i => i), Ct);

        var refused = await Assert.ThrowsAsync<InvalidHistoryQueryException>(() => store.QueryAsync(Vitals.Raw(patient), Ct));
        var exactly = new HistoryQuery(patient, [], Vitals.Start, Vitals.Start.AddSeconds(20_000), null);
        var admitted = Assert.Single(await store.QueryAsync(exactly, Ct));

        Assert.Contains("more than 20000 points", refused.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (double)i), admitted.Points.Select(p => p.Mean));
    }

    [Fact]
    public async Task The_maximum_counts_every_vital_together_across_chunks()
    {
        var store = NewStore(maxPoints: 20_000);
        var patient = Vitals.NewPatient();
        await store.WriteAsync(
        [
            .. Vitals.Series(patient, Vitals.HeartRate, 12_000, TimeSpan.FromSeconds(1), i => 70),
            .. Vitals.Series(patient, Vitals.SpO2, 12_000, TimeSpan.FromSeconds(1), i => 97),
        ], Ct);

        var refused = await Assert.ThrowsAsync<InvalidHistoryQueryException>(() => store.QueryAsync(Vitals.Raw(patient), Ct));
        var one = Assert.Single(await store.QueryAsync(Vitals.Raw(patient, Vitals.SpO2), Ct));

        Assert.Contains("more than 20000 points", refused.Message, StringComparison.Ordinal);
        Assert.Equal(12_000, one.Points.Count);
    }

    public enum Cut
    {
        AfterAWholeChunk,
        InsideAChunk,
        ByADroppedConnection,
    }

    [Theory]
    [InlineData(Cut.AfterAWholeChunk)]
    [InlineData(Cut.InsideAChunk)]
    [InlineData(Cut.ByADroppedConnection)]
    public async Task An_answer_that_ends_before_its_last_chunk_is_a_failure_not_a_shorter_history(Cut cut)
    {
        var patient = Vitals.NewPatient();
        await NewStore().WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 25_000, TimeSpan.FromSeconds(1), i => i), Ct);
        await using var relay = await CuttingRelay.StartAsync(influx.Server.Url, cut);
        var store = NewStore(url: relay.Url);

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => store.QueryAsync(Vitals.Raw(patient), Ct));

        Assert.Equal(HttpRequestError.ResponseEnded, failure.HttpRequestError);
        Assert.DoesNotContain(patient, failure.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, relay.Queries);
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        _timeout.Dispose();
    }

    private IVitalsStore NewStore(int? maxPoints = null, Uri? url = null)
    {
        var settings = influx.Settings();
        if (maxPoints is { } max)
        {
            settings["History:MaxPointsPerQuery"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (url is not null)
        {
            settings["History:Influx:Url"] = url.ToString();
        }

        var host = new StoreHost(settings);
        _hosts.Add(host);
        return host.Store;
    }

    /// <summary>
    /// Passes <c>/query</c> on to the real influxd and relays its chunked answer only up to <see cref="Cut"/>, as a
    /// proxy with a short read timeout or a crashing server would.
    /// </summary>
    private sealed class CuttingRelay : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _upstream;
        private readonly Cut _cut;
        private int _queries;

        private CuttingRelay(WebApplication app, Uri upstream, Cut cut)
        {
            _app = app;
            _upstream = new HttpClient { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(30) };
            _cut = cut;
        }

        public Uri Url { get; private set; } = null!;

        public int Queries => Volatile.Read(ref _queries);

        public static async Task<CuttingRelay> StartAsync(Uri upstream, Cut cut)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Configuration.Sources.Clear();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var relay = new CuttingRelay(app, upstream, cut);
            app.MapGet("/query", relay.RelayAsync);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            relay.Url = new Uri(address);
            return relay;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _upstream.Dispose();
        }

        private async Task RelayAsync(HttpContext context)
        {
            Interlocked.Increment(ref _queries);
            var ct = context.RequestAborted;
            using var response = await _upstream.GetAsync("query" + context.Request.QueryString.Value, HttpCompletionOption.ResponseHeadersRead, ct);
            using var chunks = new StreamReader(await response.Content.ReadAsStreamAsync(ct));

            // influxd 1.x writes one chunk per line.
            var first = await chunks.ReadLineAsync(ct);
            var second = await chunks.ReadLineAsync(ct);
            Assert.Contains("\"partial\":true", first, StringComparison.Ordinal);
            Assert.NotNull(second);

            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(first + "\n", ct);
            if (_cut != Cut.AfterAWholeChunk)
            {
                await context.Response.WriteAsync(second[..(second.Length / 2)], ct);
            }

            await context.Response.Body.FlushAsync(ct);
            if (_cut == Cut.ByADroppedConnection)
            {
                context.Abort();
            }
        }
    }
}
