using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// Refuses new readings while a watched consumer group (<see cref="BackPressureOptions.Groups"/>) lags too far behind
/// the end of a telemetry partition, so that a reading is refused at the door, where the sender still has it and
/// sends it again, rather than taken and then dropped by retention before its consumers read it. A group's lag is
/// counted from its committed offset, where a restarted member resumes: <see cref="BackPressureOptions.MaxLag"/>
/// records at most, and once retention has started dropping a partition's oldest records, at most
/// <see cref="BackPressureOptions.MaxRetainedShare"/> of what the partition keeps.
/// The committed offsets and watermarks are read every <see cref="BackPressureOptions.CheckInterval"/>; between two
/// reads the end of a partition moves on with the readings this Gateway stores, so a burst is stopped at once rather
/// than one interval later. Once the groups have caught up, the next read lets readings in again. When the offsets
/// cannot be read, readings are let in (Kafka unreachable fails the publish anyway) and a warning is logged.
/// </summary>
internal sealed partial class IngestionBackPressure(
    IOptions<BackPressureOptions> options,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    TimeProvider clock,
    IngestionMetrics metrics,
    ILogger<IngestionBackPressure> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<int, long> _stored = new();
    private volatile Standing _standing = Standing.None;
    private volatile PartitionLag? _over;
    private TaskCompletionSource _nextCheck = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether readings are refused now.</summary>
    public bool Refusing => _over is not null;

    /// <summary>Completes once a read of the groups' offsets that starts after this call has been applied; lets tests wait on the check loop.</summary>
    internal Task NextCheck => Volatile.Read(ref _nextCheck).Task;

    /// <summary>Throws when readings are refused now, before anything of a batch is taken.</summary>
    /// <exception cref="ConsumersBehindException">A watched group is too far behind; the sender is to wait and resend.</exception>
    public void ThrowIfRefusing(int readings)
    {
        if (_over is not null)
        {
            metrics.RefusedForBackPressure(readings);
            throw new ConsumersBehindException(options.Value.RetryAfter);
        }
    }

    /// <summary>Readings this Gateway stored: the partition's end moved to just after <paramref name="stored"/>.</summary>
    public void Stored(TopicPartitionOffset stored)
    {
        if (options.Value.Groups.Count == 0)
        {
            return;
        }
        var partition = stored.Partition.Value;
        var end = _stored.AddOrUpdate(partition, stored.Offset.Value + 1, (_, known) => Math.Max(known, stored.Offset.Value + 1));
        if (_over is null && Worst(_standing.Of(partition), end) is { } over)
        {
            Refuse(over);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watch = options.Value;
        if (watch.Groups.Count == 0)
        {
            return;
        }
        LogWatching(logger, watch.Groups.Count, watch.MaxLag, watch.MaxRetainedShare);
        using var lag = new ConsumerGroupLag(kafka);
        using var timer = new PeriodicTimer(watch.CheckInterval, clock);
        try
        {
            do
            {
                var waiting = Interlocked.Exchange(ref _nextCheck, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                await CheckAsync(lag, stoppingToken);
                waiting.TrySetResult();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync(ConsumerGroupLag lag, CancellationToken cancellationToken)
    {
        IReadOnlyList<PartitionLag> read;
        try
        {
            read = await lag.ReadAsync(topics.Value.Telemetry, [.. options.Value.Groups], cancellationToken);
        }
        catch (KafkaException ex)
        {
            LogUnreadable(logger, ex.Error.Code);
            _standing = Standing.None;
            Accept();
            return;
        }
        var standing = new Standing(read.GroupBy(p => p.Partition).ToDictionary(g => g.Key, g => (IReadOnlyList<PartitionLag>)[.. g]));
        _standing = standing;
        var over = standing.Partitions.Keys
            .Select(partition => Worst(standing.Of(partition), _stored.GetValueOrDefault(partition)))
            .FirstOrDefault(found => found is not null);
        if (over is { } refused)
        {
            Refuse(refused);
        }
        else
        {
            Accept();
        }
    }

    /// <summary>The first group over its budget on one partition whose end is known to be at least <paramref name="storedEnd"/>.</summary>
    private PartitionLag? Worst(IReadOnlyList<PartitionLag> groups, long storedEnd)
    {
        var watch = options.Value;
        foreach (var group in groups)
        {
            var now = group with { High = Math.Max(group.High, storedEnd) };
            var budget = now.Trimmed ? Math.Min(watch.MaxLag, (long)(watch.MaxRetainedShare * now.Retained)) : watch.MaxLag;
            if (now.Lag > budget)
            {
                return now;
            }
        }
        return null;
    }

    private void Refuse(PartitionLag over)
    {
        if (Interlocked.Exchange(ref _over, over) is null)
        {
            LogRefusing(logger, over.GroupId, over.Lag, topics.Value.Telemetry, over.Partition, over.Retained);
        }
    }

    private void Accept()
    {
        if (Interlocked.Exchange(ref _over, null) is not null)
        {
            LogAccepting(logger);
        }
    }

    /// <summary>The groups' standing on each partition, as last read.</summary>
    private sealed record Standing(IReadOnlyDictionary<int, IReadOnlyList<PartitionLag>> Partitions)
    {
        public static readonly Standing None = new(new Dictionary<int, IReadOnlyList<PartitionLag>>());

        public IReadOnlyList<PartitionLag> Of(int partition) => Partitions.TryGetValue(partition, out var groups) ? groups : [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Back-pressure on: readings are refused while any of {Groups} consumer groups lags more than {MaxLag} records, or {Share:P0} of what a trimmed partition keeps")]
    private static partial void LogWatching(ILogger logger, int groups, long maxLag, double share);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refusing readings: consumer group {Group} is {Lag} records behind on {Topic}[{Partition}], which keeps {Retained}; senders are told to retry later")]
    private static partial void LogRefusing(ILogger logger, string group, long lag, string topic, int partition, long retained);

    [LoggerMessage(Level = LogLevel.Information, Message = "Taking readings again: the watched consumer groups are within their budget")]
    private static partial void LogAccepting(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer groups' offsets could not be read ({Code}); taking readings meanwhile")]
    private static partial void LogUnreadable(ILogger logger, ErrorCode code);
}
