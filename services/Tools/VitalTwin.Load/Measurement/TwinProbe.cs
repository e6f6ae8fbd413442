using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Load.Generation;

namespace VitalTwin.Load.Measurement;

/// <summary>
/// Device-to-twin latency on a sample of patients, through a TwinQuery.WatchTwins call naming them on every TwinState
/// replica (each pushes the twins it holds; should one push a twin another holds too, only news counts). TwinState
/// pushes a twin as soon as it applied a change, so each vital whose observed_at moved on was applied just before
/// the push; since readings are stamped with their send time, receipt minus observed_at is the latency of that
/// reading. Polling GetTwin would add up to a poll interval to every value instead.
/// Watches coalesce per patient: if two readings of one vital were applied between two pushes, only the newer
/// is measured. At one tick a second per patient that does not happen unless TwinState stalls.
/// </summary>
internal sealed class TwinProbe : IAsyncDisposable
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(200);

    private readonly IReadOnlyList<GrpcChannel> _channels;
    private readonly RunClock _clock;
    private readonly IReadOnlyList<SyntheticPatient> _sample;
    private readonly Dictionary<string, WatchedTwin> _twins;
    private readonly CancellationTokenSource _stop = new();
    private Task _loops = Task.CompletedTask;
    private long _reconnects;
    private (long Applied, long Sent) _atWindowStart;

    /// <param name="twinState">A channel to each TwinState replica carrying a clinician's bearer token for every ward: TwinQuery serves no one else. The probe disposes them.</param>
    public TwinProbe(IReadOnlyList<GrpcChannel> twinState, IReadOnlyList<SyntheticPatient> sample, RunClock clock)
    {
        _channels = twinState;
        _clock = clock;
        _sample = sample;
        _twins = sample.ToDictionary(p => p.PatientId, _ => new WatchedTwin(), StringComparer.Ordinal);
    }

    public LatencyRecorder Latency { get; } = new();

    public int SampleSize => _sample.Count;

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public void Start() =>
        _loops = Task.WhenAll(_channels.Select(channel => Task.Run(() => WatchAsync(channel, _stop.Token))));

    /// <summary>
    /// The send time up to which every watched twin reflects all five vitals: TwinState has applied (nearly)
    /// everything sent before it, since the sample spans all partitions. Null until each twin has all five.
    /// </summary>
    public DateTimeOffset? AppliedUpTo()
    {
        long lowest = long.MaxValue;
        foreach (var twin in _twins.Values)
        {
            var reflected = twin.ReflectedTicks;
            if (reflected == 0)
            {
                return null;
            }
            lowest = Math.Min(lowest, reflected);
        }
        return lowest == long.MaxValue ? null : new DateTimeOffset(lowest, TimeSpan.Zero);
    }

    /// <summary>Whether every watched twin reflects the last tick sent to its patient.</summary>
    public bool CaughtUp() => CaughtUpCount() == _sample.Count;

    public int CaughtUpCount() => _sample.Count(p => p.LastSentTicks != 0 && _twins[p.PatientId].ReflectedTicks >= p.LastSentTicks);

    /// <summary>Takes note of what the sampled twins had applied, and had been sent, when the window opened.</summary>
    public void MarkWindowStart() => _atWindowStart = Completeness();

    /// <summary>
    /// Of the readings sent to the sampled patients since <see cref="MarkWindowStart"/>, the share their twins applied.
    /// Readings in flight when the window opened count as the window's, so the share can only err upwards, by a few.
    /// </summary>
    public double WindowCompleteness()
    {
        var (applied, sent) = Completeness();
        var windowSent = sent - _atWindowStart.Sent;
        return windowSent <= 0 ? 1 : Math.Clamp((applied - _atWindowStart.Applied) / (double)windowSent, 0, 1);
    }

    /// <summary>
    /// Readings the sampled twins applied, and readings sent to those patients that their senders stood by (refused
    /// ones they gave up resending are not expected): a shortfall is data lost on the way.
    /// </summary>
    public (long Applied, long Sent) Completeness() =>
        (_twins.Values.Sum(t => (long)t.ReadingsApplied), _sample.Sum(p => p.ReadingsSent - p.ReadingsDropped));

    private async Task WatchAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        var client = new TwinQuery.TwinQueryClient(channel);
        var request = new WatchTwinsRequest { PatientIds = { _twins.Keys } };
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var call = client.WatchTwins(request, cancellationToken: cancellationToken);
                await foreach (var change in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (change.Twin is { } twin && _twins.TryGetValue(twin.PatientId, out var watched))
                    {
                        Observe(watched, twin, _clock.Time.GetUtcNow());
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal && !cancellationToken.IsCancellationRequested)
            {
                // TwinState restarted or the connection dropped: watch again; the first answer resends every twin.
                Interlocked.Increment(ref _reconnects);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                return;
            }
            try
            {
                await Task.Delay(ReconnectDelay, _clock.Time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Observe(WatchedTwin watched, PatientTwin twin, DateTimeOffset receivedAt)
    {
        // Each replica's watch loop observes; a twin is pushed by its holder, but a rebalance can overlap two.
        lock (watched)
        {
            foreach (var vital in twin.Vitals)
            {
                if (vital.ObservedAt is null)
                {
                    continue;
                }
                var observed = vital.ObservedAt.ToDateTimeOffset().UtcTicks;
                if (watched.Advance(vital.Code.Loinc, observed) && _clock.InWindow(observed))
                {
                    Latency.Record(TimeSpan.FromTicks(receivedAt.UtcTicks - observed));
                }
            }
            watched.ReadingsApplied = twin.ReadingsApplied;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loops;
        _stop.Dispose();
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    /// <summary>What the probe last saw of one twin; written by the watch loops, one at a time.</summary>
    private sealed class WatchedTwin
    {
        private readonly Dictionary<string, long> _newestByVital = new(StringComparer.Ordinal);
        private long _reflectedTicks;
        private long _readingsApplied;

        /// <summary>The oldest of the five vitals' newest observed_at: the newest tick the twin reflects whole.</summary>
        public long ReflectedTicks => Volatile.Read(ref _reflectedTicks);

        public ulong ReadingsApplied
        {
            get => (ulong)Volatile.Read(ref _readingsApplied);
            set => Volatile.Write(ref _readingsApplied, (long)value);
        }

        public bool Advance(string loinc, long observedTicks)
        {
            if (_newestByVital.TryGetValue(loinc, out var newest) && observedTicks <= newest)
            {
                return false;
            }
            _newestByVital[loinc] = observedTicks;
            if (_newestByVital.Count == LoadOptions.VitalsPerPatient)
            {
                Volatile.Write(ref _reflectedTicks, _newestByVital.Values.Min());
            }
            return true;
        }
    }
}
