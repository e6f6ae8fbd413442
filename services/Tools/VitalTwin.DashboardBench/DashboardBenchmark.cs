using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Microsoft.Playwright;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.DevHost;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.DashboardBench;

/// <summary>
/// The whole system and the dashboard on this machine (LocalCluster), fed through the Gateway over gRPC, and the ward
/// overview in Debian's Chromium: first render of a 40-patient ward, reading-to-tile delay, and a 200-patient ward
/// updating at 1 Hz per vital. Every time is taken in the page, on the page's clock; send times are carried over to
/// it by a measured offset.
/// </summary>
internal sealed class DashboardBenchmark(DashboardBenchOptions options, TextWriter output, TimeProvider clock)
{
    private const string SmallWard = "ward-40";
    private const string LargeWard = "ward-200";
    private const int SmallWardPatients = 40;
    private const int LargeWardPatients = 200;
    // The 200-patient ward's last reading: a heart rate its running values never reach, so its arrival is unmistakable.
    private const double LastHeartRate = 149;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public async Task<DashboardBenchResults> RunAsync(CancellationToken cancellationToken)
    {
        output.WriteLine("Starting Kafka, the services and the dashboard...");
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { StartTimeout = Patience }, cancellationToken);
        var dashboard = await cluster.StartDashboardAsync([SmallWard, LargeWard], cancellationToken);
        var staff = cluster.Tokens.Mint("dashboard-bench", [Roles.Clinician, Roles.Registrar], [Caller.EveryWard], TimeSpan.FromHours(12));
        using var twinState = cluster.Channel("TwinState", staff);
        using var gateway = cluster.Channel("Gateway", staff);
        var twins = new TwinQuery.TwinQueryClient(twinState);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(gateway);

        output.WriteLine($"Admitting {SmallWardPatients} patients to {SmallWard} and {LargeWardPatients} to {LargeWard}...");
        var small = await AdmitAsync(new DeviceRegistry.DeviceRegistryClient(gateway), ingestion, twins, SmallWard, SmallWardPatients, cancellationToken);
        var large = await AdmitAsync(new DeviceRegistry.DeviceRegistryClient(gateway), ingestion, twins, LargeWard, LargeWardPatients, cancellationToken);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var session = await SignInAsync(browser, dashboard);

        output.WriteLine($"First render of {SmallWard}, {options.FirstRenderRuns} loads...");
        var firstRenders = new List<double>();
        for (var run = 0; run < options.FirstRenderRuns; run++)
        {
            firstRenders.Add(await FirstRenderAsync(browser, dashboard, session, cancellationToken));
        }

        output.WriteLine($"Reading-to-tile delay, {options.Readings} readings at {options.Rate}/s over {SmallWard}...");
        var (delays, delaysMissing) = await ReadingToTileAsync(browser, dashboard, session, ingestion, small, cancellationToken);

        output.WriteLine($"{LargeWard} at 1 Hz per vital for {options.BusySeconds} s...");
        var busy = await BusyWardAsync(browser, dashboard, session, ingestion, large, cancellationToken);

        return new DashboardBenchResults(options, firstRenders, delays, delaysMissing, busy);
    }

    private async Task<IReadOnlyList<BedsideMonitor>> AdmitAsync(
        DeviceRegistry.DeviceRegistryClient registry, VitalSignIngestion.VitalSignIngestionClient ingestion, TwinQuery.TwinQueryClient twins,
        string ward, int count, CancellationToken cancellationToken)
    {
        var monitors = Enumerable.Range(1, count).Select(n => new BedsideMonitor($"bench-{ward}-{n:000}", $"bench-monitor-{ward}-{n:000}")).ToList();
        await BedsideMonitor.RegisterAllAsync(registry, monitors, clock.GetUtcNow().AddMinutes(-1), cancellationToken);
        await Parallel.ForEachAsync(monitors, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (monitor, token) =>
        {
            await ingestion.IngestAsync(monitor.Batch(clock.GetUtcNow(), 72, (97, 15, 122, 36.8)), monitor.Credential, cancellationToken: token);
            await PlaceAsync(twins, monitor.PatientId, ward, token);
        });
        return monitors;
    }

    // The twin appears once its first batch is applied; until then the context has no twin to go on.
    private static async Task PlaceAsync(TwinQuery.TwinQueryClient twins, string patientId, string ward, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Patience);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (true)
        {
            try
            {
                await twins.SetPatientContextAsync(
                    new SetPatientContextRequest { PatientId = patientId, Context = new PatientContext { Ward = ward }, RecordedBy = "dashboard-bench" },
                    cancellationToken: deadline.Token);
                return;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
            {
                await poll.WaitForNextTickAsync(deadline.Token);
            }
        }
    }

    private static async Task<string> SignInAsync(IBrowser browser, Uri dashboard)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = dashboard.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/local-sign-in");
        await page.GetByLabel("Your name").FillAsync("Bench Mark");
        await page.GetByRole(AriaRole.Group, new() { Name = "Wards" }).GetByLabel("Every ward").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByTestId("ward-list").WaitForAsync(new() { Timeout = (float)Patience.TotalMilliseconds });
        return await context.StorageStateAsync();
    }

    /// <summary>A fresh tab opening a ward, with the instruments in place before the page's own scripts run.</summary>
    private static async Task<(IBrowserContext Context, IPage Page)> OpenWardAsync(IBrowser browser, Uri dashboard, string session, string ward, int tiles)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = dashboard.ToString(),
            StorageState = session,
            ViewportSize = new ViewportSize { Width = 1600, Height = 1000 },
        });
        context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        await context.AddInitScriptAsync(PageInstruments.Script + $"window.vitalTwinBench.tilesTarget = {tiles};");
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/wards/{ward}");
        await page.WaitForFunctionAsync("() => window.vitalTwinBench.tilesPaintedAt !== null");
        return (context, page);
    }

    /// <summary>Navigation start to the frame after all 40 tiles have their five vitals in the DOM, in milliseconds.</summary>
    private static async Task<double> FirstRenderAsync(IBrowser browser, Uri dashboard, string session, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (context, page) = await OpenWardAsync(browser, dashboard, session, SmallWard, SmallWardPatients);
        await using (context)
        {
            return await page.EvaluateAsync<double>("() => window.vitalTwinBench.tilesPaintedAt - performance.timeOrigin");
        }
    }

    private async Task<(List<double> Delays, int Missing)> ReadingToTileAsync(
        IBrowser browser, Uri dashboard, string session, VitalSignIngestion.VitalSignIngestionClient ingestion, IReadOnlyList<BedsideMonitor> ward, CancellationToken cancellationToken)
    {
        var (context, page) = await OpenWardAsync(browser, dashboard, session, SmallWard, SmallWardPatients);
        await using (context)
        {
            await page.EvaluateAsync("() => { window.vitalTwinBench.recordValues = 'all'; }");
            var offset = await PageClockOffsetAsync(page);
            var sent = new Dictionary<string, double>(StringComparer.Ordinal);
            using var pace = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / options.Rate), clock);
            for (var i = 0; i < options.Readings; i++)
            {
                await pace.WaitForNextTickAsync(cancellationToken);
                var monitor = ward[i % ward.Count];
                // Each reading of a tile differs from its last one and from every other: 100, 101, ... /min.
                var heartRate = 100 + (i / ward.Count);
                sent[Key(monitor.PatientId, heartRate)] = NowMs() + offset;
                await ingestion.IngestAsync(monitor.Batch(clock.GetUtcNow(), heartRate), monitor.Credential, cancellationToken: cancellationToken);
            }
            var shown = await WaitUntilShownAsync(page, sent.Keys, TimeSpan.FromSeconds(15), cancellationToken);
            var delays = sent.Where(s => shown.ContainsKey(s.Key)).Select(s => shown[s.Key] - s.Value).ToList();
            return (delays, sent.Count - delays.Count);
        }
    }

    private async Task<BusyWardFigures> BusyWardAsync(
        IBrowser browser, Uri dashboard, string session, VitalSignIngestion.VitalSignIngestionClient ingestion, IReadOnlyList<BedsideMonitor> ward, CancellationToken cancellationToken)
    {
        var (context, page) = await OpenWardAsync(browser, dashboard, session, LargeWard, LargeWardPatients);
        await using (context)
        {
            var cdp = await context.NewCDPSessionAsync(page);
            await cdp.SendAsync("Performance.enable");
            await page.EvaluateAsync($"() => {{ window.vitalTwinBench.recordValues = '{LastHeartRate.ToString(CultureInfo.InvariantCulture)}'; window.vitalTwinBench.recordingFrames = true; }}");
            var before = await MetricsAsync(cdp);
            var started = clock.GetTimestamp();
            long readingsSent = 0;
            using var second = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
            for (var tick = 0; tick < options.BusySeconds; tick++)
            {
                await second.WaitForNextTickAsync(cancellationToken);
                var at = clock.GetUtcNow();
                await Parallel.ForEachAsync(ward, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (monitor, token) =>
                {
                    var n = int.Parse(monitor.PatientId[^3..], CultureInfo.InvariantCulture);
                    // Every vital changes every second, so every value on every tile is redrawn: the busiest a ward gets.
                    var batch = monitor.Batch(at, 70 + ((tick + n) % 20), (95 + ((tick + n) % 4), 14 + ((tick + n) % 5), 110 + ((tick + n) % 15), 36.5 + (((tick + n) % 6) / 10.0)));
                    await ingestion.IngestAsync(batch, monitor.Credential, cancellationToken: token);
                    Interlocked.Add(ref readingsSent, batch.Readings.Count);
                });
            }
            var window = clock.GetElapsedTime(started).TotalSeconds;
            var after = await MetricsAsync(cdp);
            var frames = await page.EvaluateAsync<double[]>("() => { window.vitalTwinBench.recordingFrames = false; return window.vitalTwinBench.frames; }");
            var longTasks = await page.EvaluateAsync<double[]>("() => window.vitalTwinBench.longTasks");

            // Then every tile's last reading: the page kept up if each shows it within the allowance.
            var offset = await PageClockOffsetAsync(page);
            var sent = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
            var last = clock.GetUtcNow();
            await Parallel.ForEachAsync(ward, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (monitor, token) =>
            {
                sent[Key(monitor.PatientId, LastHeartRate)] = NowMs() + offset;
                await ingestion.IngestAsync(monitor.Batch(last, LastHeartRate), monitor.Credential, cancellationToken: token);
            });
            var shown = await WaitUntilShownAsync(page, sent.Keys, TimeSpan.FromSeconds(options.KeptUpWithinSeconds * 5), cancellationToken);
            var lastDelays = sent.Where(s => shown.ContainsKey(s.Key)).Select(s => shown[s.Key] - s.Value).ToList();

            return new BusyWardFigures(
                ReadingsPerSecond: readingsSent / window,
                Frames: frames,
                LongTasks: longTasks,
                TaskMsPerSecond: (after["TaskDuration"] - before["TaskDuration"]) * 1000 / window,
                ScriptMsPerSecond: (after["ScriptDuration"] - before["ScriptDuration"]) * 1000 / window,
                LastReadingDelays: lastDelays,
                LastReadingsMissing: sent.Count - lastDelays.Count);
        }
    }

    private static string Key(string patientId, double heartRate) =>
        string.Create(CultureInfo.InvariantCulture, $"{patientId}|{BedsideMonitor.HeartRate.Loinc}|{heartRate:0}");

    private double NowMs() => (clock.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalMilliseconds;

    /// <summary>
    /// How far the page's clock is ahead of this process's: the page is asked its time between two readings of ours,
    /// and the quickest of several round trips is kept, so the error is under half that round trip.
    /// </summary>
    private async Task<double> PageClockOffsetAsync(IPage page)
    {
        var best = (RoundTrip: double.MaxValue, Offset: 0.0);
        for (var i = 0; i < 10; i++)
        {
            var before = NowMs();
            var pageNow = await page.EvaluateAsync<double>(PageInstruments.Now);
            var after = NowMs();
            if (after - before < best.RoundTrip)
            {
                best = (after - before, pageNow - ((before + after) / 2));
            }
        }
        return best.Offset;
    }

    /// <summary>When each of <paramref name="keys"/> was first shown on the page's clock, waiting up to <paramref name="timeout"/> for all of them.</summary>
    private static async Task<Dictionary<string, double>> WaitUntilShownAsync(IPage page, ICollection<string> keys, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var shown = new Dictionary<string, double>(StringComparer.Ordinal);
        try
        {
            do
            {
                var entries = await page.EvaluateAsync<JsonElement>(PageInstruments.Shown);
                foreach (var entry in entries.EnumerateArray())
                {
                    shown[entry[0].GetString()!] = entry[1].GetDouble();
                }
            }
            while (!keys.All(shown.ContainsKey) && await poll.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // What did not show within the time is reported as missing.
        }
        return shown;
    }

    private static async Task<Dictionary<string, double>> MetricsAsync(ICDPSession cdp)
    {
        var response = await cdp.SendAsync("Performance.getMetrics") ?? throw new InvalidOperationException("Chromium returned no performance metrics.");
        return response.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble(), StringComparer.Ordinal);
    }
}
