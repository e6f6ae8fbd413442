using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VitalTwin.Kafka.Security;

namespace VitalTwin.Kafka;

/// <summary>
/// Keeps a whole state topic in every instance of a service: at start it reads every partition from its start to
/// the end it has then (the host serves nothing before that), and from there follows each one live. No consumer
/// group shares the partitions out: every instance must see every record, since any instance may be asked about any
/// key. Partitions added to the topic later are picked up within <see cref="PartitionRefresh"/>.
/// </summary>
public abstract partial class TopicFollower : IHostedService, IDisposable
{
    /// <summary>How often the topic's metadata is read again for partitions added since the last look.</summary>
    public static readonly TimeSpan PartitionRefresh = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);

    private readonly KafkaOptions _kafka;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConsumeErrors _errors;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly HashSet<TopicPartition> _assigned = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaited = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private IConsumer<string, byte[]>? _consumer;
    private Task _following = Task.CompletedTask;
    private DateTimeOffset _nextRefresh;

    protected TopicFollower(KafkaOptions kafka, string topic, TimeProvider clock, KafkaMetrics metrics, IHostApplicationLifetime lifetime, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        _kafka = kafka;
        _clock = clock;
        _lifetime = lifetime;
        _logger = logger;
        Topic = topic;
        _errors = new ConsumeErrors(GroupId, clock, metrics, logger);
    }

    // Required by the client, never joined: partitions are assigned by hand and no offset is committed.
    private string GroupId => $"vitaltwin-follow-{Topic}";

    public string Topic { get; }

    protected TimeProvider Clock => _clock;

    protected ILogger Logger => _logger;

    /// <summary>Applies a record, in the order of its partition. Runs on the follower's thread, one record at a time.</summary>
    protected abstract void Apply(ConsumedEvent consumed);

    /// <summary>Applies a tombstone: its key was deleted from the topic. Runs as <see cref="Apply"/> does.</summary>
    protected abstract void Delete(ConsumedEvent tombstone);

    /// <summary>
    /// Completes once the record published with <paramref name="messageId"/> has been applied, so a writer can read
    /// its own write. Call it before publishing; <paramref name="cancellationToken"/> gives up the wait.
    /// </summary>
    public Task WhenApplied(string messageId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_awaited.TryAdd(messageId, applied))
        {
            throw new InvalidOperationException("Another wait for this message id is pending.");
        }
        cancellationToken.Register(() =>
        {
            _awaited.TryRemove(new KeyValuePair<string, TaskCompletionSource>(messageId, applied));
            applied.TrySetCanceled(cancellationToken);
        });
        return applied.Task;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _consumer = new ConsumerBuilder<string, byte[]>(_kafka.Connect(new ConsumerConfig
            {
                GroupId = GroupId,
                ClientId = _kafka.ClientId,
                EnableAutoCommit = false,
                EnableAutoOffsetStore = false,
                FetchWaitMaxMs = (int)_kafka.FetchWaitMax.TotalMilliseconds,
            }))
            .SetErrorHandler((_, error) => LogKafkaError(_logger, Topic, error.Code, error.Reason))
            .Build();
        var records = CatchUp(_consumer, cancellationToken);
        LogCaughtUp(_logger, Topic, _assigned.Count, records);
        if (_assigned.Count == 0)
        {
            LogNoPartitions(_logger, Topic);
        }
        // Consume() blocks, so following gets a thread of its own.
        _following = Task.Factory.StartNew(() => FollowAsync(_consumer, _stopping.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host can be stopped twice (a stop asked for while another runs); the second finds nothing left to close.
        if (Interlocked.Exchange(ref _consumer, null) is not { } consumer)
        {
            return;
        }
        await _stopping.CancelAsync();
        // Not bounded by the host's token: the loop ends within one poll anyway, and a host whose patience already ran
        // out (other services were slow to stop) must not close the consumer under it or fail its own stop.
        await _following;
        consumer.Close();
        consumer.Dispose();
    }

    public void Dispose()
    {
        // A host disposed without being stopped (one whose start failed, or a test's) must not free the consumer while
        // the following loop is still inside Consume(): that is a use-after-free in librdkafka, which crashes the
        // process. The loop is told to stop and leaves within one poll.
        if (Interlocked.Exchange(ref _consumer, null) is { } consumer)
        {
            _stopping.Cancel();
            _following.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
            consumer.Dispose();
        }
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Reads every partition to the end it has now; returns how many records that was.</summary>
    private int CatchUp(IConsumer<string, byte[]> consumer, CancellationToken cancellationToken)
    {
        var partitions = AssignNewPartitions(consumer);
        var remaining = new Dictionary<TopicPartition, long>();
        foreach (var partition in partitions)
        {
            var watermarks = consumer.QueryWatermarkOffsets(partition, StartTimeout);
            if (watermarks.High > watermarks.Low)
            {
                remaining[partition] = watermarks.High.Value;
            }
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        var records = 0;
        while (remaining.Count > 0)
        {
            var result = consumer.Consume(deadline.Token);
            if (result?.Message is null)
            {
                continue;
            }
            Handle(result);
            records++;
            if (remaining.TryGetValue(result.TopicPartition, out var end) && result.Offset.Value >= end - 1)
            {
                remaining.Remove(result.TopicPartition);
            }
        }
        return records;
    }

    private async Task FollowAsync(IConsumer<string, byte[]> consumer, CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    var result = consumer.Consume(IdlePoll);
                    _errors.Recovered();
                    if (result is { Message: not null })
                    {
                        Handle(result);
                    }
                    if (_clock.GetUtcNow() >= _nextRefresh)
                    {
                        AssignNewPartitions(consumer);
                    }
                }
                catch (KafkaException ex)
                {
                    // A fatal one is thrown on, and ends following.
                    await _errors.RecoverAsync(ex, stopping);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Following must outlive any one failure: a follower that stopped would leave its state stale for
                    // good. The pause keeps a failure that repeats at once from spinning.
                    LogFollowFailed(_logger, Topic, ex.GetType().Name);
                    stopping.WaitHandle.WaitOne(IdlePoll);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped during a back-off.
        }
        catch (KafkaException ex) when (ConsumeErrors.IsFatal(ex.Error))
        {
            // What a follower keeps (consent, device bindings, who holds which partition) would go stale for good, and
            // a service acting on a stale consent or binding is unsafe: the whole service stops, so that its
            // orchestrator restarts it and its operator sees it.
            LogStoppingService(_logger, Topic);
            _lifetime.StopApplication();
        }
    }

    private void Handle(ConsumeResult<string, byte[]> result)
    {
        var consumed = new ConsumedEvent(result);
        try
        {
            if (consumed.IsTombstone)
            {
                Delete(consumed);
            }
            else
            {
                Apply(consumed);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only the type: a message could quote the record. The record stays where it is, to be read at its offset.
            LogApplyFailed(_logger, result.Topic, result.Partition.Value, result.Offset.Value, ex.GetType().Name);
        }
        if (consumed.MessageId is { } messageId && _awaited.TryRemove(messageId, out var applied))
        {
            applied.TrySetResult();
        }
    }

    /// <summary>Starts reading, from their beginning, partitions the topic has that are not followed yet.</summary>
    private List<TopicPartition> AssignNewPartitions(IConsumer<string, byte[]> consumer)
    {
        _nextRefresh = _clock.GetUtcNow() + PartitionRefresh;
        var added = CompactedTopicReader.Partitions(_kafka, Topic, StartTimeout).Where(_assigned.Add).ToList();
        if (added.Count > 0)
        {
            consumer.IncrementalAssign(added.Select(partition => new TopicPartitionOffset(partition, Offset.Beginning)));
            LogFollowing(_logger, Topic, added.Count);
        }
        return added;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Topic} to its end: {Partitions} partitions, {Records} records; following it live")]
    private static partial void LogCaughtUp(ILogger logger, string topic, int partitions, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Topic} has no partitions (is it created?); they are followed once it has")]
    private static partial void LogNoPartitions(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Following {Count} more partitions of {Topic}")]
    private static partial void LogFollowing(ILogger logger, string topic, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka error while following {Topic}: {Code} {Reason}")]
    private static partial void LogKafkaError(ILogger logger, string topic, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Following {Topic} ended on an error no retry mends; stopping the service rather than serving from what it last read")]
    private static partial void LogStoppingService(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following {Topic} failed ({Error}); retrying")]
    private static partial void LogFollowFailed(ILogger logger, string topic, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Record at {Topic}[{Partition}]@{Offset} could not be applied ({Error})")]
    private static partial void LogApplyFailed(ILogger logger, string topic, int partition, long offset, string error);
}
