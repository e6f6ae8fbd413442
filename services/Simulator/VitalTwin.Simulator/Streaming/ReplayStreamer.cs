using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Replay;

namespace VitalTwin.Simulator.Streaming;

/// <summary>
/// Streams a recorded CSV to the Gateway at real or accelerated speed, then stops the program. Each patient in
/// the recording gets a device of its own, registered before the first reading.
/// </summary>
internal sealed partial class ReplayStreamer(
    IOptions<SimulatorOptions> options,
    VitalCatalogue catalogue,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<ReplayStreamer> logger) : BackgroundService
{
    private IReadOnlyList<RecordedReading> _recording = [];

    /// <summary>Reads the whole recording before the host reports started, so a bad row stops the program with its line number.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _recording = VitalsCsv.Load(options.Value.Replay!, catalogue);
        LogLoaded(logger, _recording.Count, _recording.Select(r => r.PatientId).Distinct(StringComparer.Ordinal).Count());
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (_recording.Count > 0)
        {
            await using var connection = GatewayConnection.Open(settings);
            var gateway = connection.Link(clock, logger);
            var origin = _recording[0].Timestamp;
            var totals = await new TimelineStreamer(gateway, clock, logger).StreamAsync(
                origin,
                settings.Speed,
                settings.Timestamps,
                Bindings(_recording, origin),
                ToTimeline(_recording),
                stoppingToken);
            LogFinished(logger, totals.Sent, totals.Accepted, totals.Rejected);
        }
        lifetime.StopApplication();
    }

    /// <summary>The device that replays a patient's recorded readings.</summary>
    public static string DeviceOf(string patientId) => ReplayDevices.Of(patientId);

    public static IReadOnlyList<DeviceBinding> Bindings(IEnumerable<RecordedReading> recording, DateTimeOffset from) => ReplayDevices.Bindings(recording, from);

    public static IEnumerable<TimelineReading> ToTimeline(IEnumerable<RecordedReading> recording) =>
        recording.Select(r => new TimelineReading(r.Timestamp, r.PatientId, DeviceOf(r.PatientId), r.Vital, r.Value, r.Unit, ReadingQuality.None));

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording loaded: {Readings} readings of {Patients} patients")]
    private static partial void LogLoaded(ILogger logger, int readings, int patients);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording replayed: {Sent} readings sent, {Accepted} accepted, {Rejected} rejected")]
    private static partial void LogFinished(ILogger logger, long sent, long accepted, long rejected);
}
