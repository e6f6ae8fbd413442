namespace VitalTwin.Evaluation.Pipeline;

/// <summary>
/// TwinState's and Notification's event-time ticks on the simulated clock: the multiples, since the Unix epoch, of the
/// staleness check interval and of the policy tick, run up to each reading before it is observed. The services run
/// the same grid on each partition's watermark (PartitionWatermark), so a replay through them meets every tick between
/// the same two readings of a patient as this run does.
/// </summary>
public sealed class PipelineClocks
{
    private readonly WardPipeline _pipeline;
    private readonly ShippedConfiguration _shipped;
    private DateTimeOffset _nextRefresh;
    private DateTimeOffset _nextAdvance;

    /// <param name="start">Where the time line starts: the first ticks are the first grid points after it.</param>
    public PipelineClocks(WardPipeline pipeline, ShippedConfiguration shipped, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(shipped);
        _pipeline = pipeline;
        _shipped = shipped;
        _nextRefresh = FirstTickAfter(start, shipped.StalenessCheckInterval);
        _nextAdvance = FirstTickAfter(start, shipped.PolicyTick);
    }

    /// <summary>Runs every tick at or before <paramref name="until"/>, in time order; TwinState's first at equal times.</summary>
    public void RunUntil(DateTimeOffset until)
    {
        while (true)
        {
            var refreshFirst = _nextRefresh <= _nextAdvance;
            var next = refreshFirst ? _nextRefresh : _nextAdvance;
            if (next > until)
            {
                return;
            }
            if (refreshFirst)
            {
                _pipeline.RefreshStaleness(next);
                _nextRefresh += _shipped.StalenessCheckInterval;
            }
            else
            {
                _pipeline.Advance(next);
                _nextAdvance += _shipped.PolicyTick;
            }
        }
    }

    private static DateTimeOffset FirstTickAfter(DateTimeOffset start, TimeSpan tick)
    {
        var sinceEpoch = (start - DateTimeOffset.UnixEpoch).Ticks;
        var floor = start.UtcTicks - (((sinceEpoch % tick.Ticks) + tick.Ticks) % tick.Ticks);
        return new DateTimeOffset(floor, TimeSpan.Zero) + tick;
    }
}
