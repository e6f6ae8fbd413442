using System.Collections.Concurrent;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Load.Generation;

/// <summary>What the senders did in one phase, counted from the Gateway's acknowledgements.</summary>
internal sealed class IngestionCounters
{
    private long _sent;
    private long _accepted;
    private long _rejected;
    private long _calls;
    private long _failedCalls;
    private long _unacknowledged;
    private long _lastAckTicks;
    private long _refused;
    private long _refusedRounds;
    private long _resent;
    private long _dropped;
    private readonly ConcurrentDictionary<RejectionReason, long> _rejections = new();
    private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);

    /// <summary>New readings written to a stream (a resend is counted in <see cref="Resent"/> instead).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Readings the Gateway acknowledged as accepted: durable on the telemetry topic.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Calls => Interlocked.Read(ref _calls);

    public long FailedCalls => Interlocked.Read(ref _failedCalls);

    /// <summary>Readings of failed calls: the Gateway may or may not have stored them, and a device would resend them.</summary>
    public long Unacknowledged => Interlocked.Read(ref _unacknowledged);

    /// <summary>Readings of calls the Gateway refused for back-pressure: part of <see cref="Unacknowledged"/>, kept to be sent again.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Sender rounds in which the Gateway refused calls for back-pressure.</summary>
    public long RefusedRounds => Interlocked.Read(ref _refusedRounds);

    /// <summary>Readings written again: refused ones after the Gateway's hinted wait, and those of calls their connection failed.</summary>
    public long Resent => Interlocked.Read(ref _resent);

    /// <summary>Readings to resend the senders gave up: beyond their backlog's capacity, or still kept when the run ended.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>When the last acknowledgement arrived; null before the first.</summary>
    public DateTimeOffset? LastAck => Interlocked.Read(ref _lastAckTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public IReadOnlyDictionary<string, long> Rejections => _rejections.ToDictionary(r => r.Key.ToString(), r => r.Value, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Failures => _failures.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);

    public void Wrote(int readings) => Interlocked.Add(ref _sent, readings);

    public void Acknowledged(IngestAck ack, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(ack);
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _accepted, ack.Accepted);
        Interlocked.Add(ref _rejected, ack.Rejected);
        foreach (var rejection in ack.Rejections)
        {
            _rejections.AddOrUpdate(rejection.Reason, 1, static (_, n) => n + 1);
        }
        long seen;
        do
        {
            seen = Interlocked.Read(ref _lastAckTicks);
        }
        while (at.UtcTicks > seen && Interlocked.CompareExchange(ref _lastAckTicks, at.UtcTicks, seen) != seen);
    }

    public void Resending(int readings) => Interlocked.Add(ref _resent, readings);

    /// <summary>A round in which calls carrying <paramref name="readings"/> readings were refused for back-pressure.</summary>
    public void RefusedRound(long readings)
    {
        Interlocked.Increment(ref _refusedRounds);
        Interlocked.Add(ref _refused, readings);
    }

    public void Dropping(long readings) => Interlocked.Add(ref _dropped, readings);

    /// <param name="failure">Why, as the door says it: a gRPC status, or the transport's exception.</param>
    public void Failed(long readings, string failure)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Increment(ref _failedCalls);
        Interlocked.Add(ref _unacknowledged, readings);
        _failures.AddOrUpdate(failure, 1, static (_, n) => n + 1);
    }
}
