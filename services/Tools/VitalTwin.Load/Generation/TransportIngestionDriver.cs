using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Load.Generation;

/// <summary>
/// A front door other than gRPC (MQTT, FHIR), driven through its <see cref="IDeviceTransport"/> only: a sender has a
/// transport of its own to its Gateway, and each round sends its batch's ticks, one send per monitor (a device speaks
/// only for itself), all at once, and waits for their acknowledgements before the next round. A send the Gateway did
/// not store counts as unacknowledged, as a failed stream call does on gRPC.
/// </summary>
internal sealed class TransportIngestionDriver : IngestionDriver
{
    private readonly IDeviceTransport[] _transports;

    public TransportIngestionDriver(DeviceTransportKind kind, IReadOnlyList<GatewayInstance> gateways, IReadOnlyList<SyntheticPatient> patients, LoadOptions options, RunClock clock, Action<SyntheticPatient, DateTimeOffset> deteriorated, string accessToken)
        : base(gateways, patients, options, clock, deteriorated, accessToken)
    {
        Kind = kind;
        _transports = new IDeviceTransport[options.Streams];
        try
        {
            for (var stream = 0; stream < _transports.Length; stream++)
            {
                _transports[stream] = DeviceTransports.DeviceTransports.Open(kind, DoorsOf(stream));
            }
        }
        catch
        {
            // Opening one that cannot be (a door not built) fails before the first connects; the others never did.
            foreach (var opened in _transports.Where(t => t is not null))
            {
                _ = opened.DisposeAsync().AsTask();
            }
            DisposeChannels();
            throw;
        }
    }

    public override DeviceTransportKind Kind { get; }

    protected override string? IngestSystem => _transports[0].IngestSystem;

    protected override Task<IngestAck> SendTickAsync(int stream, SyntheticPatient patient, VitalSignBatch tick, CancellationToken cancellationToken) =>
        _transports[stream].SendAsync(patient.Login, tick.Readings, cancellationToken);

    protected override async Task RunStreamAsync(int stream, SyntheticPatient[] patients, CancellationToken stop, CancellationToken abort)
    {
        var transport = _transports[stream];
        var random = new Random(stream + 1);
        var bucket = new TokenBucket(Options.Rate / (double)Options.Streams, 2.0 * Options.BatchSize, Clock.Time);
        var cursor = 0;
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await bucket.WaitAsync(Options.BatchSize, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            var counters = Of(Clock.Phase);
            var sends = NextTicks(patients, ref cursor, random).Select(async entry =>
            {
                counters.Wrote(entry.Tick.Readings.Count);
                try
                {
                    counters.Acknowledged(await transport.SendAsync(entry.Patient.Login, entry.Tick.Readings, abort), Clock.Time.GetUtcNow());
                    return null;
                }
                catch (GatewayUnavailableException ex) when (!abort.IsCancellationRequested)
                {
                    counters.Failed(entry.Tick.Readings.Count, nameof(GatewayUnavailableException));
                    return ex;
                }
            }).ToList();
            var failed = (await Task.WhenAll(sends)).LastOrDefault(ex => ex is not null);
            failures = failed is null ? 0 : failures + 1;
            if (failures >= MaxConsecutiveFailures)
            {
                throw new InvalidOperationException($"The Gateway failed {Kind} sends in {failures} rounds in a row (last: {failed!.Message}).", failed);
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var transport in _transports)
        {
            await transport.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}
