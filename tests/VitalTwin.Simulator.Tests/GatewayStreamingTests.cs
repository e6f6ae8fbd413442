using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Replay;
using VitalTwin.Simulator.Core.Scenarios;
using VitalTwin.Simulator.Streaming;

namespace VitalTwin.Simulator.Tests;

/// <summary>Scenarios and recordings streamed over gRPC to an in-test server that attributes readings as the Gateway does.</summary>
public sealed class GatewayStreamingTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private FakeGateway _gateway = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _gateway = await FakeGateway.StartAsync(TimeProvider.System);
        _channel = GrpcChannel.ForAddress(_gateway.Address);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task A_scenario_arrives_complete_with_device_moves_registered_before_the_moved_devices_readings()
    {
        var scenario = TestScenarios.Ward(3, TimeSpan.FromMinutes(30)) with
        {
            Artifacts =
            [
                new ArtifactSpec { Kind = ArtifactKind.DeviceMoved, Count = 1, Duration = TimeRange.Exactly(TimeSpan.FromMinutes(10)) },
                new ArtifactSpec { Kind = ArtifactKind.Motion, Count = 1, Duration = TimeRange.Exactly(TimeSpan.FromMinutes(1)), Flagged = 1 },
            ],
        };
        var simulation = new WardSimulation(scenario);
        var generated = simulation.Readings().ToList();
        const double speed = 1_200;

        var totals = await Streamer(TimeProvider.System).StreamAsync(scenario.Start, speed, TimestampMode.Paced, simulation.DeviceBindings, ScenarioStreamer.ToTimeline(simulation), CancellationToken.None).WaitAsync(Timeout);

        var state = _gateway.State;
        Assert.Empty(state.Mismatched);
        Assert.Equal(generated.Count, state.Accepted.Count);
        Assert.Equal(new StreamTotals(generated.Count, generated.Count, 0, 5), totals);
        var move = simulation.Artifacts.Single(a => a.Kind == ArtifactKind.DeviceMoved);
        Assert.Contains(state.Registrations, r => r.DeviceId == move.DeviceId && r.PatientId == move.OtherPatientId);
        Assert.Contains(state.Accepted, r => r.DeviceId == move.DeviceId && r.PatientId == move.OtherPatientId);
        Assert.Contains(state.Accepted, r => r.DeviceId == move.ReplacementDeviceId && r.PatientId == move.PatientId);
        Assert.Contains(state.Accepted, r => r.QualityFlags.Contains(QualityFlag.MotionArtifact));
        // Per device: numbered 1, 2, 3, ... in generated order, stamped at the time line's pace.
        foreach (var device in generated.GroupBy(r => r.DeviceId))
        {
            var wire = state.Accepted.Where(r => r.DeviceId == device.Key).OrderBy(r => r.SequenceNumber).ToList();
            Assert.Equal(Enumerable.Range(1, device.Count()).Select(i => (ulong)i), wire.Select(r => r.SequenceNumber));
            var first = device.First().ObservedAt;
            var firstWire = wire[0].ObservedAt.ToDateTimeOffset();
            Assert.All(device.Zip(wire), pair => Assert.InRange(
                (pair.Second.ObservedAt.ToDateTimeOffset() - firstWire - ((pair.First.ObservedAt - first) / speed)).Duration(),
                TimeSpan.Zero,
                TimeSpan.FromTicks(2)));
            Assert.Equal(device.Select(r => r.Value), wire.Select(r => r.Value));
        }
    }

    [Fact]
    public async Task Each_run_numbers_a_devices_readings_from_one_under_a_boot_id_of_its_own()
    {
        var scenario = TestScenarios.Ward(2, TimeSpan.FromMinutes(2));
        var simulation = new WardSimulation(scenario);

        foreach (var run in new[] { Streamer(TimeProvider.System), Streamer(TimeProvider.System) })
        {
            await run.StreamAsync(scenario.Start, 1_200, TimestampMode.Paced, simulation.DeviceBindings, ScenarioStreamer.ToTimeline(simulation), CancellationToken.None).WaitAsync(Timeout);
        }

        var boots = _gateway.State.Accepted.GroupBy(r => r.BootId).ToList();
        Assert.Equal(2, boots.Count);
        Assert.DoesNotContain(boots, boot => boot.Key == 0);
        Assert.All(boots, boot => Assert.All(boot.GroupBy(r => r.DeviceId), device =>
            Assert.Equal(Enumerable.Range(1, device.Count()).Select(i => (ulong)i), device.Select(r => r.SequenceNumber).Order())));
    }

    [Fact]
    public async Task A_recording_is_replayed_with_its_codes_units_and_recorded_timestamps()
    {
        var recording = Recording("""
            timestamp,patient,code,value,unit
            2025-01-06T08:00:00Z,alice,8867-4,72,/min
            2025-01-06T08:00:00Z,bob,59408-5,95,%
            2025-01-06T08:00:05Z,alice,8310-5,99.1,[degF]
            2025-01-06T08:00:10Z,bob,9279-1,18,/min
            """);
        var origin = recording[0].Timestamp;

        await Streamer(TimeProvider.System).StreamAsync(origin, 1_000, TimestampMode.Recorded, ReplayStreamer.Bindings(recording, origin), ReplayStreamer.ToTimeline(recording), CancellationToken.None).WaitAsync(Timeout);

        var state = _gateway.State;
        Assert.Equal(["replay-alice", "replay-bob"], state.Registrations.Select(r => r.DeviceId));
        Assert.All(state.Registrations, r => Assert.Equal(origin, r.BoundFrom.ToDateTimeOffset()));
        var received = state.Accepted.OrderBy(r => r.ObservedAt.ToDateTimeOffset()).ThenBy(r => r.PatientId, StringComparer.Ordinal).ToList();
        Assert.Equal(
            recording.Select(r => (r.PatientId, r.Timestamp, r.Vital.Loinc, r.Vital.Mdc, r.Value, r.Unit)),
            received.Select(r => (r.PatientId, r.ObservedAt.ToDateTimeOffset(), r.Code.Loinc, r.Code.Mdc, r.Value, r.Unit)));
    }

    [Fact]
    public async Task Batches_the_gateway_could_not_store_are_sent_again_with_the_same_sequence_numbers()
    {
        var recording = Recording("timestamp,patient,code,value,unit\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"2025-01-06T08:00:{i:D2}Z,carol,8867-4,{70 + i},/min\n")));
        _gateway.State.FailNextIngests(2);
        var origin = recording[0].Timestamp;

        var totals = await Streamer(TimeProvider.System).StreamAsync(origin, 2_000, TimestampMode.Recorded, ReplayStreamer.Bindings(recording, origin), ReplayStreamer.ToTimeline(recording), CancellationToken.None).WaitAsync(Timeout);

        var accepted = _gateway.State.Accepted;
        Assert.Equal(40, totals.Accepted);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (ulong)i), accepted.Select(r => r.SequenceNumber).Order());
        Assert.Equal(Enumerable.Range(70, 40).Select(v => (double)v), accepted.OrderBy(r => r.SequenceNumber).Select(r => r.Value));
    }

    [Fact]
    public async Task On_a_fake_clock_each_reading_is_sent_when_due_and_stamped_with_that_moment()
    {
        var clock = new TimerCountingClock(new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero)));
        var wallStart = clock.GetUtcNow();
        var recording = Recording("""
            timestamp,patient,code,value,unit
            2020-02-02T10:00:00Z,dan,8867-4,60,/min
            2020-02-02T10:00:10Z,dan,8867-4,61,/min
            2020-02-02T10:00:20Z,dan,8867-4,62,/min
            """);
        var origin = recording[0].Timestamp;
        var state = _gateway.State;

        var streaming = Streamer(clock).StreamAsync(origin, 2, TimestampMode.Paced, ReplayStreamer.Bindings(recording, origin), ReplayStreamer.ToTimeline(recording), CancellationToken.None);
        await state.WaitForAcceptedAsync(1, Timeout);
        // Each reading is due 5 s after the one before (10 s of time line at speed 2).
        await AdvanceUntilAcceptedAsync(clock, state, 2, TimeSpan.FromSeconds(5));
        await AdvanceUntilAcceptedAsync(clock, state, 3, TimeSpan.FromSeconds(5));
        Assert.Equal(2, clock.TimersCreated);
        await streaming.WaitAsync(Timeout);

        Assert.Equal(
            [wallStart, wallStart.AddSeconds(5), wallStart.AddSeconds(10)],
            state.Accepted.OrderBy(r => r.SequenceNumber).Select(r => r.ObservedAt.ToDateTimeOffset()));
        Assert.Equal(wallStart, state.Registrations.Single().BoundFrom.ToDateTimeOffset());
    }

    /// <summary>
    /// Once the streamer has armed its wait for the next reading (reading <paramref name="count"/>, its
    /// <c>count - 1</c>th wait: the first reading is due at once), checks that reading was not sent before, moves the
    /// fake clock to when it is due, and waits for it. Moving the clock before the wait is armed would make it a jump late.
    /// </summary>
    private static async Task AdvanceUntilAcceptedAsync(TimerCountingClock clock, FakeGatewayState gateway, int count, TimeSpan due)
    {
        await clock.WaitForTimersAsync(count - 1, Timeout);
        Assert.True(gateway.Accepted.Count < count, "a reading was sent before it was due");
        clock.Fake.Advance(due);
        await gateway.WaitForAcceptedAsync(count, Timeout);
    }

    private TimelineStreamer Streamer(TimeProvider clock)
    {
        var link = new GatewayLink(
            new GrpcDeviceTransport(_channel),
            new DeviceRegistry.DeviceRegistryClient(_channel),
            maxConcurrentCalls: 8,
            clock,
            NullLogger.Instance);
        return new TimelineStreamer(link, clock, NullLogger.Instance);
    }

    private static List<RecordedReading> Recording(string csv) =>
        [.. VitalsCsv.Read(new StringReader(csv), VitalCatalogue.Default).OrderBy(r => r.Timestamp)];
}
