using System.Globalization;
using System.Text;
using Confluent.Kafka;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.DevHost;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Evaluation.Recordings;
using VitalTwin.Kafka;
using VitalTwin.Notification.Core;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.Simulator.Core.Replay;
using VitalTwin.TwinState.Core;
using Xunit.Abstractions;
using PolicyOptions = VitalTwin.Notification.Core.AlertPolicyOptions;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// A recording with its own, months-old timestamps, replayed through the running system by the Simulator, raises
/// exactly the alerts the in-process evaluation raises on the same recording, at any speed: staleness, clear times and
/// quiet periods run on each partition's event time, not on the wall clock.
/// </summary>
[Collection(EventTimeSystem.Name)]
public sealed class EventTimeReplayTests(EventTimeSystem system, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData(1.0)]
    [InlineData(30.0)]
    [InlineData(1_000_000.0)]  // as fast as the Simulator can send
    public async Task A_recording_replayed_with_its_own_timestamps_raises_the_alerts_of_the_in_process_evaluation(double speed)
    {
        var recording = WardRecording.Write(system.NextRecordingStart(), Guid.NewGuid().ToString("N"));
        try
        {
            var expected = Expected(recording);
            Assert.Contains(expected, a => a.Contains("|News2High|", StringComparison.Ordinal));
            Assert.Contains(expected, a => a.Contains("|VitalStale|", StringComparison.Ordinal));

            await system.ReplayAsync(recording.Path, speed, recording.Duration / speed + Timeout);
            await system.WaitUntilDrainedAsync(Timeout);
            var raised = await system.RaisedAsync(recording.Patients, expected.Count, Timeout);

            if (!expected.SequenceEqual(raised))
            {
                output.WriteLine("Expected:\n" + string.Join('\n', expected) + "\nRaised:\n" + string.Join('\n', raised));
                // What the services said about partitions and alerts, to tell a lost clearance from a rebalance.
                foreach (var line in system.Output.Where(l => !l.Contains("Handling", StringComparison.Ordinal)))
                {
                    output.WriteLine(line);
                }
            }
            Assert.Equal(expected, raised);
        }
        finally
        {
            File.Delete(recording.Path);
        }
    }

    private static List<string> Expected(WardRecording recording)
    {
        var catalogue = VitalCatalogue.Default;
        // The evaluation's own replay of a recording, with no labels to score: only the alerts it raises are compared.
        var ward = RecordedWard.From("event-time", VitalsCsv.Load(recording.Path, catalogue), [], "no labels", null, null, catalogue);
        var pipeline = EvaluationRun.Replay(ward, EventTimeSystem.Configuration(), new RunSettings(), TextWriter.Null, CancellationToken.None).Pipeline;
        return [.. pipeline.Runs[0].Raised.Select(d => EventTimeSystem.Describe(
            d.PatientId, d.Condition.ToString(), d.Priority.ToString(), d.Key.Sign is { } sign ? catalogue[sign].Loinc : "",
            d.Key.Direction == AlertDirection.None ? "" : d.Key.Direction.ToString(), d.ObservedAt, d.Summary)).Order(StringComparer.Ordinal)];
    }
}

/// <summary>
/// Three patients for 150 s, a reading of each vital every 5 s: one stable; one who deteriorates to a NEWS2 of 7 and
/// more, recovers (so conditions clear, after ClearAfter in the readings' time) and has a second, smaller rise of
/// the heart rate; one whose SpO2 probe falls silent at 40 s while the rest of the vitals go on.
/// </summary>
internal sealed record WardRecording(string Path, IReadOnlyList<string> Patients, TimeSpan Duration)
{
    private const int LastSecond = 150;

    public static WardRecording Write(DateTimeOffset start, string tag)
    {
        string[] patients = [$"et-stable-{tag}", $"et-deteriorating-{tag}", $"et-silent-{tag}"];
        var csv = new StringBuilder(VitalsCsv.Header).Append('\n');
        for (var second = 0; second <= LastSecond; second += 5)
        {
            var at = start.AddSeconds(second).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            void Row(string patient, string loinc, double value, string unit) =>
                csv.Append(CultureInfo.InvariantCulture, $"{at},{patient},{loinc},{value:0.#},{unit}\n");
            void Vitals(string patient, double pulse, double breathing, double spo2, double systolic, double temperature, bool probe = true)
            {
                Row(patient, "8867-4", pulse, "/min");
                Row(patient, "9279-1", breathing, "/min");
                if (probe)
                {
                    Row(patient, "59408-5", spo2, "%");
                }
                Row(patient, "8480-6", systolic, "mm[Hg]");
                Row(patient, "8310-5", temperature, "Cel");
            }

            var wobble = second / 5 % 3 - 1;
            Vitals(patients[0], 72 + wobble, 14, 97, 124 + wobble, 36.8);
            var (worse, bump) = (Deterioration(second), second is >= 125 and <= 150 ? 1.0 : 0.0);
            Vitals(patients[1], 75 + 60 * worse + 58 * bump + wobble, 14 + 14 * worse, 97 - 8 * worse, 125 - 35 * worse, 37 + 1.6 * worse);
            Vitals(patients[2], 80 + wobble, 15, 96, 118, 37.1, probe: second < 40);
        }
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vitaltwin-event-time-{tag}.csv");
        File.WriteAllText(path, csv.ToString());
        return new WardRecording(path, patients, TimeSpan.FromSeconds(LastSecond));
    }

    // 0 until 20 s, worsening to 1 at 60 s, held to 75 s, back to 0 at 90 s.
    private static double Deterioration(int second) => second switch
    {
        < 20 => 0,
        < 60 => (second - 20) / 40.0,
        < 75 => 1,
        < 90 => 1 - (second - 75) / 15.0,
        _ => 0,
    };
}

/// <summary>
/// A running system of its own, with the shorter policy times the recording needs, set alike here and in the
/// in-process run, and a Gateway that takes old and fast readings. Its own collection, run alone: it needs no
/// timing from the machine, but three replays are enough load for a 2-core runner.
/// </summary>
public sealed class EventTimeSystem : IAsyncLifetime
{
    public const string Name = "Event-time replay";

    private static readonly TimeSpan ClearAfter = TimeSpan.FromSeconds(20);
    // Longer than the recording, so no anomaly alert runs out while anomalies and twin events are still in flight
    // on their two topics (Notification reads them in no common order).
    private static readonly TimeSpan SpikeQuietPeriod = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan SpO2StaleAfter = TimeSpan.FromSeconds(30);
    // A 150-s recording needs a NEWS2 window and band hold to match; they still run on event time, as shipped.
    private static readonly TimeSpan News2Window = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan News2Hold = TimeSpan.FromSeconds(10);

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private LocalCluster _cluster = null!;

    private int _recordings;

    /// <summary>
    /// Where the next recording starts: months ago, and a day after the one before, in the order the runs happen. A
    /// partition's event time never goes back, so a recording older than one replayed before it would find its
    /// partitions' clocks already past it.
    /// </summary>
    public DateTimeOffset NextRecordingStart() =>
        new(DateTimeOffset.UtcNow.Date.AddDays(-90 + Interlocked.Increment(ref _recordings)), TimeSpan.Zero);

    /// <summary>Every line a service printed.</summary>
    public IEnumerable<string> Output => _output;
    private TaskCompletionSource _replayed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the in-process run is configured with: the shipped configuration with the times set below.</summary>
    public static ShippedConfiguration Configuration()
    {
        var shipped = ShippedConfiguration.Load();
        return shipped with
        {
            Policy = new PolicyOptions { ClearAfter = ClearAfter, SpikeQuietPeriod = SpikeQuietPeriod, CombineWindow = shipped.Policy.CombineWindow },
            Twin = TwinSettings.Default with
            {
                StaleAfter = new Dictionary<VitalSign, TimeSpan>(TwinSettings.Default.StaleAfter) { [VitalSign.OxygenSaturation] = SpO2StaleAfter },
                News2Window = News2Window,
                News2WindowMinReadings = 1,
                News2Hold = News2Hold,
            },
        };
    }

    public static string Describe(string patientId, string condition, string priority, string loinc, string direction, DateTimeOffset observedAt, string summary) =>
        $"{patientId}|{condition}|{priority}|{loinc}|{direction}|{observedAt.UtcDateTime:O}|{summary}";

    public async Task InitializeAsync()
    {
        string Span(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);
        _cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions
            {
                Partitions = 4,
                Environment = new Dictionary<string, string>
                {
                    ["AlertPolicy__ClearAfter"] = Span(ClearAfter),
                    ["AlertPolicy__SpikeQuietPeriod"] = Span(SpikeQuietPeriod),
                    ["Twin__StaleAfter__OxygenSaturation"] = Span(SpO2StaleAfter),
                    ["News2__Window"] = Span(News2Window),
                    ["News2__WindowMinReadings"] = "1",
                    ["News2__Hold"] = Span(News2Hold),
                    // No replay here pauses for an hour: the wall clock's only say (a partition gone silent) stays out of it.
                    ["TwinQuery__SilentPartitionAfter"] = "01:00:00",
                    ["AlertClock__SilentPartitionAfter"] = "01:00:00",
                    ["Gateway__MaxReadingAge"] = "365.00:00:00",
                    ["Gateway__DeviceRateLimit__ReadingsPerSecond"] = "1000000",
                    ["Gateway__DeviceRateLimit__Burst"] = "10000000",
                    // Offsets committed soon after the work, so that the test sees the pipeline drained.
                    ["Detection__CheckpointInterval"] = "00:00:01",
                    ["TwinState__Durability__CheckpointInterval"] = "00:00:01",
                },
                Output = (service, line) => _output.Enqueue($"[{service}] {line}"),
            },
            CancellationToken.None);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>Plays the recording through the Gateway with its recorded timestamps and waits until the Simulator says it is done.</summary>
    public async Task ReplayAsync(string path, double speed, TimeSpan timeout)
    {
        _replayed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var replayed = _replayed;
        _cluster.StartProgram("Replay", "VitalTwin.Simulator", new Dictionary<string, string>
        {
            ["Simulator__GatewayUrl"] = _cluster["Gateway"].Grpc.ToString(),
            ["Simulator__Replay"] = path,
            ["Simulator__Speed"] = speed.ToString(CultureInfo.InvariantCulture),
            ["Simulator__Timestamps"] = "Recorded",
            ["Simulator__AccessToken"] = _cluster.Tokens.Mint("replay", [Roles.Registrar]),
        }, (_, line) =>
        {
            if (line.Contains("Recording replayed", StringComparison.Ordinal))
            {
                replayed.TrySetResult();
            }
        });
        await replayed.Task.WaitAsync(timeout);
    }

    /// <summary>
    /// Waits until TwinState and AnomalyDetection committed every reading, then Notification every twin event and
    /// anomaly: after that, every alert the replay causes is decided.
    /// </summary>
    public async Task WaitUntilDrainedAsync(TimeSpan timeout)
    {
        var topics = _cluster.Topics;
        await WaitForGroupAsync("vitaltwin-twin-state", [topics.Telemetry], timeout);
        await WaitForGroupAsync("vitaltwin-anomaly-detection", [topics.Telemetry], timeout);
        await WaitForGroupAsync("vitaltwin-notification", [topics.TwinEvents, topics.Anomalies], timeout);
    }

    /// <summary>The AlertRaised records of these patients on the alerts topic, once at least <paramref name="atLeast"/> are there.</summary>
    public Task<List<string>> RaisedAsync(IReadOnlyList<string> patients, int atLeast, TimeSpan timeout) =>
        Task.Factory.StartNew(() =>
        {
            var wanted = patients.ToHashSet(StringComparer.Ordinal);
            var config = new ConsumerConfig
            {
                BootstrapServers = _cluster.Kafka.BootstrapServers,
                GroupId = $"e2e-event-time-{Guid.NewGuid():N}",
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
            };
            using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
            consumer.Subscribe(_cluster.Topics.Alerts);
            using var deadline = new CancellationTokenSource(timeout);
            var raised = new List<string>();
            try
            {
                while (raised.Count < atLeast || !CaughtUp(consumer))
                {
                    var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                    deadline.Token.ThrowIfCancellationRequested();
                    if (result?.Message is null || !wanted.Contains(result.Message.Key) || new ConsumedEvent(result).Schema != AlertRaised.Descriptor.FullName)
                    {
                        continue;
                    }
                    var alert = AlertRaised.Parser.ParseFrom(result.Message.Value);
                    raised.Add(Describe(alert.PatientId, alert.Condition.ToString(), alert.Priority.ToString(), alert.Key.Code?.Loinc ?? "",
                        alert.Key.Direction == Contracts.Anomaly.V1.Direction.Unspecified ? "" : alert.Key.Direction.ToString(), alert.ObservedAt.ToDateTimeOffset(), alert.Summary));
                }
            }
            catch (OperationCanceledException)
            {
                // Fewer than expected: the comparison says which.
            }
            finally
            {
                consumer.Close();
            }
            return raised.Order(StringComparer.Ordinal).ToList();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // Every partition read to its end; one never read from has no position yet, and is at its end only when empty.
    private static bool CaughtUp(IConsumer<string, byte[]> consumer) =>
        consumer.Assignment.Count > 0 && consumer.Assignment.All(p =>
            consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High is var high
            && (high.Value == 0 || (consumer.Position(p) is var position && position != Offset.Unset && position.Value >= high.Value)));

    private Task WaitForGroupAsync(string groupId, string[] topics, TimeSpan timeout) =>
        Task.Factory.StartNew(() =>
        {
            var config = new ConsumerConfig { BootstrapServers = _cluster.Kafka.BootstrapServers, GroupId = groupId, EnableAutoCommit = false };
            // Not subscribed, so it never joins the group: it only reads the offsets the group committed.
            using var reader = new ConsumerBuilder<string, byte[]>(config).Build();
            var partitions = topics.SelectMany(t => Enumerable.Range(0, 4).Select(p => new TopicPartition(t, p))).ToList();
            using var deadline = new CancellationTokenSource(timeout);
            using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            while (true)
            {
                var committed = reader.Committed(partitions, TimeSpan.FromSeconds(10));
                if (committed.All(c => reader.QueryWatermarkOffsets(c.TopicPartition, TimeSpan.FromSeconds(10)).High is var high
                    && (high.Value == 0 || (c.Offset != Offset.Unset && c.Offset.Value >= high.Value))))
                {
                    return;
                }
                if (!poll.WaitForNextTickAsync(deadline.Token).AsTask().GetAwaiter().GetResult())
                {
                    return;
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}

[CollectionDefinition(EventTimeSystem.Name, DisableParallelization = true)]
public sealed class EventTimeCollection : ICollectionFixture<EventTimeSystem>
{
}
