using System.Globalization;
using VitalTwin.DevHost;
using VitalTwin.DeviceTransports;
using VitalTwin.Load.Generation;
using VitalTwin.Load.Measurement;
using VitalTwin.Load.Reporting;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Load;

/// <summary>Makes the senders of a run through a door.</summary>
internal delegate IngestionDriver IngestionDriverFactory(
    DeviceTransportKind kind, IReadOnlyList<GatewayInstance> gateways, IReadOnlyList<SyntheticPatient> patients, LoadOptions options, RunClock clock, Action<SyntheticPatient, DateTimeOffset> deteriorated, string accessToken);

/// <summary>A finished run: its report and where it was written.</summary>
internal sealed record LoadRun(LoadReport Report, string JsonPath, string MarkdownPath);

/// <summary>
/// The benchmark: starts the one-machine system (embedded Kafka and the four services), registers a monitor per
/// patient, drives the Gateway through the front door <see cref="LoadOptions.Transport"/> at the target rate through
/// a warm-up and the measured window, drains, and writes the report. Throws with a clear message when the system
/// fails under it.
/// </summary>
/// <param name="createDriver">Makes the senders; by default <see cref="IngestionDriver.Create"/> for the run's door.</param>
internal sealed class LoadBenchmark(LoadOptions options, TextWriter output, TimeProvider clock, IngestionDriverFactory? createDriver = null)
{
    private static readonly TimeSpan ProcessSampleInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxExtraWarmup = TimeSpan.FromSeconds(30);
    // Twins whose every vital reflects a tick sent less than this ago follow the senders (monitors tick once a second).
    private static readonly TimeSpan Following = TimeSpan.FromSeconds(3);

    public async Task<LoadRun> RunAsync(CancellationToken cancellationToken)
    {
        options.Resolve();
        var startedAt = clock.GetUtcNow();
        Say($"Load over {LoadOptions.Name(options.Transport)}: {options.Rate:N0} readings/s for {options.Duration} s after {options.Warmup} s warm-up; {options.Streams} streams, batches of {options.BatchSize}, {options.Patients:N0} patients ({options.Deteriorating:N0} deteriorating), {options.Partitions} partitions, {options.Replicas} instance(s) of every service.");

        var starting = clock.GetTimestamp();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Warnings and worse only, so the status lines stay readable; nothing of a patient is logged at that level.
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__Console__FormatterName"] = "simple",
            // The benchmark measures how fast a deterioration travels, not the alarm policy: NEWS2 scores each reading
            // and counts a new band at once, so the alert follows the reading that crossed it (as before the twin's
            // median window and band hold, which add up to half a minute plus a minute on purpose).
            ["News2__Hold"] = "00:00:00",
            ["News2__WindowReadings"] = "1",
            ["News2__WindowMinReadings"] = "1",
        };
        foreach (var (key, value) in options.ServiceEnvironment)
        {
            environment[key] = value;
        }
        await using var cluster = await StartClusterAsync(
            new LocalClusterOptions
            {
                Partitions = options.Partitions,
                Replicas = options.Replicas,
                Environment = environment,
                StartTimeout = TimeSpan.FromSeconds(120),
                Output = (service, line) => output.WriteLine($"  [{service}] {line}"),
            },
            cancellationToken);
        var clusterStart = clock.GetElapsedTime(starting);
        Say($"System ready in {clusterStart.TotalSeconds:0.0} s; Kafka at {cluster.Kafka.BootstrapServers}.");

        var run = new RunClock(clock);
        var patients = CreatePatients();
        var sample = Enumerable.Range(0, options.TwinSample).Select(k => patients[(int)((long)k * patients.Count / options.TwinSample)]).ToList();
        using var alerts = new AlertProbe(cluster.Kafka.BootstrapServers, cluster.Topics.Alerts, clock);
        using var telemetry = new TelemetryProbe(cluster.Kafka.BootstrapServers, cluster.Topics.Telemetry, run);
        var clinician = cluster.Tokens.Mint("load-benchmark", [Roles.Clinician], [Caller.EveryWard], TimeSpan.FromDays(1));
        // A watch on every TwinState replica: each pushes the twins of the partitions it holds.
        await using var twins = new TwinProbe(cluster.InstancesOf("TwinState").Select(i => cluster.Channel(i.Name, clinician)).ToList(), sample, run);
        twins.Start();
        // The run plays the hospital's registration system when it binds the monitors.
        var registrar = options.AccessToken ?? cluster.Tokens.Mint("load-benchmark", [Roles.Registrar], lifetime: TimeSpan.FromDays(1));
        // FHIR's transport speaks HTTP/2 without TLS, as gRPC does, so both go to the gRPC endpoint (it serves every route).
        var gateways = cluster.InstancesOf("Gateway")
            .Select(i => new GatewayInstance(i.Grpc, new GatewayAddresses(i.Grpc, i.Mqtt, i.Hl7)))
            .ToList();
        await using var driver = (createDriver ?? IngestionDriver.Create)(options.Transport, gateways, patients, options, run, (patient, sentAt) => alerts.Expect(patient.PatientId, sentAt), registrar);

        var registering = clock.GetTimestamp();
        await driver.RegisterAsync(patients, cancellationToken);
        var registration = clock.GetElapsedTime(registering);
        Say($"Registered {patients.Count:N0} monitors in {registration.TotalSeconds:0.0} s.");

        var admitting = clock.GetTimestamp();
        var admitted = await AdmitAsync(driver, patients, sample, twins, cancellationToken);
        var admission = clock.GetElapsedTime(admitting);
        Say($"Admitted {patients.Count:N0} patients in {admission.TotalSeconds:0.0} s (their first tick applied to the twins){(admitted ? "" : $"; not complete after {options.AdmissionTimeout} s, measuring anyway")}.");

        using var lag = new ConsumerLagSampler(cluster, options.Partitions);
        using var processes = new ProcessSampler(cluster.Processes.Select(p => (p.Name, p.Id)), clock);
        var monitor = new RunMonitor(options, run, driver, twins, alerts, lag, processes, cluster, output);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var endMonitor = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sending = driver.RunAsync(stop.Token, abort.Token);
        var monitoring = monitor.RunAsync(ProcessSampleInterval, endMonitor.Token);
        try
        {
            var warming = clock.GetTimestamp();
            var following = await WarmUpAsync(twins, sending, monitoring, cancellationToken);
            var warmup = clock.GetElapsedTime(warming);
            var windowStart = run.OpenWindow();
            processes.MarkWindowStart();
            twins.MarkWindowStart();
            await PhaseAsync(TimeSpan.FromSeconds(options.Duration), sending, monitoring, cancellationToken);
            var windowEnd = run.CloseWindow();
            processes.MarkWindowEnd();
            await stop.CancelAsync();
            await sending;

            var (caughtUpAt, drainedAt) = await DrainAsync(twins, alerts, monitoring, cancellationToken);
            await endMonitor.CancelAsync();
            await monitoring;
            var lagAtEnd = await Task.Run(() => lag.SampleAsync(cancellationToken), cancellationToken);
            Say($"Drained {(drainedAt - windowEnd).TotalSeconds:0.0} s after the window closed.");

            var report = Report(startedAt, windowStart, windowEnd, caughtUpAt, drainedAt, driver, twins, alerts, telemetry, lagAtEnd, monitor, processes, registration, clusterStart, (admission, admitted), warmup, following);
            var (json, markdown) = ReportWriter.Write(report, options.OutputDirectory);
            Say($"Report: {json} and {markdown}");
            return new LoadRun(report, json, markdown);
        }
        finally
        {
            // On failure: stop sending at once, then let the monitor go, so disposal finds nothing running.
            await abort.CancelAsync();
            await stop.CancelAsync();
            await endMonitor.CancelAsync();
            // Their failures, if any, were thrown above already.
            await Task.WhenAll(sending, monitoring).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<LocalCluster> StartClusterAsync(LocalClusterOptions clusterOptions, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await LocalCluster.StartAsync(clusterOptions, cancellationToken);
            }
            // Ports are chosen free and bound by the service a moment later, so another program on a shared
            // machine can take one in between; the service then exits at start-up. New ports usually work.
            catch (InvalidOperationException e) when (attempt < attempts && !cancellationToken.IsCancellationRequested)
            {
                Say($"The system did not start ({e.Message}); starting it again.");
            }
        }
    }

    private List<SyntheticPatient> CreatePatients()
    {
        var random = new Random(42);
        var window = TimeSpan.FromSeconds(options.Duration);
        // Deteriorations are spread evenly over the first 80 % of the window, so the last alerts arrive while the
        // window is still loaded; the patients chosen are spread evenly too, so they land on every stream and partition.
        var deteriorations = new Dictionary<int, TimeSpan>();
        for (var j = 0; j < options.Deteriorating; j++)
        {
            var index = (int)((j + 0.5) * options.Patients / options.Deteriorating);
            deteriorations[index] = window * 0.8 * ((j + 0.5) / options.Deteriorating);
        }
        return Enumerable.Range(0, options.Patients)
            .Select(i => new SyntheticPatient(i, deteriorations.TryGetValue(i, out var after) ? after : null, random))
            .ToList();
    }

    /// <summary>
    /// Sends every patient's first tick and waits until TwinState has applied them all: a new patient costs
    /// TwinState far more than a known one, and the window is meant to measure patients being monitored, not
    /// thousands admitted in the same second.
    /// </summary>
    private async Task<bool> AdmitAsync(IngestionDriver driver, List<SyntheticPatient> patients, List<SyntheticPatient> sample, TwinProbe twins, CancellationToken cancellationToken)
    {
        await driver.AdmitAsync(patients, sample, cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(options.AdmissionTimeout));
        using var poll = new PeriodicTimer(DrainPoll, clock);
        var started = clock.GetTimestamp();
        var lastStatus = started;
        try
        {
            while (!twins.CaughtUp())
            {
                if (clock.GetElapsedTime(lastStatus).TotalSeconds >= options.StatusInterval)
                {
                    lastStatus = clock.GetTimestamp();
                    Say($"[admission {clock.GetElapsedTime(started):mm\\:ss}] watched twins that reflect every tick sent: {twins.CaughtUpCount()} of {twins.SampleSize}");
                }
                await poll.WaitForNextTickAsync(deadline.Token);
            }
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends for the warm-up time and then, since on a busy machine JIT and first fetches can hold the pipeline
    /// for many seconds, until the watched twins follow the senders closely (or <see cref="MaxExtraWarmup"/> more),
    /// so that the window measures the steady state. Returns whether the twins were following.
    /// </summary>
    private async Task<bool> WarmUpAsync(TwinProbe twins, Task sending, Task monitoring, CancellationToken cancellationToken)
    {
        if (options.Warmup == 0)
        {
            return false;
        }
        await PhaseAsync(TimeSpan.FromSeconds(options.Warmup), sending, monitoring, cancellationToken);
        var extra = clock.GetTimestamp();
        using var poll = new PeriodicTimer(DrainPoll, clock);
        while (clock.GetElapsedTime(extra) < MaxExtraWarmup)
        {
            if (twins.AppliedUpTo() is { } upTo && clock.GetUtcNow() - upTo < Following)
            {
                return true;
            }
            if (sending.IsCompleted || monitoring.IsCompleted)
            {
                await Task.WhenAll(sending, monitoring);
                throw new InvalidOperationException("The senders stopped before the run ended.");
            }
            await poll.WaitForNextTickAsync(cancellationToken);
        }
        Say($"The twins did not follow the senders within {MaxExtraWarmup.TotalSeconds:0} s of extra warm-up; measuring anyway.");
        return false;
    }

    /// <summary>Waits out a phase, failing at once if the senders or the monitor fail.</summary>
    private async Task PhaseAsync(TimeSpan length, Task sending, Task monitoring, CancellationToken cancellationToken)
    {
        var elapsed = Task.Delay(length, clock, cancellationToken);
        var first = await Task.WhenAny(elapsed, sending, monitoring);
        await first;
        if (first != elapsed)
        {
            throw new InvalidOperationException("The senders stopped before the run ended.");
        }
    }

    /// <summary>Waits until every watched twin reflects its last reading and every expected alert arrived, or the drain timeout.</summary>
    private async Task<(DateTimeOffset? CaughtUpAt, DateTimeOffset DrainedAt)> DrainAsync(TwinProbe twins, AlertProbe alerts, Task monitoring, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(options.DrainTimeout));
        using var poll = new PeriodicTimer(DrainPoll, clock);
        DateTimeOffset? caughtUpAt = null;
        try
        {
            while (true)
            {
                if (monitoring.IsFaulted)
                {
                    await monitoring;
                }
                if (caughtUpAt is null && twins.CaughtUp())
                {
                    caughtUpAt = clock.GetUtcNow();
                }
                if (caughtUpAt is not null && alerts.AllArrived)
                {
                    break;
                }
                await poll.WaitForNextTickAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Say($"Drain timeout ({options.DrainTimeout} s): twins caught up: {caughtUpAt is not null}; alerts {alerts.Measured} of {alerts.Expected}.");
        }
        return (caughtUpAt, clock.GetUtcNow());
    }

    private LoadReport Report(
        DateTimeOffset startedAt, DateTimeOffset windowStart, DateTimeOffset windowEnd, DateTimeOffset? caughtUpAt, DateTimeOffset drainedAt,
        IngestionDriver driver, TwinProbe twins, AlertProbe alerts, TelemetryProbe telemetry, IReadOnlyList<ServiceLag> lagAtEnd, RunMonitor monitor, ProcessSampler processes,
        TimeSpan registration, TimeSpan clusterStart, (TimeSpan Time, bool Complete) admission, TimeSpan warmup, bool following)
    {
        var counters = driver.Window;
        var window = (windowEnd - windowStart).TotalSeconds;
        var lastAck = counters.LastAck ?? windowEnd;
        var acceptedSeconds = Math.Max(window, (lastAck - windowStart).TotalSeconds);
        // The end-to-end rate: what the twins had applied of the window's readings, over the time it took them.
        // The twins apply a partition's readings in send order, so the oldest reflected send time says how far they got.
        var appliedUpTo = twins.AppliedUpTo() ?? windowStart;
        var appliedFraction = caughtUpAt is not null ? 1 : Math.Clamp((appliedUpTo - windowStart).TotalSeconds / window, 0, 1);
        var endToEndSeconds = Math.Max(acceptedSeconds, ((caughtUpAt ?? drainedAt) - windowStart).TotalSeconds);
        var (applied, sent) = twins.Completeness();
        var completeness = twins.WindowCompleteness();
        var throughput = new ThroughputResult(
            Math.Round(window, 2),
            counters.Sent,
            counters.Accepted,
            counters.Rejected,
            counters.FailedCalls,
            counters.Unacknowledged,
            Math.Round(counters.Sent / window, 1),
            Math.Round(counters.Accepted / acceptedSeconds, 1),
            Math.Round(counters.Accepted * appliedFraction * completeness / endToEndSeconds, 1),
            caughtUpAt is { } caught ? Math.Round((caught - windowEnd).TotalSeconds, 2) : null,
            Math.Round(appliedFraction, 4),
            applied,
            sent,
            Math.Round(completeness, 4),
            counters.Rejections,
            counters.Failures,
            Math.Round(registration.TotalSeconds, 2),
            Math.Round(clusterStart.TotalSeconds, 2),
            Math.Round(admission.Time.TotalSeconds, 2),
            admission.Complete,
            Math.Round(warmup.TotalSeconds, 2),
            following,
            counters.Refused,
            counters.RefusedRounds,
            counters.Resent,
            counters.Dropped);
        var latency = new LatencyResult(
            telemetry.Produced.Total(),
            telemetry.Received.Total(),
            twins.Latency.Total(),
            alerts.Received.Total(),
            alerts.Stamped.Total(),
            "Every reading of telemetry partition 0 sent in the window, from its observed_at (= its send time) to the record's Kafka timestamp (the Gateway's producer stamps it when the Gateway hands the reading over) and to its receipt by a plain consumer (fetch wait 10 ms).",
            $"TwinQuery.WatchTwins on {twins.SampleSize} patients spread over all partitions; per reading sent in the window, the time from its observed_at (= its send time) to the push of the first twin state that reflects it.",
            "For each deterioration sent in the window, the time from the send of the tick that takes NEWS2 to 7 or more to the receipt of its NEWS2_HIGH AlertRaised by a plain Kafka consumer of the alerts topic (fetch wait 10 ms); the Kafka-timestamp row uses the record's producer timestamp instead, a lower bound.");
        var alertResult = new AlertResult(alerts.Expected, alerts.Measured, alerts.RaisedOnLaterTick, alerts.UnexpectedHigh, alerts.RaisedByCondition);
        var usage = processes.Window();
        var report = new LoadReport(
            startedAt,
            new RunSettings(options.Rate, options.Duration, options.Warmup, options.Partitions, options.Streams, options.BatchSize, options.Patients,
                options.Deteriorating, options.TwinSample, options.StreamSeconds, options.DrainTimeout, Environment.ProcessorCount, options.Replicas,
                LoadOptions.Name(options.Transport)),
            throughput,
            latency,
            alertResult,
            lagAtEnd,
            monitor.MaxLagDuringWindow,
            usage,
            [],
            monitor.Timeline);
        return report with { Findings = Findings.Of(report) };
    }

    private void Say(FormattableString line) => output.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
