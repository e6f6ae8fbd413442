using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.DevHost;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Core;
using Xunit.Abstractions;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// Issue 15's proof on one machine: three instances of every service, each a process, on the embedded cluster. While
/// monitors stream readings through the Gateways, one instance of each service in turn is killed (SIGKILL) and
/// started again, then a fourth instance of each is added and removed. Afterwards no acknowledged reading is lost or
/// applied twice, the twins equal those of an uninterrupted run over the same readings (the twin model in process),
/// every expected alert was raised once, and every patient stayed answerable from every surviving TwinState replica
/// within a bounded pause, which the test reports.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Replicas = 3, Partitions = 4, PatientsPerPartition = 3, ReadingsPerTick = 5;
    private static readonly string[] Services = ["Gateway", "AnomalyDetection", "TwinState", "Notification"];
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    // A killed replica's partitions move once its session (6 s here) times out, and every rebalance is eager:
    // a generous bound for a loaded 2-core machine, reported with the pause measured.
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(60);

    private LocalCluster _cluster = null!;
    private string _staff = null!;

    public async Task InitializeAsync()
    {
        _cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions
            {
                Partitions = Partitions,
                Replicas = Replicas,
                // Twelve processes start at once on a busy machine.
                StartTimeout = TimeSpan.FromSeconds(240),
                Environment = new Dictionary<string, string>
                {
                    // Restarted replicas resume from recent checkpoints, so they replay little.
                    ["Detection__CheckpointInterval"] = "00:00:01",
                    ["TwinState__Durability__CheckpointInterval"] = "00:00:01",
                    // As in SystemFixture: NEWS2 scores each reading and counts each band at once (SystemFixture.Twin).
                    ["News2__Hold"] = "00:00:00",
                    ["News2__WindowReadings"] = "1",
                    ["News2__WindowMinReadings"] = "1",
                },
            },
            CancellationToken.None);
        _staff = _cluster.Tokens.Mint("e2e-scale-out", [Roles.Clinician, Roles.Registrar], [Caller.EveryWard], TimeSpan.FromHours(1));
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Three_replicas_of_every_service_lose_and_duplicate_nothing_through_kills_restarts_and_a_fourth_replica()
    {
        using var telemetry = new TopicWatcher(_cluster.Kafka.BootstrapServers, _cluster.Topics.Telemetry);
        using var alerts = new TopicWatcher(_cluster.Kafka.BootstrapServers, _cluster.Topics.Alerts);
        using var channels = new Channels(_cluster, _staff);
        var monitors = await AdmitAsync(channels);
        var progress = new Progress();
        using var stopSending = new CancellationTokenSource();
        var sending = Task.WhenAll(monitors.Select(m => m.StreamAsync(channels, progress, stopSending.Token)));

        // Answerability starts once every sampled patient has a twin somewhere.
        var sample = monitors.GroupBy(m => m.Partition).Select(g => g.First()).ToList();
        foreach (var monitor in sample)
        {
            await new TwinQuery.TwinQueryClient(channels.Staff("TwinState-1")).WaitForTwinAsync(monitor.Readings.PatientId, _ => true, Timeout);
        }
        var answers = new Answerability(channels, sample.Select(m => m.Readings.PatientId).ToList());
        foreach (var instance in _cluster.InstancesOf("TwinState"))
        {
            answers.Watch(instance.Name);
        }

        var script = new List<string>();
        try
        {
            await progress.WaitForTicksAsync(monitors.Count, 5, Timeout, sending);
            foreach (var service in Services)
            {
                var victim = $"{service}-2";
                var twinState = service == "TwinState";
                if (twinState)
                {
                    answers.Forget(victim);
                }
                await _cluster.KillAsync(victim);
                script.Add($"killed {victim} at {answers.Elapsed:mm\\:ss}");
                await progress.WaitForTicksAsync(monitors.Count, 5, Timeout, sending);
                await _cluster.RestartAsync(victim, Timeout, CancellationToken.None);
                if (twinState)
                {
                    answers.Watch(victim);
                }
                script.Add($"restarted {victim} at {answers.Elapsed:mm\\:ss}");
                await progress.WaitForTicksAsync(monitors.Count, 5, Timeout, sending);
            }
            var added = new List<string>();
            foreach (var service in Services)
            {
                var fourth = await _cluster.AddInstanceAsync(service, Timeout, CancellationToken.None);
                added.Add(fourth.Name);
                if (service == "TwinState")
                {
                    answers.Watch(fourth.Name);
                }
                script.Add($"added {fourth.Name} at {answers.Elapsed:mm\\:ss}");
            }
            // Sixteen instances, two ports each, none shared: a shared one would answer another's readiness probe.
            var ports = _cluster.Instances.SelectMany(i => new[] { i.Grpc.Port, i.Http.Port }).ToList();
            Assert.Equal(ports.Count, ports.Distinct().Count());
            await progress.WaitForTicksAsync(monitors.Count, 8, Timeout, sending);
            foreach (var fourth in added)
            {
                answers.Forget(fourth);
                await _cluster.RemoveInstanceAsync(fourth);
                script.Add($"removed {fourth} at {answers.Elapsed:mm\\:ss}");
            }
            // Every deterioration was sent, and the group settled without the fourth replicas.
            await progress.WaitForTicksAsync(monitors.Count, Math.Max(8, BedsideMonitor.LastDeteriorationTick + 2 - progress.Ticks(monitors.Count)), Timeout, sending);
        }
        finally
        {
            await stopSending.CancelAsync();
        }
        await sending;
        output.WriteLine(string.Join("; ", script));
        output.WriteLine($"{monitors.Sum(m => m.Acknowledged.Count * ReadingsPerTick)} readings acknowledged in {monitors.Sum(m => m.Acknowledged.Count)} ticks, {monitors.Sum(m => m.Attempts.Sum() - m.Attempts.Count)} calls failed and sent again.");

        // Twins: every surviving replica answers for every patient with what an uninterrupted run over the same
        // readings gives, each acknowledged reading applied once.
        var catalogue = VitalCatalogue.Default;
        foreach (var replica in _cluster.InstancesOf("TwinState"))
        {
            var twins = new TwinQuery.TwinQueryClient(channels.Staff(replica.Name));
            foreach (var monitor in monitors)
            {
                var want = monitor.Expected(catalogue);
                var actual = await twins.WaitForTwinAsync(monitor.Readings.PatientId, t => t.ReadingsApplied >= want.ReadingsApplied, Timeout);
                Assert.Equal(want.ReadingsApplied, actual.ReadingsApplied);
                Assert.Equal(want.News2.Total, actual.News2.Total);
                Assert.Equal(want.News2.SubScores.Select(s => s.Score), actual.News2.SubScores.Select(s => s.Score));
                Assert.Equal(
                    want.Latest.Values.OrderBy(v => v.Sign).Select(v => (catalogue[v.Sign].Loinc, v.Value, v.ObservedAt)),
                    actual.Vitals.Select(v => (v.Code.Loinc, v.Value, v.ObservedAt.ToDateTimeOffset())));
            }
        }
        var pause = await answers.StopAsync();
        output.WriteLine($"Longest time a sampled patient was unanswerable from a surviving TwinState replica: {pause.Longest.TotalSeconds:0.0} s ({pause.Where}); {pause.Failures} failed calls of {pause.Calls}.");
        Assert.InRange(pause.Longest, TimeSpan.Zero, MaxPause);

        // Acknowledged readings: each on the telemetry topic, no more often than it was sent.
        foreach (var monitor in monitors)
        {
            var last = monitor.Acknowledged[^1].Readings[^1];
            await telemetry.WaitForAsync(monitor.Readings.PatientId, VitalSignsRecorded.Parser, r => r.Reading.SequenceNumber == last.SequenceNumber, Timeout);
            var recorded = telemetry.Seen(monitor.Readings.PatientId, VitalSignsRecorded.Parser).GroupBy(r => r.Reading.SequenceNumber).ToDictionary(g => g.Key, g => g.Count());
            foreach (var (batch, attempts) in monitor.Acknowledged.Zip(monitor.Attempts))
            {
                foreach (var reading in batch.Readings)
                {
                    Assert.InRange(recorded.GetValueOrDefault(reading.SequenceNumber), 1, attempts);
                }
            }
        }

        // Alerts: each deteriorating patient's medium and then high NEWS2 alert, raised once; nothing for the others.
        foreach (var monitor in monitors.Where(m => m.Deteriorates))
        {
            await alerts.WaitForAsync(monitor.Readings.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        }
        foreach (var monitor in monitors)
        {
            var raised = alerts.Seen(monitor.Readings.PatientId, AlertRaised.Parser);
            Assert.Equal(raised.Count, raised.Select(a => a.AlertId).Distinct().Count());
            Assert.Equal(
                monitor.Deteriorates ? [AlertCondition.News2Medium, AlertCondition.News2High] : [],
                raised.Select(a => a.Condition));
        }
    }

    /// <summary>Picks patients until each partition has its share, registers their monitors and sends nothing yet.</summary>
    private async Task<List<BedsideMonitor>> AdmitAsync(Channels channels)
    {
        var monitors = new List<BedsideMonitor>();
        var perPartition = new int[Partitions];
        while (monitors.Count < Partitions * PatientsPerPartition)
        {
            var readings = Readings.ForNewPatient("scale-out");
            var partition = PatientPartitioner.PartitionOf(readings.PatientId, Partitions);
            if (perPartition[partition] < PatientsPerPartition)
            {
                // Two of each partition's three patients deteriorate, at ticks spread over the kills and the fourth replicas.
                var deteriorating = perPartition[partition]++ < 2;
                var at = deteriorating ? 4 + (BedsideMonitor.DeteriorationSpacing * monitors.Count(m => m.Deteriorates)) : (int?)null;
                monitors.Add(new BedsideMonitor(readings, monitors.Count, partition, at));
            }
        }
        var registry = new DeviceRegistry.DeviceRegistryClient(channels.Registry);
        foreach (var monitor in monitors)
        {
            await monitor.Readings.RegisterAsync(registry);
        }
        return monitors;
    }

    /// <summary>Channels to every instance by name, made once each; device ingestion calls carry no bearer token.</summary>
    private sealed class Channels(LocalCluster cluster, string staffToken) : IDisposable
    {
        private readonly ConcurrentDictionary<string, GrpcChannel> _devices = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, GrpcChannel> _staff = new(StringComparer.Ordinal);

        public LocalCluster Cluster => cluster;

        public GrpcChannel Registry => Staff("Gateway-1");

        public GrpcChannel Device(string gateway) => _devices.GetOrAdd(gateway, name => cluster.Channel(name, null));

        public GrpcChannel Staff(string instance) => _staff.GetOrAdd(instance, name => cluster.Channel(name, staffToken));

        public void Dispose()
        {
            foreach (var channel in _devices.Values.Concat(_staff.Values))
            {
                channel.Dispose();
            }
        }
    }

    /// <summary>Acknowledged monitor ticks, so a step of the script can wait for the stream to go on.</summary>
    private sealed class Progress
    {
        private readonly Lock _gate = new();
        private readonly List<(long Target, TaskCompletionSource Reached)> _waiters = [];
        private long _acknowledged;

        public int Ticks(int monitors)
        {
            lock (_gate)
            {
                return (int)(_acknowledged / monitors);
            }
        }

        public void Acknowledged()
        {
            lock (_gate)
            {
                _acknowledged++;
                foreach (var waiter in _waiters.Where(w => w.Target <= _acknowledged).ToList())
                {
                    waiter.Reached.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        /// <summary>Waits until every monitor sent about <paramref name="ticks"/> more acknowledged ticks; fails at once if a sender failed.</summary>
        public async Task WaitForTicksAsync(int monitors, int ticks, TimeSpan timeout, Task sending)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waiters.Add((_acknowledged + ((long)monitors * ticks), reached));
            }
            var first = await Task.WhenAny(reached.Task, sending).WaitAsync(timeout);
            if (first == sending)
            {
                await sending;
                throw new InvalidOperationException("The monitors stopped sending.");
            }
        }
    }

    /// <summary>
    /// One bedside monitor: a tick of five vitals every <see cref="Tick"/>, each tick sent until a Gateway acknowledges
    /// it, to another Gateway when one fails (as a monitor behind a load balancer would be), and kept for comparing.
    /// </summary>
    private sealed class BedsideMonitor(Readings readings, int index, int partition, int? deterioratesAt)
    {
        public const int DeteriorationSpacing = 12;
        public const int LastDeteriorationTick = 4 + (DeteriorationSpacing * ((Partitions * 2) - 1)) + HighAfter;
        // Ticks a deteriorating patient stays at NEWS2 5 before reaching 7: long enough for the medium alert first.
        private const int HighAfter = 3;

        public Readings Readings => readings;

        public int Partition => partition;

        public bool Deteriorates => deterioratesAt is not null;

        public List<VitalSignBatch> Acknowledged { get; } = [];

        /// <summary>Per acknowledged tick, the calls it took.</summary>
        public List<int> Attempts { get; } = [];

        public async Task StreamAsync(Channels channels, Progress progress, CancellationToken stop)
        {
            using var timer = new PeriodicTimer(Tick);
            for (var tick = 0; !stop.IsCancellationRequested; tick++)
            {
                var batch = Vitals(tick);
                Attempts.Add(await SendAsync(channels, batch, tick));
                Acknowledged.Add(batch);
                progress.Acknowledged();
                try
                {
                    await timer.WaitForNextTickAsync(stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }
        }

        /// <summary>What an uninterrupted run gives: the twin model in process over the acknowledged readings, in order.</summary>
        public TwinSnapshot Expected(VitalCatalogue catalogue)
        {
            var twin = new VitalTwin.TwinState.Core.PatientTwin(readings.PatientId, SystemFixture.Twin);
            foreach (var reading in Acknowledged.SelectMany(b => b.Readings))
            {
                catalogue.TryFind(reading.Code.Loinc, reading.Code.Mdc, out var definition);
                twin.Apply(new VitalObservation(definition!.Sign, reading.Value, reading.Unit, reading.ObservedAt.ToDateTimeOffset(), reading.DeviceId, reading.SequenceNumber));
            }
            return twin.Snapshot();
        }

        private async Task<int> SendAsync(Channels channels, VitalSignBatch batch, int tick)
        {
            // A tick no Gateway acknowledges within the timeout fails the stream, and with it the test.
            using var deadline = new CancellationTokenSource(Timeout);
            var cancellationToken = deadline.Token;
            using var retry = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            for (var attempt = 1; ; attempt++)
            {
                // Spread over the Gateways there are now, the fourth too while it runs.
                var gateways = channels.Cluster.InstancesOf("Gateway");
                var gateway = gateways[(index + tick + attempt - 1) % gateways.Count].Name;
                try
                {
                    var ack = await new VitalSignIngestion.VitalSignIngestionClient(channels.Device(gateway))
                        .IngestAsync(batch, readings.Credential, deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: cancellationToken);
                    if (ack.Accepted == batch.Readings.Count)
                    {
                        return attempt;
                    }
                    // A Gateway that has not yet read the registration from the devices topic knows no such device.
                    if (ack.Accepted != 0 || ack.Rejections.Any(r => r.Reason != RejectionReason.UnknownDevice))
                    {
                        throw new InvalidOperationException($"{gateway} took {ack.Accepted} of {batch.Readings.Count} readings: {string.Join(", ", ack.Rejections.Select(r => $"{r.Reason} {r.Detail}"))}");
                    }
                }
                // The Gateway was killed, is starting, or was removed mid-call: the tick was not acknowledged, send it again.
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.DeadlineExceeded or StatusCode.Unauthenticated or StatusCode.Cancelled
                    && !cancellationToken.IsCancellationRequested)
                {
                }
                await retry.WaitForNextTickAsync(cancellationToken);
            }
        }

        // NEWS2 0 while stable; a deteriorating patient scores 5 (medium) and, HighAfter ticks later, 7 (high), no
        // parameter ever scoring 3, so the alerts expected are exactly one medium and one high NEWS2 alert.
        private VitalSignBatch Vitals(int tick)
        {
            var stage = deterioratesAt is { } at ? (tick >= at + HighAfter ? 2 : tick >= at ? 1 : 0) : 0;
            return new VitalSignBatch
            {
                Readings =
                {
                    readings.Reading(Readings.HeartRate, stage > 0 ? 115 : 72, "/min"),
                    readings.Reading(Readings.OxygenSaturation, stage > 1 ? 94 : 97, "%"),
                    readings.Reading(Readings.RespiratoryRate, stage > 0 ? 23 : 14, "/min"),
                    readings.Reading(Readings.SystolicPressure, stage > 0 ? 105 : 125, "mm[Hg]"),
                    readings.Reading(Readings.Temperature, stage > 1 ? 38.5 : 36.8, "Cel"),
                },
            };
        }
    }

    /// <summary>
    /// Calls GetTwin for each sampled patient on each watched TwinState replica, over and over, and keeps the longest
    /// time from an answer (or from when the replica was watched) to the next answer from the same replica.
    /// </summary>
    private sealed class Answerability(Channels channels, IReadOnlyList<string> patients)
    {
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
        private readonly long _started = TimeProvider.System.GetTimestamp();
        private readonly ConcurrentDictionary<string, CancellationTokenSource> _watched = new(StringComparer.Ordinal);
        private readonly ConcurrentBag<Task> _loops = [];
        private readonly Lock _gate = new();
        private (TimeSpan Longest, string Where) _longest = (TimeSpan.Zero, "none");
        private long _calls, _failures;

        public TimeSpan Elapsed => TimeProvider.System.GetElapsedTime(_started);

        public void Watch(string replica)
        {
            var stop = new CancellationTokenSource();
            _watched[replica] = stop;
            foreach (var patient in patients)
            {
                _loops.Add(Task.Run(() => AskAsync(replica, patient, stop.Token)));
            }
        }

        /// <summary>Stops asking a replica about to be killed or removed: only survivors count.</summary>
        public void Forget(string replica)
        {
            if (_watched.TryRemove(replica, out var stop))
            {
                stop.Cancel();
            }
        }

        public async Task<(TimeSpan Longest, string Where, long Calls, long Failures)> StopAsync()
        {
            foreach (var replica in _watched.Keys)
            {
                Forget(replica);
            }
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(30));
            lock (_gate)
            {
                return (_longest.Longest, _longest.Where, Interlocked.Read(ref _calls), Interlocked.Read(ref _failures));
            }
        }

        private async Task AskAsync(string replica, string patient, CancellationToken stop)
        {
            var twins = new TwinQuery.TwinQueryClient(channels.Staff(replica));
            var answered = TimeProvider.System.GetTimestamp();
            using var poll = new PeriodicTimer(Interval);
            try
            {
                do
                {
                    Interlocked.Increment(ref _calls);
                    try
                    {
                        await twins.GetTwinAsync(new GetTwinRequest { PatientId = patient }, deadline: DateTime.UtcNow.AddSeconds(20), cancellationToken: stop);
                        Record(replica, TimeProvider.System.GetElapsedTime(answered));
                        answered = TimeProvider.System.GetTimestamp();
                    }
                    // UNAVAILABLE while the patient's partition has no known holder; NOT_FOUND would be a holder that lost the twin.
                    catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.NotFound or StatusCode.DeadlineExceeded && !stop.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref _failures);
                    }
                }
                while (await poll.WaitForNextTickAsync(stop));
            }
            catch (Exception ex) when (stop.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
            }
            // A replica that has not answered again by the time it is forgotten or the test ends counts that time too.
            Record(replica, TimeProvider.System.GetElapsedTime(answered));
        }

        private void Record(string replica, TimeSpan gap)
        {
            lock (_gate)
            {
                if (gap > _longest.Longest)
                {
                    _longest = (gap, $"{replica}, at {Elapsed:mm\\:ss}");
                }
            }
        }
    }
}
