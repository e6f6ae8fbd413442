using Microsoft.Extensions.Logging;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Pacing;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Simulator.Streaming;

/// <summary>A reading on a scenario's or a recording's time line, before it is stamped and numbered for the wire.</summary>
internal readonly record struct TimelineReading(
    DateTimeOffset At,
    string PatientId,
    string DeviceId,
    VitalDefinition Vital,
    double Value,
    string Unit,
    ReadingQuality Quality);

/// <summary>
/// Plays a time line to the Gateway at a given speed: whenever readings fall due, registers the device bindings
/// due by then and sends the readings. When the Gateway is slower than the time line, each round simply takes
/// everything that has fallen due, so the stream catches up instead of drifting further behind. Each device numbers
/// its readings from 1 under a boot id new to this streamer, as a device does after it starts.
/// </summary>
internal sealed partial class TimelineStreamer(GatewayLink gateway, TimeProvider clock, ILogger logger)
{
    /// <summary>Caps one round, so that a stream far behind still sends in bounded batches.</summary>
    public const int MaxReadingsPerRound = 20_000;

    private static readonly TimeSpan ResendDelay = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, ulong> _sequence = new(StringComparer.Ordinal);
    private readonly ulong _boot = DeviceBoot.NewId();

    public async Task<StreamTotals> StreamAsync(
        DateTimeOffset origin,
        double speed,
        TimestampMode timestamps,
        IReadOnlyList<DeviceBinding> bindings,
        IEnumerable<TimelineReading> readings,
        CancellationToken cancellationToken)
    {
        var pacer = new Pacer(clock, speed);
        pacer.Start(origin);
        DateTimeOffset Stamp(DateTimeOffset at) => timestamps == TimestampMode.Paced ? pacer.DueAt(at) : at;

        var nextBinding = 0;
        using var pending = readings.GetEnumerator();
        var more = pending.MoveNext();
        while (more)
        {
            await pacer.WaitUntilAsync(pending.Current.At, cancellationToken);
            var horizon = Max(pacer.TimelineNow, pending.Current.At);
            // Bindings first: a reading observed after a device moved must find the new binding in place.
            while (nextBinding < bindings.Count && bindings[nextBinding].From <= horizon)
            {
                var binding = bindings[nextBinding++];
                await gateway.RegisterAsync(binding.DeviceId, binding.PatientId, Stamp(binding.From), cancellationToken);
            }
            var taken = 0;
            while (more && pending.Current.At <= horizon && taken < MaxReadingsPerRound)
            {
                gateway.Enqueue(ToWire(pending.Current, Stamp(pending.Current.At)));
                taken++;
                more = pending.MoveNext();
            }
            await gateway.FlushAsync(cancellationToken);
        }
        while (gateway.Pending > 0)
        {
            LogDraining(logger, gateway.Pending);
            await Task.Delay(ResendDelay, clock, cancellationToken);
            await gateway.FlushAsync(cancellationToken);
        }
        return gateway.Totals;
    }

    private VitalSignReading ToWire(TimelineReading reading, DateTimeOffset observedAt)
    {
        var sequence = _sequence.GetValueOrDefault(reading.DeviceId) + 1;
        _sequence[reading.DeviceId] = sequence;
        var wire = new VitalSignReading
        {
            PatientId = reading.PatientId,
            DeviceId = reading.DeviceId,
            BootId = _boot,
            SequenceNumber = sequence,
            ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
            Code = new VitalCode { Loinc = reading.Vital.Loinc, Mdc = reading.Vital.Mdc },
            Value = reading.Value,
            Unit = reading.Unit,
        };
        AddFlags(wire, reading.Quality);
        return wire;
    }

    private static void AddFlags(VitalSignReading wire, ReadingQuality quality)
    {
        if (quality == ReadingQuality.None)
        {
            return;
        }
        (ReadingQuality Quality, QualityFlag Flag)[] map =
        [
            (ReadingQuality.MotionArtifact, QualityFlag.MotionArtifact),
            (ReadingQuality.LowPerfusion, QualityFlag.LowPerfusion),
            (ReadingQuality.ProbeOff, QualityFlag.ProbeOff),
            (ReadingQuality.Calibrating, QualityFlag.Calibrating),
            (ReadingQuality.Questionable, QualityFlag.Questionable),
            (ReadingQuality.ManualEntry, QualityFlag.ManualEntry),
        ];
        foreach (var (flag, wireFlag) in map)
        {
            if (quality.HasFlag(flag))
            {
                wire.QualityFlags.Add(wireFlag);
            }
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Time line played; {Pending} readings still to resend")]
    private static partial void LogDraining(ILogger logger, int pending);
}
