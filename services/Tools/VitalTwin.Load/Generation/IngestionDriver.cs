using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Load.Generation;

/// <summary>
/// K concurrent VitalSignIngestion.IngestStream calls, each on its own connection (as separate device
/// concentrators would be), each paced by a token bucket to its share of the target rate. Every patient
/// belongs to one stream. A call runs for <see cref="LoadOptions.StreamSeconds"/> or until the phase changes,
/// then is completed for its acknowledgement, so counts arrive steadily and no call spans two phases.
/// </summary>
internal sealed class IngestionDriver : IDisposable
{
    // A Gateway that fails this many calls of one stream in a row is down, not busy.
    private const int MaxConsecutiveFailures = 20;

    private readonly LoadOptions _options;
    private readonly RunClock _clock;
    private readonly Action<SyntheticPatient, DateTimeOffset> _deteriorated;
    private readonly GrpcChannel[] _channels;
    private readonly SyntheticPatient[][] _patientsByStream;

    public IngestionDriver(Uri gateway, IReadOnlyList<SyntheticPatient> patients, LoadOptions options, RunClock clock, Action<SyntheticPatient, DateTimeOffset> deteriorated)
    {
        ArgumentNullException.ThrowIfNull(patients);
        _options = options;
        _clock = clock;
        _deteriorated = deteriorated;
        _channels = Enumerable.Range(0, options.Streams).Select(_ => GrpcChannel.ForAddress(gateway)).ToArray();
        _patientsByStream = Enumerable.Range(0, options.Streams)
            .Select(stream => patients.Where((_, i) => i % options.Streams == stream).ToArray())
            .ToArray();
    }

    public IngestionCounters Warmup { get; } = new();

    public IngestionCounters Window { get; } = new();

    public IngestionCounters Of(LoadPhase phase) => phase == LoadPhase.Warmup ? Warmup : Window;

    /// <summary>Binds every monitor to its patient, a few calls at a time, before any reading is sent.</summary>
    public async Task RegisterAsync(IReadOnlyList<SyntheticPatient> patients, CancellationToken cancellationToken)
    {
        var registry = new DeviceRegistry.DeviceRegistryClient(_channels[0]);
        // Bound a minute back, so that no reading of the run predates its binding.
        var boundFrom = _clock.Time.GetUtcNow().AddMinutes(-1);
        await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (patient, token) => await registry.RegisterDeviceAsync(patient.Registration(boundFrom), cancellationToken: token));
    }

    /// <summary>
    /// Sends every patient's first tick, then a second one for <paramref name="markers"/>, each call waiting for
    /// its acknowledgement. Once the markers' twins reflect their second tick, every first tick before them on
    /// their partitions has been applied.
    /// </summary>
    public async Task AdmitAsync(IReadOnlyList<SyntheticPatient> patients, IReadOnlyList<SyntheticPatient> markers, CancellationToken cancellationToken)
    {
        var client = new VitalSignIngestion.VitalSignIngestionClient(_channels[0]);
        async Task SendAsync(IEnumerable<SyntheticPatient[]> batches) =>
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = _options.Streams, CancellationToken = cancellationToken }, async (group, token) =>
            {
                var batch = new VitalSignBatch();
                var now = _clock.Time.GetUtcNow();
                foreach (var patient in group)
                {
                    // Random.Shared: these calls run in parallel.
                    patient.AppendTick(batch, now, deteriorate: false, Random.Shared);
                }
                var ack = await client.IngestAsync(batch, cancellationToken: token);
                if (ack.Rejected > 0)
                {
                    throw new InvalidOperationException($"The Gateway rejected {ack.Rejected} admission readings ({ack.Rejections[0].Reason}: {ack.Rejections[0].Detail}).");
                }
            });
        await SendAsync(patients.Chunk(_options.PatientsPerBatch));
        await SendAsync(markers.Chunk(_options.PatientsPerBatch));
    }

    /// <summary>Sends until <paramref name="stop"/> is cancelled, then completes every call and waits for its acknowledgement.</summary>
    public Task RunAsync(CancellationToken stop, CancellationToken abort) =>
        Task.WhenAll(_patientsByStream.Select((patients, stream) => RunStreamAsync(stream, patients, stop, abort)));

    private async Task RunStreamAsync(int stream, SyntheticPatient[] patients, CancellationToken stop, CancellationToken abort)
    {
        var client = new VitalSignIngestion.VitalSignIngestionClient(_channels[stream]);
        var random = new Random(stream + 1);
        var bucket = new TokenBucket(_options.Rate / (double)_options.Streams, 2.0 * _options.BatchSize, _clock.Time);
        var segment = TimeSpan.FromSeconds(_options.StreamSeconds);
        var cursor = 0;
        var paid = false;
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            var phase = _clock.Phase;
            var counters = Of(phase);
            long written = 0;
            var opened = _clock.Time.GetTimestamp();
            using var call = client.IngestStream(cancellationToken: abort);
            try
            {
                while (_clock.Time.GetElapsedTime(opened) < segment)
                {
                    if (!paid)
                    {
                        try
                        {
                            await bucket.WaitAsync(_options.BatchSize, stop);
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested)
                        {
                            break;
                        }
                    }
                    // The phase moved on while this stream waited: the batch opens the next call instead.
                    paid = _clock.Phase != phase;
                    if (paid)
                    {
                        break;
                    }
                    var batch = NextBatch(patients, ref cursor, random);
                    await call.RequestStream.WriteAsync(batch, abort);
                    written += batch.Readings.Count;
                    counters.Wrote(batch.Readings.Count);
                }
                await call.RequestStream.CompleteAsync();
                counters.Acknowledged(await call.ResponseAsync, _clock.Time.GetUtcNow());
                failures = 0;
            }
            catch (RpcException ex) when (!abort.IsCancellationRequested)
            {
                counters.Failed(written, ex.StatusCode);
                if (++failures >= MaxConsecutiveFailures)
                {
                    throw new InvalidOperationException($"The Gateway failed {failures} stream calls in a row (last: {ex.StatusCode}, {ex.Status.Detail}).", ex);
                }
            }
        }
    }

    private VitalSignBatch NextBatch(SyntheticPatient[] patients, ref int cursor, Random random)
    {
        var batch = new VitalSignBatch();
        // Stamped at sending: device-to-twin and device-to-alert latencies run from the device's clock.
        var now = _clock.Time.GetUtcNow();
        var windowStart = _clock.WindowStart;
        for (var i = 0; i < _options.PatientsPerBatch; i++)
        {
            var patient = patients[cursor];
            cursor = (cursor + 1) % patients.Length;
            var deteriorates = patient.DeterioratesNow(now, windowStart);
            if (deteriorates)
            {
                _deteriorated(patient, now);
            }
            patient.AppendTick(batch, now, deteriorates, random);
        }
        return batch;
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
